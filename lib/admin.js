'use strict'
// ThirdpartyServer's administrative calls (the platform's own endpoints and
// open-platform binding for its authorizers); work is native.
const { settle, splitCallback } = require('./native')

const PAGE = 500

function requireString(value, name) {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name}: must be a non-empty string`)
}

const methods = {
  /** `{authorizer_appid, option_name, option_value}` of an authorized account. */
  getAuthorizerOption(appid, name, callback) {
    requireString(appid, 'appid')
    requireString(name, 'name')
    return settle(this._core().then((n) => n.authorizerOption(appid, name)), callback)
  },

  setAuthorizerOption(appid, name, value, callback) {
    requireString(appid, 'appid')
    requireString(name, 'name')
    if (typeof value === 'number') value = String(value)
    requireString(value, 'value')
    return settle(this._core().then((n) => n.setAuthorizerOption(appid, name, value)), callback)
  },

  /**
   * Every authorized account `{authorizer_appid, refresh_token, auth_time}`,
   * all pages: await it for the whole list, or `for await` it page by page.
   */
  getAuthorizerList(callback) {
    const pages = async function* (self) {
      const n = await self._core()
      for (let offset = 0; ; offset += PAGE) {
        const page = await n.authorizerListPage(offset, PAGE)
        yield* page.list
        if (page.list.length < PAGE || offset + PAGE >= page.total_count) return
      }
    }
    const all = async () => {
      const out = []
      for await (const a of pages(this)) out.push(a)
      return out
    }
    if (typeof callback === 'function') return settle(all(), callback)
    let whole
    const self = this
    return {
      then: (ok, fail) => (whole || (whole = all())).then(ok, fail),
      catch: (fail) => (whole || (whole = all())).catch(fail),
      [Symbol.asyncIterator]: () => pages(self),
    }
  },

  /**
   * Stored authorizers by what they are and what they granted, with no
   * WeChat call: `{ appType: 'mini_program', funcScopes: [18] }` is every
   * mini program that granted code management.
   */
  findAuthorizers(filter, callback) {
    if (typeof filter === 'function') [filter, callback] = [undefined, filter]
    const f = authorizerFilter(filter)
    return settle(this._core().then((n) => n.findAuthorizers(f)), callback)
  },

  /** Resets the platform's own API quota (/cgi-bin/component/clear_quota). */
  clearComponentQuota(callback) {
    return settle(this._core().then((n) => n.clearComponentQuota()), callback)
  },
}

const APP_TYPES = ['official_account', 'mini_program']

function authorizerFilter(filter) {
  if (filter === undefined || filter === null) return {}
  if (typeof filter !== 'object' || Array.isArray(filter)) throw new TypeError('filter: must be an object ({ appType, funcScopes, includeRevoked })')
  const out = {}
  if (filter.appType !== undefined) {
    if (!APP_TYPES.includes(filter.appType)) throw new TypeError(`filter.appType: must be 'official_account' or 'mini_program'`)
    out.appType = filter.appType
  }
  if (filter.funcScopes !== undefined) {
    const ids = Array.isArray(filter.funcScopes) ? filter.funcScopes : [filter.funcScopes]
    if (!ids.every((id) => Number.isInteger(id) && id > 0)) throw new TypeError('filter.funcScopes: must be positive funcscope_category ids')
    out.funcScopes = ids
  }
  if (filter.includeRevoked !== undefined) {
    if (typeof filter.includeRevoked !== 'boolean') throw new TypeError('filter.includeRevoked: must be a boolean')
    out.includeRevoked = filter.includeRevoked
  }
  return out
}

// Open-platform binding acts with the authorizer's own token.
const OPEN = { createOpenAccount: 0, bindOpenAccount: 1, unbindOpenAccount: 1, getOpenAccount: 0 }
for (const [name, extra] of Object.entries(OPEN)) {
  methods[name] = function (appid, ...rest) {
    requireString(appid, 'appid')
    const [args, cb] = splitCallback(rest)
    if (extra) requireString(args[0], 'openAppid')
    const p = this._core().then(() => this.createClient(appid)[name](...args.slice(0, extra)))
    return settle(p, cb)
  }
}

module.exports = (ThirdpartyServer) => Object.assign(ThirdpartyServer.prototype, methods)

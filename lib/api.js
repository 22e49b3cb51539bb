'use strict'
// wechat-api's `API` for an account's own credentials: the same client as
// createClient(user), with the account's token in a native token cell
// (fleet-wide with options.db) or in the user's own storage (getToken /
// saveToken, wechat-api's `{accessToken, expireTime}` objects).
const { binding } = require('./native')
const { Client } = require('./client')

const OPTION_KEYS = ['apiBase', 'db', 'stableToken', 'timeout', 'tokenService', 'authToken']

class API extends Client {
  /**
   * @param appid the official account's appid
   * @param appsecret its AppSecret
   * @param getToken optional `(callback(err, token))` or async `() => token`
   * @param saveToken optional `(token, callback(err))` or async `(token) => void`
   * @param options `{ db, stableToken, apiBase, timeout }`, or `{ tokenService, authToken }`
   *   to take tokens from a token service (then appsecret may be null)
   */
  constructor(appid, appsecret, getToken, saveToken, options) {
    if (typeof appid !== 'string' || appid === '') throw new TypeError('appid: must be a non-empty string')
    if (getToken && typeof getToken === 'object' && options === undefined && saveToken === undefined) {
      ;[options, getToken] = [getToken, undefined]
    }
    const viaService = !!(options && options.tokenService != null)
    if (viaService && typeof options.tokenService !== 'string') throw new TypeError('options.tokenService: must be the token service URL')
    if (viaService && options.authToken != null && typeof options.authToken !== 'string') throw new TypeError('options.authToken: must be a string')
    if (viaService && getToken != null) throw new TypeError('getToken, saveToken: not with options.tokenService (the service keeps the tokens)')
    if (!viaService && (typeof appsecret !== 'string' || appsecret === '')) throw new TypeError('appsecret: must be a non-empty string')
    if (appsecret == null) appsecret = ''
    if (getToken != null && typeof getToken !== 'function') throw new TypeError('getToken: must be a function')
    if (saveToken != null && typeof saveToken !== 'function') throw new TypeError('saveToken: must be a function')
    if ((getToken == null) !== (saveToken == null)) throw new TypeError('getToken, saveToken: give both or neither')
    if (options != null && (typeof options !== 'object' || Array.isArray(options))) throw new TypeError('options: must be an object')
    const opts = {}
    for (const k of OPTION_KEYS) if (options && options[k] != null) opts[k] = options[k]
    if (opts.db != null && typeof opts.db !== 'string') throw new TypeError('options.db: must be a database URL string')
    const userTokens = typeof getToken === 'function'
    super(null, null)
    Object.defineProperty(this, '_open', {
      value: (o) => binding.createOwnClient(appid, appsecret, { ...o, userTokens }),
    })
    Object.defineProperty(this, '_opts', { value: opts, writable: true })
    this._context.api = this
    this.appid = appid
    if (userTokens) this._tokenStore = userTokenStore(getToken, saveToken)
    this._reopen()
  }

  _reopen() {
    const o = { ...this._opts }
    if (o.timeout != null) o.timeout = Math.max(1, Math.round(o.timeout))
    const previous = this._native
    this._native = this._open(o)
    this._native.catch(() => {})
    if (previous) previous.then((n) => n && n.close(), () => {})
  }

  /** wechat-api's setEndpoint: another WeChat API domain (e.g. 'api2.weixin.qq.com'). */
  setEndpoint(domain) {
    if (typeof domain !== 'string' || domain === '') throw new TypeError('domain: must be a host name')
    this._opts = { ...this._opts, apiBase: /^https?:\/\//.test(domain) ? domain : 'https://' + domain }
    this._reopen()
  }

  /** wechat-api's setOpts: request options; `timeout` (ms) is honoured. */
  setOpts(opts) {
    if (opts == null || typeof opts !== 'object') throw new TypeError('opts: must be an object such as {timeout: 15000}')
    this._opts = { ...this._opts, timeout: opts.timeout }
    this._reopen()
  }
}

/**
 * wechat-api's API.patch(name, url, override): a new method `(info, callback)`
 * that POSTs `info` as JSON to WeChat's `url` with the access token.
 */
API.patch = function (functionName, apiUrl, override) {
  if (typeof apiUrl !== 'string') throw new TypeError('apiUrl: must be the WeChat URL string')
  if (typeof functionName !== 'string' || functionName === '') throw new TypeError('functionName: must be a non-empty string')
  if (Client.prototype[functionName] || API.prototype[functionName]) {
    if (override !== true) throw new Error(`wechat-api already has a prototype named [${functionName}], use "true" as third param to override it or change your new function name.`)
    console.warn(`wechat-api already has a prototype named [${functionName}], will override the orignal one.`)
  }
  const u = new URL(apiUrl)
  const query = [...u.searchParams].filter(([k]) => k !== 'access_token')
  const method = function (info, callback) {
    return this._run(functionName, [info], callback, (n) => n.postPath(u.pathname, query, info === undefined ? {} : info))
  }
  // On Client too, so createClient clients get it as wechat-api users expect of "the API".
  Client.prototype[functionName] = method
}

// wechat-api's token object and user storage, bridged to the native source.
function userTokenStore(getToken, saveToken) {
  const call = (fn, ...args) =>
    new Promise((resolve, reject) => {
      const out = fn(...args, (err, v) => (err ? reject(err) : resolve(v)))
      if (out && typeof out.then === 'function') out.then(resolve, reject)
    })
  return {
    async offer(n) {
      const t = await call(getToken)
      if (t && typeof t.accessToken === 'string' && Number(t.expireTime) > Date.now()) n.offerToken(t.accessToken, Number(t.expireTime))
    },
    save: (t) => call(saveToken, { accessToken: t.accessToken, expireTime: t.expireTime }),
  }
}

module.exports = { API }

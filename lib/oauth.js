'use strict'
// OAuth: wechat-oauth's API over the native core (src/oauth). Per-user tokens
// live in the store by default (one row per user, shared by every process);
// wechat-oauth's getToken / saveToken callbacks are honoured when given.
const { binding, settle, splitCallback } = require('./native')
const { requestWithDefaults } = require('./urllib')
const { response, takeAnswer } = require('./answer')
const { WXBizDataCrypt } = require('./crypto')
const { NotFoundError } = require('./errors')

/** wechat-oauth's AccessToken: `data` as WeChat sent it plus `create_at` (ms). */
class AccessToken {
  constructor(data) {
    this.data = data
  }

  isValid() {
    // Numbers even when a store gave strings back (wechat-oauth's MySQL
    // example keeps them in varchar: '…' + 7200000 would never expire).
    return !!this.data.access_token && Date.now() < Number(this.data.create_at) + Number(this.data.expires_in) * 1000
  }
}

function nonEmpty(name, value) {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name}: must be a non-empty string`)
}

/** state / scope: optional (falsy is absent, as wechat-oauth's `state || ''`); numbers as querystring.stringify writes them. */
function optionalText(name, value) {
  if (!value) return ''
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  if (typeof value !== 'string') throw new TypeError(`${name}: must be a string`)
  return value
}

// The consent pages, byte for byte as wechat-oauth builds them
// (querystring.stringify escapes as encodeURIComponent does, then
// #wechat_redirect). Built here: a string build is cheaper than a napi crossing.
const AUTHORIZE = 'https://open.weixin.qq.com/connect/oauth2/authorize?appid='
const QRCONNECT = 'https://open.weixin.qq.com/connect/qrconnect?appid='

function authorizeURL(base, appid, componentAppid, redirect, state, scope) {
  const tail = componentAppid ? '&component_appid=' + encodeURIComponent(componentAppid) : ''
  return base + encodeURIComponent(appid) + '&redirect_uri=' + encodeURIComponent(redirect) + '&response_type=code&scope=' +
    encodeURIComponent(scope) + '&state=' + encodeURIComponent(state) + tail + '#wechat_redirect'
}

/** Native objects carry absent optional fields as undefined keys; drop them. */
function plain(data) {
  const out = {}
  for (const [k, v] of Object.entries(data)) if (v !== undefined) out[k] = v
  return out
}

/** Calls a user's node-style function (or async function) as a Promise. */
function viaCallback(fn, self, ...args) {
  return new Promise((resolve, reject) => {
    try {
      const r = fn.call(self, ...args, (err, value) => (err ? reject(err) : resolve(value)))
      if (r && typeof r.then === 'function') r.then(resolve, reject)
    } catch (e) {
      reject(e)
    }
  })
}

/** wechat-oauth's error for a user with no kept token; a NotFoundError too. */
class NoOAuthTokenError extends NotFoundError {}
Object.defineProperty(NoOAuthTokenError.prototype, 'name', { value: 'NoOAuthTokenError', writable: true, configurable: true })

const noToken = (openid) => new NoOAuthTokenError(`No token for ${openid}, please authorize first.`)

/** A native answer `{data, res}` as wechat-oauth's callbacks get it: `(null, data, res)`. */
const ANSWER = Symbol('answer')
const answered = (a) => ({ [ANSWER]: true, data: a.data, res: a.res })

/**
 * Validates the arguments, runs `fn(wantAnswer, ...args)` and adapts to
 * Promise / callback. Callbacks get what wechat-oauth's get: WeChat's JSON
 * beside an error it answered, and `res` beside a profile or a verdict
 * (`withRes`).
 */
function run(args, fn, withRes) {
  const [list, cb] = splitCallback(args)
  const started = cb ? Date.now() : 0
  let p
  try {
    p = fn(!!cb, ...list)
  } catch (err) {
    if (cb) { process.nextTick(cb, err); return undefined }
    throw err
  }
  if (!cb) return Promise.resolve(p).then((v) => (v && v[ANSWER] ? v.data : v))
  Promise.resolve(p).then(
    (v) => (v && v[ANSWER] ? cb(null, v.data, response(v.res, v.data, started)) : cb(null, v)),
    (err) => {
      const a = takeAnswer(err)
      if (!a) cb(err)
      else if (withRes) cb(err, a.data, response(a.res, a.data, started))
      else cb(err, a.data)
    })
  return undefined
}

/** The constructor's private entry for `forAuthorizer`. */
const ON_BEHALF = Symbol('on behalf of an authorizer')

class OAuth {
  /**
   * new OAuth(appid, appsecret, getToken?, saveToken?, isMiniProgram?, options?)
   * options: { db, apiBase }; it may also stand in third place:
   * new OAuth(appid, appsecret, { db, isMiniProgram, getToken, saveToken, apiBase }).
   */
  constructor(appid, appsecret, getToken, saveToken, isMiniProgram, options) {
    if (appid === ON_BEHALF) { init(this, appsecret); return }
    if (getToken && typeof getToken === 'object') {
      options = getToken
      ;({ getToken, saveToken, isMiniProgram } = options)
    }
    nonEmpty('appid', appid)
    nonEmpty('appsecret', appsecret)
    const o = options == null ? {} : options
    if (typeof o !== 'object') throw new TypeError('options: must be an object')
    if (o.db !== undefined && o.db !== null && (typeof o.db !== 'string' || o.db === '')) {
      throw new TypeError("options.db: must be a database URL ('mysql://…', 'postgres://…', 'sqlite://…')")
    }
    const native = new binding.NativeOAuth({
      appid,
      appsecret,
      isMiniProgram: !!isMiniProgram,
      db: o.db || undefined,
      apiBase: o.apiBase || undefined,
    })
    init(this, { appid, isMiniProgram, getToken, saveToken, native: () => Promise.resolve(native) })
  }

  /** OAuth on behalf of an authorizer: `thirdparty.oauth(authorizerAppid, options)`. */
  /** `platform`: what ThirdpartyServer lends it, `{ core() → Promise of the native platform, componentAppid }`. */
  static forAuthorizer(platform, authorizerAppid, options) {
    nonEmpty('authorizerAppid', authorizerAppid)
    const o = options == null ? {} : options
    if (typeof o !== 'object') throw new TypeError('options: must be an object')
    let made = null
    const native = () => platform.core().then((n) => {
      if (!made || made.platform !== n) made = { platform: n, oauth: n.oauth(authorizerAppid, !!o.isMiniProgram) }
      return made.oauth
    })
    return new OAuth(ON_BEHALF, { ...o, appid: authorizerAppid, componentAppid: platform.componentAppid, native })
  }

  /**
   * wechat-oauth's urllib defaults. Accepted so existing code runs; requests
   * use the native transport's limits (15 s, connect 5 s).
   */
  setOpts(opts) {
    if (opts !== undefined && (opts === null || typeof opts !== 'object')) throw new TypeError('opts: must be an object')
    this.defaults = opts || {}
  }

  getAuthorizeURL(redirect, state, scope) {
    return this.#url(redirect, state, scope, false)
  }

  getAuthorizeURLForWebsite(redirect, state, scope) {
    return this.#url(redirect, state, scope, true)
  }

  #url(redirect, state, scope, website) {
    nonEmpty('redirect', redirect)
    const s = optionalText('state', state)
    const sc = optionalText('scope', scope) || (website ? 'snsapi_login' : 'snsapi_base')
    return website ? authorizeURL(QRCONNECT, this.appid, null, redirect, s, sc) : authorizeURL(AUTHORIZE, this.appid, this._componentAppid, redirect, s, sc)
  }

  /** code → AccessToken { data: { access_token, expires_in, refresh_token, openid, scope, create_at } }. */
  getAccessToken() {
    return run(arguments, (answer, code) => {
      nonEmpty('code', code)
      return this.#exchange((n, save) => n.accessToken(code, save, answer))
    })
  }

  refreshAccessToken() {
    return run(arguments, (answer, refreshToken) => {
      nonEmpty('refreshToken', refreshToken)
      return this.#exchange((n, save) => n.refreshAccessToken(refreshToken, save, answer))
    })
  }

  /** Mini programs: js_code → AccessToken { data: { session_key, openid, unionid?, create_at } }. */
  getSessionKey() {
    return run(arguments, (answer, code) => {
      nonEmpty('code', code)
      return this.#exchange((n, save) => n.sessionKey(code, save, answer))
    })
  }

  /** Runs a native exchange; keeps the result in the store, or hands it to saveToken. */
  async #exchange(call) {
    const n = await this._native()
    const data = plain(await call(n, !this._saveToken))
    if (this._saveToken) await viaCallback(this._saveToken, this, data.openid, data)
    return new AccessToken(data)
  }

  /** openid | { openid, lang } → the user's profile (/sns/userinfo). */
  getUser() {
    return run(arguments, (answer, options) => this.#user(answer, options), true)
  }

  #user(answer, options) {
    const o = typeof options === 'object' && options !== null ? options : { openid: options }
    nonEmpty('openid', o.openid)
    const lang = optionalText('lang', o.lang) || 'en'
    return this._getToken ? this.#userWithCallbacks(o.openid, lang, answer) : this.#userFromStore(o.openid, lang, answer)
  }

  async #userFromStore(openid, lang, answer) {
    const n = await this._native()
    try {
      return answered(await n.getUser(openid, lang, answer))
    } catch (err) {
      if (err.name !== 'NotFoundError') throw err
      takeAnswer(err)
      throw noToken(openid)
    }
  }

  /** wechat-oauth's flow over the user's getToken: refresh once when expired or rejected. */
  async #userWithCallbacks(openid, lang, answer) {
    const n = await this._native()
    const data = await viaCallback(this._getToken, this, openid)
    if (!data) throw noToken(openid)
    const refresh = async () => (await this.refreshAccessToken(data.refresh_token)).data.access_token
    const token = new AccessToken(data)
    const accessToken = token.isValid() ? data.access_token : await refresh()
    try {
      return answered(await n.userinfo(accessToken, openid, lang, answer))
    } catch (err) {
      if (accessToken !== data.access_token || ![40001, 42001, 40014].includes(err.code)) throw err
      return answered(await n.userinfo(await refresh(), openid, lang, answer))
    }
  }

  /** code | { code, lang } (web) or { code, encryptedData, iv } (mini program) → the user. */
  getUserByCode() {
    return run(arguments, (answer, options) => {
      const o = typeof options === 'object' && options !== null ? options : { code: options }
      nonEmpty('code', o.code)
      if (this.isMiniProgram) {
        nonEmpty('encryptedData', o.encryptedData)
        nonEmpty('iv', o.iv)
        return this.getSessionKey(o.code).then((t) =>
          this.decryptMiniProgramUser({ sessionKey: t.data.session_key, encryptedData: o.encryptedData, iv: o.iv }))
      }
      // As wechat-oauth: the code exchange's error alone; then getUser's (err, data, res).
      return this.getAccessToken(o.code).then((t) => this.#user(answer, { openid: t.data.openid, lang: o.lang }))
    }, true)
  }

  verifyToken() {
    return run(arguments, (answer, openid, accessToken) => {
      nonEmpty('openid', openid)
      nonEmpty('accessToken', accessToken)
      return this._native().then((n) => n.verifyToken(openid, accessToken, answer)).then(answered)
    }, true)
  }

  /** wechat-oauth's request(url, opts, callback): urllib 2's request with `this.defaults` merged in. */
  request(url, opts, callback) {
    return requestWithDefaults(this.defaults, url, opts, callback)
  }

  /**
   * { encryptedData, iv, sessionKey } → the user, synchronously (as
   * wechat-oauth); { encryptedData, iv, openid } → a Promise, with the
   * session key saved by getSessionKey. `watermark.appid` is checked.
   */
  decryptMiniProgramUser(options, callback) {
    const cb = typeof callback === 'function' ? callback : undefined
    const o = options
    try {
      if (o === null || typeof o !== 'object') throw new TypeError('options: must be { encryptedData, iv, sessionKey | openid }')
      nonEmpty('encryptedData', o.encryptedData)
      nonEmpty('iv', o.iv)
      if (o.sessionKey === undefined || o.sessionKey === null) nonEmpty('options.openid (or options.sessionKey)', o.openid)
      else nonEmpty('sessionKey', o.sessionKey)
    } catch (e) {
      if (cb) { process.nextTick(cb, e); return undefined }
      throw e
    }
    if (o.sessionKey != null) {
      let user
      try {
        user = this.#decrypt(o.sessionKey, o)
      } catch (e) {
        if (cb) { process.nextTick(cb, e); return undefined }
        throw e
      }
      if (cb) process.nextTick(cb, null, user)
      return user
    }
    return settle(this.#storedSessionKey(o.openid).then((key) => this.#decrypt(key, o)), cb)
  }

  async #storedSessionKey(openid) {
    if (this._getToken) {
      const data = await viaCallback(this._getToken, this, openid)
      if (!data || !data.session_key) throw noToken(openid)
      return data.session_key
    }
    const n = await this._native()
    return n.storedSessionKey(openid)
  }

  #decrypt(sessionKey, o) {
    // No I/O: it needs no native OAuth (component OAuth may not have one yet).
    return new WXBizDataCrypt(this.appid, sessionKey).decryptData(o.encryptedData, o.iv)
  }

  /** Closes the store this OAuth opened (not the platform's). */
  close() {
    return run(arguments, (answer) => (this._componentAppid ? undefined : this._native().then((n) => n.close())))
  }
}

function init(self, { appid, componentAppid, isMiniProgram, getToken, saveToken, native }) {
  if (getToken != null && typeof getToken !== 'function') throw new TypeError('getToken: must be a function')
  if (saveToken != null && typeof saveToken !== 'function') throw new TypeError('saveToken: must be a function')
  if (!getToken !== !saveToken) throw new TypeError('getToken, saveToken: give both or neither')
  self.appid = appid
  self.isMiniProgram = !!isMiniProgram
  /** wechat-oauth's urllib defaults (setOpts), merged into `request()`'s options. */
  self.defaults = {}
  for (const [k, v] of Object.entries({ _componentAppid: componentAppid || null, _getToken: getToken || null, _saveToken: saveToken || null, _native: native })) {
    Object.defineProperty(self, k, { value: v })
  }
}

module.exports = { OAuth, NoOAuthTokenError }

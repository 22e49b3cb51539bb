'use strict'
// wechat-api's `API` for an account's own credentials: the same client as
// createClient(user), with the account's token in a native token cell
// (fleet-wide with options.db) or in the user's own storage (getToken /
// saveToken, wechat-api's `{accessToken, expireTime}` objects). The native
// client opens on first use and again when `endpoint`, `fileServerPrefix`
// or the timeout change, as wechat-api's properties take effect at once.
const { binding } = require('./native')
const { Client, AccessToken, nodeify } = require('./client')

const OPTION_KEYS = ['apiBase', 'db', 'stableToken', 'timeout', 'tokenService', 'authToken']
const WECHAT_BASE = 'https://api.weixin.qq.com'
const FILE_SERVER = 'https://file.api.weixin.qq.com/cgi-bin/'

class API extends Client {
  /**
   * @param appid the official account's appid
   * @param appsecret its AppSecret
   * @param getToken optional `(callback(err, token))` or async `() => token`, called with the API as `this`
   * @param saveToken optional `(token, callback(err))` or async `(token) => void`, called with the API as `this`
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
    if (opts.apiBase != null) opts.apiBase = baseUrl('options.apiBase', opts.apiBase)
    const userTokens = typeof getToken === 'function'
    super(null, null)
    Object.defineProperty(this, '_open', {
      value: (o) => binding.createOwnClient(appid, appsecret, { ...o, userTokens }),
    })
    Object.defineProperty(this, '_opts', { value: opts, writable: true })
    Object.defineProperty(this, '_pending', { value: null, writable: true })
    // Opened on first use, so properties set right after `new` cost nothing.
    Object.defineProperty(this, '_native', { get: () => this._pending || this._reopen(), configurable: true })
    this._context.api = this
    this.appid = appid
    if (userTokens) this._tokenStore = userTokenStore(nodeify(getToken, this), nodeify(saveToken, this))
  }

  _reopen() {
    const o = { ...this._opts }
    if (o.timeout != null) o.timeout = Math.max(1, Math.round(o.timeout))
    const previous = this._pending
    this._opened = null
    const opening = this._open(o).then((n) => {
      if (this._pending === opening) this._opened = n
      return n
    })
    opening.catch(() => {})
    this._pending = opening
    if (previous) previous.then((n) => n && n.close(), () => {})
    return opening
  }

  // Changing where requests go reopens the native client, if it is open.
  _set(key, value) {
    this._opts = { ...this._opts, [key]: value }
    if (this._pending) this._reopen()
  }

  /** wechat-api's `api.endpoint`: WeChat's API base (`https://api.weixin.qq.com`); settable. */
  get endpoint() {
    return this._opts.apiBase || defaultBase()
  }

  set endpoint(url) {
    this._set('apiBase', baseUrl('endpoint', url))
  }

  /** wechat-api's `api.fileServerPrefix`: where uploadMPVideo and uploadLogo go; settable. */
  get fileServerPrefix() {
    if (this._opts.filePrefix) return this._opts.filePrefix
    return this.endpoint === WECHAT_BASE ? FILE_SERVER : this.endpoint + '/cgi-bin/'
  }

  set fileServerPrefix(prefix) {
    if (typeof prefix !== 'string' || !/^https?:\/\//.test(prefix)) throw new TypeError('fileServerPrefix: must be a URL such as https://file.api.weixin.qq.com/cgi-bin/')
    this._set('filePrefix', prefix)
  }

  /** Closes the database pools this API opened (nothing to close before its first call). */
  close(callback) {
    if (!this._pending) {
      if (typeof callback !== 'function') return Promise.resolve()
      process.nextTick(callback, null)
      return undefined
    }
    return super.close(callback)
  }

  /** wechat-api's setEndpoint: another WeChat API domain (e.g. 'api2.weixin.qq.com'). */
  setEndpoint(domain) {
    if (typeof domain !== 'string' || domain === '') throw new TypeError('domain: must be a host name')
    this.endpoint = /^https?:\/\//.test(domain) ? domain : 'https://' + domain
  }

  /** wechat-api's setOpts: urllib defaults for `request()`; `timeout` (ms) holds for every call. */
  setOpts(opts) {
    if (opts == null || typeof opts !== 'object') throw new TypeError('opts: must be an object such as {timeout: 15000}')
    this.defaults = opts
    if (opts.timeout !== this._opts.timeout) this._set('timeout', typeof opts.timeout === 'number' ? opts.timeout : undefined)
  }
}

function defaultBase() {
  const env = process.env.WXTHIRDPARTY_API_BASE
  return env && env.trim() ? env.trim().replace(/\/+$/, '') : WECHAT_BASE
}

function baseUrl(name, url) {
  if (typeof url !== 'string' || !/^https?:\/\/[^/]/.test(url)) throw new TypeError(`${name}: must be a URL such as https://api.weixin.qq.com`)
  return url.replace(/\/+$/, '')
}

/** wechat-api's AccessToken (`new API.AccessToken(token, expireTime).isValid()`). */
API.AccessToken = AccessToken

/**
 * wechat-api's API.mixin(obj): each function becomes a method of every API
 * (and createClient client); an existing name is refused, as wechat-api does.
 * Methods written wechat-api's way (`this.preRequest(this._name, arguments)`,
 * `this.token.accessToken`, `this.endpoint`, `this.request`) work unchanged.
 */
API.mixin = function (obj) {
  if (obj === null || typeof obj !== 'object') throw new TypeError('obj: must be an object of methods')
  for (const key in obj) {
    if (Object.prototype.hasOwnProperty.call(API.prototype, key) || Object.prototype.hasOwnProperty.call(Client.prototype, key)) {
      throw new Error("Don't allow override existed prototype method. method: " + key)
    }
    Client.prototype[key] = obj[key]
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
  return {
    async offer(n) {
      const t = await getToken()
      if (t && typeof t.accessToken === 'string' && Number(t.expireTime) > Date.now()) n.offerToken(t.accessToken, Number(t.expireTime))
    },
    save: (t) => saveToken(new AccessToken(t.accessToken, t.expireTime)),
  }
}

module.exports = { API }

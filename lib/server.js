'use strict'
// ThirdpartyServer: the drop-in for the npm library wxthirdparty. The native
// platform core does the work; this is the Node skin: EventEmitter, the
// original snake_case methods with their callback shapes, and camelCase
// methods with (err, result) callbacks or promises.
const { EventEmitter } = require('events')
const { binding, settle, splitCallback } = require('./native')
const { Client } = require('./client')
const { middleware } = require('./middleware')
const { OAuth } = require('./oauth')
const { platformMessages, checkWindow } = require('./messages')

const FLAGS = ['ticket_ready', 'access_token_ready', 'preauthcode_ready']

function requireType(value, name) {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`)
}

function requireString(value, name) {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string`)
}

/** `db`: a URL, or `{ read, write }` URLs (read replica + primary). */
function dbUrls(db) {
  if (typeof db === 'string' && db) return { dbWrite: db }
  if (db && typeof db === 'object' && typeof db.write === 'string' && db.write) {
    if (db.read !== undefined && typeof db.read !== 'string') throw new TypeError('db.read must be a URL string')
    return { dbWrite: db.write, dbRead: db.read }
  }
  throw new TypeError("db must be a database URL ('mysql://…', 'postgres://…', 'sqlite://…') or { read, write }")
}

/**
 * The native platform; `options` go through as given. napi's conversion
 * names an option of the wrong type ("… on ThirdpartyServerOptions.failover"):
 * a TypeError, as every bad argument is.
 */
function newNative(platform, options) {
  if (options && typeof options === 'object') checkWindow(options.timestampWindowSecs, 'options.timestampWindowSecs')
  try {
    return new binding.NativeComponent(platform, options)
  } catch (e) {
    if (e && e.name === 'Error' && /ThirdpartyServerOptions\./.test(e.message)) throw new TypeError(`options: ${e.message}`)
    throw e
  }
}

/** The original's wx_users_info row as the native side gives it, with Dates for the token times (as the original gave). */
function userInfo(v) {
  return { ...v, access_token_updated_at: new Date(v.access_token_updated_at), access_token_expires_in: new Date(v.access_token_expires_in) }
}

class ThirdpartyServer extends EventEmitter {
  constructor(appid, appsecret, token, encodingAESKey, db, isCluster, options) {
    super()
    // Types are checked here; values (empty, key not base64, unknown
    // database kind) by the native constructor, the one place for them.
    requireType(appid, 'appid')
    requireType(appsecret, 'appsecret')
    requireType(token, 'token')
    requireType(encodingAESKey, 'encodingAESKey')
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw new TypeError('options must be an object')
    }
    this.component_appid = appid
    this.is_cluster = !!isCluster
    this.options = Object.assign({}, options)
    this.ready = false
    this._readiness = 'not_ready'
    this.db_ready = false
    for (const f of FLAGS) this[f] = false
    Object.defineProperty(this, '_secret', { value: { appid, appsecret, token, encodingAESKey } })
    this._closed = false
    this._connect(db)
  }

  _connect(db) {
    const o = this.options
    const { appid, appsecret, token, encodingAESKey } = this._secret
    const native = newNative({
      appid,
      appsecret,
      token,
      encodingAesKey: encodingAESKey,
      ...dbUrls(db),
      isCluster: this.is_cluster,
    }, o)
    this._native = native
    // Stamps belong to one native core: a new connection starts afresh.
    this._heldAuthorizers = new Map()
    this._opened = this._open(native, 0)
  }

  /**
   * Opens the store. A database that cannot be opened (down, restarting,
   * refusing) is tried again, 1 s doubling to 30 s, until it opens or close():
   * a process started during a database restart recovers by itself. Until
   * then every call fails at once with the last error; db_error is emitted
   * once per outage.
   */
  _open(native, failures) {
    const opened = native.open().then(
      () => {
        if (this._native !== native || this._closed) return
        this.db_ready = true
        this._pump(native)
        // Workers watch readiness in the store from the start; the master's
        // refresh loop starts with start().
        if (this.is_cluster || this._startRequested) native.start()
      },
      (err) => {
        if (failures === 0) this._emitSafe('db_error', err)
        if (this._native === native && !this._closed) {
          clearTimeout(this._reopen)
          this._reopen = setTimeout(() => {
            if (this._native === native && !this._closed) this._opened = this._open(native, failures + 1)
          }, Math.min(30000, 1000 * 2 ** failures))
          this._reopen.unref()
        }
        throw err
      },
    )
    // A failed open is reported as db_error and by every later call; never unhandled.
    opened.catch(() => {})
    return opened
  }

  async _core() {
    await this._opened
    return this._native
  }

  async _pump(native) {
    for (;;) {
      let ev
      try {
        ev = await native.nextEvent()
      } catch (e) {
        return
      }
      if (!ev) return
      this._dispatch(ev)
    }
  }

  _dispatch(ev) {
    switch (ev.name) {
      case 'ready':
      case 'not_ready':
      case 'outdated':
        // The flags follow the core's readiness (src/component/runner.rs). A
        // platform starts not ready, so only a change is news: no not_ready
        // while a starting master waits for its first tokens.
        if (this._readiness === ev.name) return
        this._readiness = ev.name
        this.ready = ev.name === 'ready'
        for (const f of FLAGS) this[f] = this.ready
        return this._emitSafe(ev.name)
      case 'ticket':
        this.ticket_ready = true
        return this._emitSafe('ticket')
      case 'db_error':
      case 'refresh_failed':
      case 'reply_failed':
        // Built natively as the package's error classes.
        return this._emitSafe(ev.name, ev.error)
      default:
        // Mini-program events carry their typed payload (src/message/wxa_events.rs).
        return this._emitSafe(ev.name, ev.payload || { appid: ev.appid })
    }
  }

  // An event nobody listens to never crashes the host app (not even 'error').
  _emitSafe(name, ...args) {
    if (this.listenerCount(name) === 0) return false
    try {
      return this.emit(name, ...args)
    } catch (e) {
      process.nextTick(() => { throw e })
      return true
    }
  }

  // ---- original surface --------------------------------------------------

  /** Master: keep component_access_token and pre_auth_code fresh. */
  start() {
    this._startRequested = true
    if (this.db_ready) this._native.start()
    return this
  }

  check_ready() {
    if (this.ready) return true
    if (this.db_ready && FLAGS.every((f) => this[f])) {
      this.ready = true
      this._emitSafe('ready')
      return true
    }
    return false
  }

  /** Stores a pushed component_verify_ticket (or handles an authorization push). */
  save_ticket(xml, ...rest) {
    const [args, cb] = splitCallback(rest)
    return this._push(xml, args[0], cb)
  }

  /** Calls back with `{ticket, preauthcode, access_token}`, 'not_ready' or 'outdated' (one argument, as the original). */
  secrets(callback) {
    const p = this._core()
      .then((n) => n.secrets())
      .then((s) => {
        if (s.state !== 'ready') {
          this._emitSafe(s.state)
          return s.state
        }
        const secret = { ticket: s.ticket, preauthcode: s.preauthcode, access_token: s.access_token }
        this._emitSafe('end', secret)
        return secret
      }, (err) => {
        this._emitSafe('db_error', err)
        throw err
      })
    if (typeof callback !== 'function') return p
    p.then((v) => callback(v), (e) => callback(e))
    return this
  }

  fetch_user_info(auth_code, callback) {
    return settle(this.handleAuthCode(auth_code), callback)
  }

  get_user_info(wx_token, callback) {
    requireString(wx_token, 'wx_token')
    const cached = this._cachedAuthorizer(wx_token)
    if (cached) return callback ? settle(cached, callback) : Promise.resolve(cached)
    const p = this.getAuthorizer(wx_token).catch((e) => {
      throw e && e.name === 'NotFoundError' ? 'not exist' : e
    })
    return settle(p, callback)
  }

  /** Calls back with WeChat's answer as a JSON string, as the original did. */
  refresh_token(appid, refresh_token, callback) {
    requireString(appid, 'appid')
    requireString(refresh_token, 'refresh_token')
    const p = this._core().then((n) => n.refreshAuthorizerToken(appid, refresh_token)).then((v) => JSON.stringify(v))
    return settle(p, callback)
  }

  /** A wechat-api client acting for an authorizer (`user` from get_user_info, or an appid). */
  createClient(user) {
    const appid = typeof user === 'string' ? user : user && user.appid
    requireString(appid, 'user.appid')
    if (!this.db_ready) throw new Error('createClient: the database is not connected yet (wait for db_ready or await getAuthorizer first)')
    return new Client(this._native.client(appid), { component: this, user })
  }

  /**
   * wechat-oauth's OAuth acting for an authorizer (component OAuth);
   * options: { isMiniProgram, getToken, saveToken }.
   */
  oauth(authorizerAppid, options) {
    return OAuth.forAuthorizer({ core: () => this._core(), componentAppid: this.component_appid }, authorizerAppid, options)
  }

  check_ticket(callback) {
    const p = this._core().then((n) => n.secrets()).then((s) => {
      this.ticket_ready = s.state === 'ready' || !!s.ticket
      return this.ticket_ready
    })
    return settle(p, callback)
  }

  refresh_secrets() {
    return this.start()
  }

  get_access_token(callback) {
    return this.getComponentAccessToken(callback)
  }

  get_preauthcode(callback) {
    return this.getPreAuthCode(callback)
  }

  /** Reconnects to another database (URL or {read, write}). */
  set_db(config, callback) {
    clearTimeout(this._reopen)
    const p = Promise.resolve(this._native && this._native.close()).catch(() => {}).then(() => {
      this.db_ready = false
      this._connect(config)
      return this._opened
    })
    return settle(p, callback)
  }

  // ---- modern surface ----------------------------------------------------

  getComponentAccessToken(callback) {
    return settle(this._core().then((n) => n.componentAccessToken()), callback)
  }

  getPreAuthCode(callback) {
    return settle(this._core().then((n) => n.preAuthCode()), callback)
  }

  /** opts: `{ mobile, authType, bizAppid }` */
  getAuthorizeUrl(redirectUri, ...rest) {
    const [args, cb] = splitCallback(rest)
    requireString(redirectUri, 'redirectUri')
    const o = args[0] || {}
    const p = this._core().then((n) => n.authorizeUrl(redirectUri, !!o.mobile, o.authType, o.bizAppid))
    return settle(p, cb)
  }

  handleAuthCode(code, callback) {
    requireString(code, 'auth_code')
    return settle(this._core().then((n) => n.handleAuthCode(code)).then(userInfo), callback)
  }

  /**
   * Most lookups are answered from memory, synchronously (null: ask the
   * store). The native object of the last answer is kept per key and reused
   * while its stamp holds; each caller still gets its own copy.
   */
  _cachedAuthorizer(key) {
    if (!this._native || this._closed) return null
    const held = this._heldAuthorizers.get(key)
    const v = held ? this._native.authorizerCached(key, held.stampSeq, held.stampAt) : this._native.authorizerCached(key)
    if (v === true) return userInfo(held.info)
    if (!v) {
      if (held) this._heldAuthorizers.delete(key)
      return null
    }
    this._heldAuthorizers.set(key, v)
    return userInfo(v.info)
  }

  getAuthorizer(appidOrWxToken, callback) {
    requireString(appidOrWxToken, 'appidOrWxToken')
    const cached = this._cachedAuthorizer(appidOrWxToken)
    if (cached) return callback ? settle(cached, callback) : Promise.resolve(cached)
    return settle(this._core().then((n) => n.getAuthorizer(appidOrWxToken)).then(userInfo), callback)
  }

  getAuthorizerAccessToken(appid, callback) {
    requireString(appid, 'appid')
    return settle(this._core().then((n) => n.authorizerAccessToken(appid)), callback)
  }

  /** Verifies, decrypts and handles a push; resolves with the message. */
  handleEvent(body, ...rest) {
    const [args, cb] = splitCallback(rest)
    return this._push(body, args[0], cb)
  }

  _push(body, query, cb) {
    if (Buffer.isBuffer(body)) body = body.toString('utf8')
    if (typeof body !== 'string') throw new TypeError('body must be the raw request body (string or Buffer)')
    const p = this._core().then((n) => n.handlePush(body, query || null))
    p.catch((e) => this._emitSafe('push_rejected', e))
    const out = settle(p, cb)
    // The original save_ticket(body) is fire-and-forget: a rejected push must
    // never become an unhandled rejection that kills the app. Awaiting callers
    // still see the error.
    if (out) out.catch(() => {})
    return out
  }

  /** A request handler for the authorization-event URL (plain http, Express, Koa). */
  middleware(opts) {
    return middleware(this, opts)
  }

  /**
   * A request handler for the 消息与事件接收URL (plain http, Express, Koa):
   * `handler(message, ctx)` or a routing object; the return value is the reply.
   */
  messages(handler, options) {
    return platformMessages({
      inbox: (settings) => this._core().then((n) => binding.platformInbox(n, settings)),
      client: (appid) => this.createClient(appid),
      emit: (name, ...args) => this._emitSafe(name, ...args),
    }, handler, options)
  }

  /** Stops timers and pools so the process can exit. */
  close(callback) {
    this._closed = true
    clearTimeout(this._reopen)
    const native = this._native
    // Closed while still opening: wait for the open to settle, or its
    // store and event pump would outlive close() and keep the process alive.
    const p = this._opened.catch(() => {}).then(() => native.close()).then(() => {
      this.db_ready = false
    })
    return settle(p, callback)
  }
}

require('./admin')(ThirdpartyServer)
require('./wxa')(ThirdpartyServer)
require('./rollout')(ThirdpartyServer)

module.exports = { ThirdpartyServer, Client }

'use strict'
// Message URLs as request handlers (plain http, Express, Koa): a platform's
// 消息与事件接收URL (`platform.messages(handler)`) and an account's own
// server (`messages({ token, encodingAESKey, appid }, handler)`). Verifying,
// decrypting, dedup, the release check and sealing replies are native; this
// is the glue: reading the request, calling the handler (`(message, ctx)`
// or a routing object of them; node-webot's calling for a lib/webot Handler,
// which wxthirdparty/wechat makes), the deadline fallback, events.
const { EventEmitter } = require('events')
const { binding } = require('./native')
const errors = require('./errors')
const http = require('./http')
const webot = require('./webot/handler')

/** WeChat gives up after 5 s; answer before it. */
const DEFAULT_TIMEOUT_MS = 4500
const TOO_LATE = Symbol('too late')

/** A `:appid` route param; else null, and the path names it (read natively, as the native listener reads it). */
function appidFromRoute(req) {
  return req.params && typeof req.params.appid === 'string' ? req.params.appid : null
}

/**
 * The handler for one message: a function, or a routing object keyed by
 * MsgType / Event (own names only: `MsgType=toString` dispatches nothing).
 */
function route(handler, message) {
  if (typeof handler === 'function') return handler
  const own = (o, k) => (typeof k === 'string' && Object.hasOwn(o, k) ? o[k] : undefined)
  const type = message.MsgType
  let h = own(handler, type)
  if (type === 'event' && h && typeof h === 'object') {
    const ev = message.Event || ''
    h = own(h, ev) || own(h, ev.toLowerCase()) || own(h, ev.toUpperCase()) || own(h, 'default')
  }
  return typeof h === 'function' ? h : own(handler, 'default')
}

// A reply that missed WeChat's deadline goes out as a custom-service message.
const LATE = {
  text: (c, to, r) => c.sendText(to, typeof r === 'string' ? r : r.content),
  image: (c, to, r) => c.sendImage(to, media(r).mediaId),
  voice: (c, to, r) => c.sendVoice(to, media(r).mediaId),
  video: (c, to, r) => c.sendVideo(to, media(r).mediaId, media(r).thumbMediaId),
  music: (c, to, r) => {
    const m = media(r)
    return c.sendMusic(to, { title: m.title, description: m.description, musicurl: m.musicUrl, hqmusicurl: m.hqMusicUrl, thumb_media_id: m.thumbMediaId })
  },
  news: (c, to, r) => c.sendNews(to, (Array.isArray(r) ? r : r.content).map((a) => ({ title: a.title, description: a.description, url: a.url, picurl: a.picUrl || a.picurl }))),
}
const media = (r) => (r.content && typeof r.content === 'object' ? r.content : r)
const lateKind = (r) => (typeof r === 'string' ? 'text' : Array.isArray(r) ? 'news' : r.type || (r.musicUrl ? 'music' : undefined))

// ctx.authorizer: the stored record the native side sends (snake_case, as
// user_info and findAuthorizers give it) in camelCase, each handler its own
// copy; a field WeChat did not give is absent, never null. func_info and
// mini_program_info stay with get_user_info (nested, and rarely wanted here).
const CONTEXT_FIELDS = ['wx_token', 'appid', 'nick_name', 'head_img', 'service_type_id', 'verify_type_info', 'user_name', 'alias', 'authorized', 'app_type', 'principal_name']
  .map((k) => [k, k.replace(/_([a-z])/g, (_, c) => c.toUpperCase())])
function contextAuthorizer(r) {
  const a = {}
  for (const [k, name] of CONTEXT_FIELDS) if (r[k] != null) a[name] = r[k]
  a.funcScopes = r.func_scopes.slice()
  return a
}

/** A handler's `ctx`; the client and the authorizer are made on first use (a class: its getters are not redefined per message). */
class MessageContext {
  #core
  #client
  #record
  #authorizer
  constructor(core, appid, message, record, req) {
    this.#core = core
    this.#record = record || undefined
    this.authorizerAppid = appid
    this.message = message
    this.req = req
  }

  get client() {
    if (this.#client === undefined) this.#client = this.#core.client(this.authorizerAppid)
    return this.#client
  }

  /** The authorizer's stored record (undefined for an account's own server, or one not stored). */
  get authorizer() {
    if (this.#authorizer === undefined && this.#record) this.#authorizer = contextAuthorizer(this.#record)
    return this.#authorizer
  }
}

function isEmptyReply(r) {
  return r == null || r === '' || r === 'success'
}

/** A node-webot handler's outcome that is not a reply (next(), or it answered itself). */
const isPassOrHandled = (r) => r === webot.HANDLED || r instanceof webot.Pass

/**
 * The request handler. `core` gives what differs between a platform and an
 * account: `inbox` (Promise of a NativeInbox), `appid(req)`, `client(appid)`,
 * `emit(name, ...args)`.
 */
function makeHandler(core, handler, options) {
  const o = Object.assign({ timeout: DEFAULT_TIMEOUT_MS }, options)
  if (!(typeof o.timeout === 'number' && o.timeout > 0)) throw new TypeError('options.timeout: must be a positive number of milliseconds')
  const limits = http.connectionLimits(o.connectionLimits, 'options.connectionLimits')

  async function sendLate(ctx, reply) {
    const kind = lateKind(reply)
    try {
      const client = ctx.client
      if (!client) throw new Error('no API client to send a late reply with (give options.client)')
      if (!LATE[kind]) throw new TypeError(`reply: cannot send a ${kind} reply as a custom-service message`)
      await LATE[kind](client, ctx.message.FromUserName, reply)
    } catch (err) {
      err.openid = ctx.message.FromUserName
      err.appid = ctx.authorizerAppid
      noteFailure('reply_failed', ctx.authorizerAppid)
      core.emit('reply_failed', err, ctx.message)
    }
  }

  // Counted natively per minute per authorizer for the console (failures
  // are rare: one crossing each, none for a message that went well).
  function noteFailure(what, appid) {
    if (!inboxNow || typeof appid !== 'string' || appid === '') return
    try { inboxNow.noteMessage(what, appid) } catch { /* counting never fails a message */ }
  }
  function handlerFailed(e, message, ctx) {
    noteFailure('handler_failure', ctx && ctx.authorizerAppid)
    core.emit('message_error', e, message)
  }

  // node-webot's calling (a Handler from lib/webot, as wechat.js makes) or ours, `(message, ctx)`.
  const isWebot = handler instanceof webot.Handler
  const sessionFailed = (e) => core.emit('message_error', e)

  function runHandler(message, ctx, req, res) {
    if (isWebot) return webot.dispatch(handler, message, req, res, sessionFailed)
    const fn = route(handler, message)
    if (!fn) return undefined
    return fn(message, ctx)
  }

  /**
   * The reply to answer with now (null: `success`), or a Promise of it when
   * the handler is asynchronous; never throws. Past the deadline: null now,
   * the reply sent as a custom-service message later.
   */
  function replyTo(message, ctx, req, res) {
    let work
    try {
      work = runHandler(message, ctx, req, res)
    } catch (e) {
      handlerFailed(e, message, ctx)
      return null
    }
    // A synchronous handler: no deadline to race, no promise to wait for.
    if (!work || typeof work.then !== 'function') return isEmptyReply(work) ? null : work
    return raceDeadline(work, message, ctx)
  }

  async function raceDeadline(work, message, ctx) {
    let timer
    const late = new Promise((resolve) => { timer = setTimeout(resolve, o.timeout, TOO_LATE) })
    let reply
    try {
      reply = await Promise.race([work, late])
    } catch (e) {
      clearTimeout(timer)
      handlerFailed(e, message, ctx)
      return null
    }
    clearTimeout(timer)
    if (reply !== TOO_LATE) return isEmptyReply(reply) ? null : reply
    // Too slow for WeChat: `success` now, the reply through the API when it comes.
    Promise.resolve(work).then(
      (r) => { if (!isEmptyReply(r) && !isPassOrHandled(r)) return sendLate(ctx, r) },
      (e) => handlerFailed(e, message, ctx),
    )
    return null
  }

  function contextOf(appid, message, authorizer, req) {
    return new MessageContext(core, appid, message, authorizer, req)
  }

  let inboxNow = null
  core.inbox.then((n) => { inboxNow = n }, () => {})

  // Authorizer records the native side sends once while unchanged (on
  // receiveNow); each handler's ctx makes its own copy of the one kept here.
  const kept = new Map()
  function authorizerOf(d, sync) {
    if (d.sameAuthorizer) return kept.get(d.appid)
    if (sync && d.authorizer) kept.set(d.appid, d.authorizer)
    return d.authorizer || undefined
  }

  /** The body to answer a POST with (a Pass: on to `next`); synchronous where it can be. */
  function post(req, res, next) {
    const inbox = inboxNow
    if (!inbox) return core.inbox.then(() => post(req, res, next))
    const given = core.appid(req) || null
    return http.readBody(req).then((body) => {
      const url = http.urlOf(req)
      // Answered on this thread when nothing needs the store; else off it.
      const now = inbox.receiveNow(given, url, body)
      if (now) return delivered(inbox, now, true, given, req, res, next)
      return inbox.receive(given, url, body).then((d) => delivered(inbox, d, false, given, req, res, next))
    })
  }

  function delivered(inbox, d, sync, given, req, res, next) {
    const appid = core.fromPath ? given || d.appid : given
    if (d.action === 'answer') {
      if (d.notice === 'unknown_authorizer') core.emit('unknown_authorizer', { appid })
      return d.body
    }
    const message = JSON.parse(d.messageJson)
    const reply = replyTo(message, contextOf(appid, message, authorizerOf(d, sync), req), req, res)
    if (reply && typeof reply.then === 'function') return reply.then((r) => settle(inbox, d.ticket, r, message, next))
    return settle(inbox, d.ticket, reply, message, next)
  }

  function settle(inbox, ticket, reply, message, next) {
    if (isPassOrHandled(reply)) {
      // Retries get `success`: the app's next middleware answered this one.
      const body = inbox.answer(ticket, null)
      if (reply === webot.HANDLED) return body
      if (typeof next === 'function') return reply
      if (reply.err) core.emit('message_error', reply.err, message)
      return body
    }
    try {
      return inbox.answer(ticket, reply)
    } catch (e) {
      // A reply buildReply cannot make: `success`, and the app hears why.
      core.emit('message_error', e, message)
      return inbox.answer(ticket, null)
    }
  }

  /** Serves the message URL natively (node's http and this glue out of the path). */
  async function listen(port, host) {
    if (port === undefined) port = 0
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError('port must be an integer from 0 to 65535')
    if (host !== undefined && typeof host !== 'string') throw new TypeError('host must be a string')
    const inbox = await core.inbox
    let listener = null
    const early = []
    const answer = (id, reply) => (listener ? listener.reply(id, reply) : early.push([id, reply]))
    // The native side sends an authorizer's record once, then `same` while
    // it is unchanged: each handler's ctx makes its own copy of the one kept here.
    const authorizers = new Map()
    const dispatch = (id, messageJson, appid, authorizer, same) => {
      const message = JSON.parse(messageJson)
      if (authorizer) authorizers.set(appid, authorizer)
      authorizer = authorizer || (same ? authorizers.get(appid) : undefined)
      // node-webot style handlers get a request-like object and `res.reply`.
      const req = { weixin: message, query: {}, headers: {} }
      const r = replyTo(message, contextOf(appid, message, authorizer, undefined), req, {})
      const settle = (x) => {
        if (x instanceof webot.Pass && x.err) core.emit('message_error', x.err, message)
        answer(id, x == null || isPassOrHandled(x) ? null : x)
      }
      if (r && typeof r.then === 'function') r.then(settle)
      else settle(r)
    }
    const notice = (name, appid, err) => {
      if (name === 'unknown_authorizer') return core.emit(name, { appid })
      core.emit(name, errorOf(err))
    }
    // The native side waits a little longer than the deadline this glue keeps.
    listener = await inbox.listen(host || '0.0.0.0', port, o.timeout + 500, dispatch, notice, limits)
    for (const [id, r] of early.splice(0)) listener.reply(id, r)
    return {
      port: listener.port,
      close: () => listener.close(),
    }
  }

  async function handle(req, res, next) {
    if (req.method === 'GET' || req.method === 'HEAD') {
      const inbox = await core.inbox
      return { status: 200, body: inbox.verifyUrl(http.urlOf(req)) }
    }
    if (req.method !== 'POST') return http.refusal('message', 'method_not_allowed')
    const body = await post(req, res, next)
    // next() / next(err) of a node-webot handler: on to the app's next middleware.
    if (body instanceof webot.Pass) return { pass: body }
    return { status: 200, body }
  }

  // Forged, mis-signed, unsigned, other-appid or malformed: refused, nothing changed.
  const failed = (err, answer) => core.emit(answer.rejected ? 'message_rejected' : 'message_error', err)
  const wxthirdpartyMessages = http.handler('message', handle, failed, 'wxthirdpartyMessages')
  wxthirdpartyMessages.listen = listen
  return wxthirdpartyMessages
}

/** A native error crossing as `{ name, message, code }`. */
function errorOf(e) {
  if (!e) return new Error('unknown error')
  if (e.name === 'TypeError') return new TypeError(e.message)
  const C = errors[e.name]
  return C ? new C(e.message, e.code == null ? undefined : e.code) : new Error(e.message)
}

/** Adds `.on` / `.once` / `.off` of its own emitter to a handler function. */
function withEvents(fn, emitter) {
  for (const m of ['on', 'once', 'off']) fn[m] = (...args) => { emitter[m](...args); return fn }
  return fn
}

function emitSafe(emitter, name, ...args) {
  if (emitter.listenerCount(name) === 0) return
  try {
    emitter.emit(name, ...args)
  } catch (e) {
    process.nextTick(() => { throw e })
  }
}

function checkHandler(handler) {
  if (typeof handler === 'function') return
  if (handler && typeof handler === 'object' && !Array.isArray(handler)) return
  throw new TypeError('handler must be a function or an object keyed by MsgType (and Event)')
}

/** A signed timestamp's window: seconds either side of our clock, 0 takes any age. */
function checkWindow(v, name) {
  if (v === undefined) return
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new TypeError(`${name}: must be a number of seconds (0: any age; default 300)`)
}

function inboxSettings(o) {
  const timeout = typeof o.timeout === 'number' && o.timeout > 0 ? o.timeout : DEFAULT_TIMEOUT_MS
  if (o.freshMs !== undefined && !(typeof o.freshMs === 'number' && o.freshMs >= 0)) throw new TypeError('options.freshMs: must be a number of milliseconds (0: claim every delivery in the store first)')
  checkWindow(o.timestampWindowSecs, 'options.timestampWindowSecs')
  // A claim outlives the handler's deadline: past it, its process has died.
  return { releaseCheck: o.releaseCheck !== false, dedupTtlMs: o.dedupTtlMs, retryWaitMs: o.retryWaitMs, claimLeaseMs: timeout + 1500, freshMs: o.freshMs, safeModeOnly: o.safeModeOnly === true, timestampWindowSecs: o.timestampWindowSecs }
}

/**
 * `platform.messages(handler, options)`: the platform's message URL.
 * `platform`: what ThirdpartyServer lends it, `{ inbox(settings), client(appid),
 * emit(name, ...args) }` (lib/server.js).
 */
function platformMessages(platform, handler, options) {
  checkHandler(handler)
  const o = Object.assign({}, options)
  if (o.appid !== undefined && typeof o.appid !== 'function') throw new TypeError('options.appid: must be a function (req) => authorizer appid')
  const emitter = new EventEmitter()
  const inbox = platform.inbox(inboxSettings(o))
  inbox.catch(() => {})
  const fn = makeHandler({
    inbox,
    appid: o.appid || appidFromRoute,
    fromPath: !o.appid,
    client: (appid) => platform.client(appid),
    emit: (name, ...args) => {
      emitSafe(emitter, name, ...args)
      platform.emit(name, ...args)
    },
  }, handler, o)
  return withEvents(fn, emitter)
}

/**
 * `messages({ token, encodingAESKey?, appid?, db?, client? }, handler, options?)`:
 * an account's own message URL (plain, compatible or safe mode). A string
 * config is the token (node-webot's `wechat('token', handler)`).
 */
function messages(config, handler, options) {
  const c = typeof config === 'string' ? { token: config } : config
  if (!c || typeof c !== 'object') throw new TypeError('config must be { token, encodingAESKey?, appid? } or the token')
  if (typeof c.token !== 'string' || c.token === '') throw new TypeError('config.token must be a non-empty string')
  const key = c.encodingAESKey ?? c.encodingAesKey
  if (key !== undefined && (typeof key !== 'string' || key.length !== 43)) throw new TypeError('config.encodingAESKey must be the 43-character EncodingAESKey')
  if (key !== undefined && (typeof c.appid !== 'string' || c.appid === '')) throw new TypeError('config.appid is required with an encodingAESKey')
  if (c.db !== undefined && typeof c.db !== 'string') throw new TypeError('config.db must be a database URL')
  checkHandler(handler)
  const o = Object.assign({}, options)
  if (o.safeModeOnly !== undefined && typeof o.safeModeOnly !== 'boolean') throw new TypeError('options.safeModeOnly must be a boolean')
  if (o.safeModeOnly && key === undefined) throw new TypeError('options.safeModeOnly needs config.encodingAESKey (safe mode decrypts with it)')
  const emitter = new EventEmitter()
  const onEvent = (ev) => {
    if (ev.name !== 'reply_failed') return
    const err = new errors.StoreError(ev.message)
    Object.assign(err, { appid: ev.appid, openid: ev.openid })
    emitSafe(emitter, 'reply_failed', err)
  }
  // node-webot's rule: only a boolean false turns the plain-mode check off.
  const settings = { ...inboxSettings(o), checkSignature: c.checkSignature !== false }
  const inbox = binding.accountInbox(c.token, key ?? null, c.appid ?? null, c.db ?? null, settings, onEvent)
  inbox.catch(() => {})
  const fn = makeHandler({
    inbox,
    appid: () => c.appid,
    client: () => c.client || null,
    emit: (name, ...args) => emitSafe(emitter, name, ...args),
  }, handler, o)
  fn.close = () => inbox.then((n) => n.close())
  return withEvents(fn, emitter)
}

module.exports = { messages, platformMessages, checkWindow }

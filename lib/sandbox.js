'use strict'
// startSandbox(): a local WeChat (Rust, src/sandbox) for tests and demos.
// connectSandbox(url): the same control surface for a sandbox running in
// another process. Each method is one route of the sandbox's control API
// (src/sandbox/control.rs): over HTTP for connectSandbox, through the same
// router in process for startSandbox.
// Every method returns a Promise, or calls back when given a callback.
// Options are camelCase here and snake_case on the wire / in Rust.

const { binding, settle, splitCallback } = require('./native')
const { TransportError } = require('./errors')

const snake = (k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
const camel = (k) => k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())

/** Renames the keys of a plain object (and of nested plain objects). */
function renameKeys(value, rename, deep) {
  if (Array.isArray(value)) return value.map((v) => renameKeys(v, rename, deep))
  if (value === null || typeof value !== 'object') return value
  const out = {}
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue
    out[rename(k)] = deep ? renameKeys(v, rename, deep) : v
  }
  return out
}

/** A record list from Rust: camelCase keys on each entry (bodies untouched). */
const records = (list) => list.map((r) => renameKeys(r, camel, false))

function nonEmpty(name, value) {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name}: must be a non-empty string`)
}

function plainObject(name, value) {
  if (value == null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) throw new TypeError(`${name}: must be an object`)
  return value
}

const CONFIG_KEYS = new Set(['host', 'port', 'lifetimes', 'graceSecs', 'ticketMaxAgeSecs', 'rotateRefreshTokens',
  'pushIntervalSecs', 'followersPageSize', 'defaultFollowers', 'messageTimeoutSecs', 'wxaPrivacyCheckSecs'])

/** camelCase sandbox options → the Rust SandboxConfig (only its keys). */
function configJson(options) {
  const out = {}
  for (const [k, v] of Object.entries(options)) {
    if (!CONFIG_KEYS.has(k) || v === undefined) continue
    out[snake(k)] = k === 'lifetimes' ? renameKeys(plainObject('options.lifetimes', v), snake, false) : v
  }
  return out
}

/**
 * A fault as the sandbox takes it: a number (errcode), { errcode },
 * { errcode, contentType: 'image/jpeg' } (the JSON error disguised as an
 * image), 'http500', { delayMs }, 'reset', or 'loseAnswer' (the call is
 * done, then the connection dropped unanswered).
 */
function faultJson(fault) {
  if (typeof fault === 'number' && Number.isInteger(fault)) return { errcode: fault }
  if (fault === 'http500' || fault === 'reset') return fault
  if (fault === 'loseAnswer') return 'lose_answer'
  if (fault && typeof fault === 'object') {
    if (Number.isInteger(fault.errcode) && fault.contentType === 'image/jpeg') return { image_errcode: fault.errcode }
    if (Number.isInteger(fault.errcode)) return { errcode: fault.errcode }
    const ms = fault.delayMs ?? fault.delay_ms
    if (Number.isInteger(ms) && ms >= 0) return { delay_ms: ms }
  }
  throw new TypeError("fault: must be an errcode, { errcode }, 'http500', { delayMs }, 'reset' or 'loseAnswer'")
}

function registrationJson(c) {
  plainObject('component', c)
  nonEmpty('component.appid', c.appid)
  nonEmpty('component.secret', c.secret)
  nonEmpty('component.token', c.token)
  const key = c.encodingAESKey ?? c.encodingAesKey
  nonEmpty('component.encodingAESKey', key)
  return { appid: c.appid, secret: c.secret, token: c.token, encoding_aes_key: key, push_url: c.pushUrl ?? c.push_url ?? null }
}

/** A message delivery from Rust: camelCase keys, WeChat's fields in message / reply untouched. */
function delivery(d) {
  const out = renameKeys(d, camel, false)
  out.attempts = records(out.attempts || [])
  return out
}

function messageJson(message) {
  if (typeof message === 'string') return { MsgType: 'text', Content: message }
  return plainObject('message', message)
}

function sendOptionsJson(options) {
  const o = plainObject('options', options)
  if (o.timeoutSecs !== undefined && !(typeof o.timeoutSecs === 'number' && o.timeoutSecs > 0)) {
    throw new TypeError('options.timeoutSecs: must be a positive number')
  }
  return renameKeys(o, snake, false)
}

function authorizeJson(options) {
  const o = plainObject('options', options)
  const out = renameKeys(o, snake, false)
  if (out.push !== undefined) out.push = Boolean(out.push)
  return out
}

function pathArg(path) {
  if (path == null) return null
  nonEmpty('path', path)
  return path
}

function rateArg(rate) {
  if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) throw new TypeError('rate: must be a number from 0 to 1')
  return rate
}

const VERDICTS = ['pass', 'fail', 'delay', 'manual']

/** A reviewer script or verdict, checked, snake_case. */
function reviewerJson(script) {
  const o = plainObject('script', script)
  if (!VERDICTS.includes(o.verdict)) throw new TypeError(`verdict: must be one of ${VERDICTS.join(', ')}`)
  if (o.screenshots !== undefined && !(Array.isArray(o.screenshots) && o.screenshots.every((x) => typeof x === 'string'))) {
    throw new TypeError('screenshots: must be an array of media ids')
  }
  for (const k of ['afterMs', 'delayMs']) {
    if (o[k] !== undefined && !(Number.isInteger(o[k]) && o[k] >= 0)) throw new TypeError(`${k}: must be a non-negative integer`)
  }
  return renameKeys(o, snake, false)
}

/** Drops the keys whose value is undefined (JSON has no undefined). */
const defined = (o) => renameKeys(o, (k) => k, false)

/**
 * A control call's answer → its JSON, or the sandbox's error, the same for
 * both transports: HTTP 400 (a bad argument or request) → TypeError, 502 (a
 * push that did not reach the platform) → TransportError, else Error; the
 * message is "sandbox: " and the sandbox's own.
 */
function answer({ status, body }) {
  if (status >= 200 && status < 300) return body
  const said = body && typeof body.error === 'string' ? body.error : `HTTP ${status}${typeof body === 'string' && body ? `: ${body}` : ''}`
  const Class = status === 400 ? TypeError : status === 502 ? TransportError : Error
  throw new Class(`sandbox: ${said}`)
}

/**
 * Transports: (method, path below /__sandbox, JSON body) → { status, body }.
 * Natively the call goes through the sandbox's own control router in this
 * process; an answer it has at once comes back at once (so bad arguments
 * the sandbox checks still throw synchronously), else as a Promise.
 */
const nativeControl = (n) => (method, path, body) => n.control(method, path, body === undefined ? undefined : JSON.stringify(body))

/** The same calls over HTTP, to a sandbox in another process. */
function httpControl(base) {
  return async (method, path, body) => {
    const res = await fetch(`${base}/__sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    let json = text
    try { json = JSON.parse(text) } catch { /* not JSON: the text is the answer */ }
    return { status: res.status, body: json }
  }
}

const none = () => undefined
const q = encodeURIComponent
const withPath = (route, path) => (path == null ? route : `${route}?path=${q(path)}`)

/**
 * The control surface, over one transport: each method checks its
 * arguments, names its control route (src/sandbox/control.rs) and shapes
 * the answer.
 */
class Sandbox {
  #control
  #close

  constructor(control, close, url, port) {
    this.#control = control
    this.#close = close
    /** http://127.0.0.1:PORT: the apiBase to give clients. */
    this.url = url
    this.port = port
  }

  /** A control call; an answer given at once is returned (or its error thrown) at once. */
  #call(method, path, body) {
    const a = this.#control(method, path, body)
    return typeof a.then === 'function' ? a.then(answer) : answer(a)
  }

  /** A control call that talks to the platform (pushes, messages): it always settles later. */
  #later(method, path, body) {
    return Promise.resolve().then(() => this.#call(method, path, body))
  }

  #run(args, fn, shape) {
    const [list, cb] = splitCallback(args)
    let p
    try {
      p = Promise.resolve(fn(...list))
    } catch (err) {
      // Bad arguments (checked here or by the sandbox at once) throw synchronously, as TypeErrors.
      if (cb) { process.nextTick(cb, err); return undefined }
      throw err
    }
    return settle(shape ? p.then(shape) : p, cb)
  }

  /** Stops a sandbox this process started; for connectSandbox(url), a no-op (the sandbox belongs to its own process). */
  close() { return this.#run(arguments, () => this.#close()) }

  /** { appid, secret, token, encodingAESKey, pushUrl?, messageUrl? } */
  registerComponent() {
    return this.#run(arguments, (c) => {
      // Checked synchronously: bad arguments throw, as everywhere.
      const reg = registrationJson(c)
      const url = c.messageUrl ?? c.message_url
      if (url != null) nonEmpty('component.messageUrl', url)
      const done = this.#call('POST', '/components', reg)
      return url == null ? done : Promise.resolve(done).then(() => this.setMessageUrl(c.appid, url))
    }, none)
  }

  /** The platform's 消息与事件接收URL; `$APPID$` stands for the authorizer's appid. */
  setMessageUrl() {
    return this.#run(arguments, (componentAppid, url) => {
      nonEmpty('componentAppid', componentAppid)
      nonEmpty('url', url)
      return this.#call('POST', '/message_url', { component_appid: componentAppid, url })
    }, none)
  }

  /**
   * A user of the authorizer sends `message` (WeChat's field names, e.g.
   * { MsgType: 'event', Event: 'subscribe' }; a string is a text) to the
   * platform's message URL, encrypted and signed; retried after
   * options.timeoutSecs (config messageTimeoutSecs, 5) without an answer, 3 tries.
   * Resolves to { componentAppid, authorizerAppid, message, attempts, status,
   * response, reply (decrypted, or null for success), error }.
   */
  sendMessage() {
    return this.#run(arguments, (authorizerAppid, message, options) => {
      nonEmpty('authorizerAppid', authorizerAppid)
      const body = { ...sendOptionsJson(options), authorizer_appid: authorizerAppid, message: messageJson(message) }
      return this.#later('POST', '/messages', body)
    }, delivery)
  }

  /** Every message sent to a message URL, with its answer. */
  messages() { return this.#run(arguments, () => this.#call('GET', '/messages'), (list) => list.map(delivery)) }

  /**
   * Plays WeChat's release check (全网发布接入检测) against the platform's
   * message URL: resolves to { componentAppid, passed, cases: [{ authorizerAppid, case, passed, reason }] }.
   */
  runReleaseCheck() {
    return this.#run(arguments, (componentAppid) => {
      nonEmpty('componentAppid', componentAppid)
      return this.#later('POST', '/release_check', { component_appid: componentAppid })
    }, (r) => Object.assign(renameKeys(r, camel, false), { cases: records(r.cases) }))
  }

  /** An account's own credentials (cgi-bin/token, stable_token, sns/*): (appid, secret) or ({ appid, secret }). */
  registerApp() {
    return this.#run(arguments, (appid, secret) => {
      if (appid && typeof appid === 'object') ({ appid, secret } = appid)
      nonEmpty('appid', appid)
      nonEmpty('secret', secret)
      return this.#call('POST', '/apps', { appid, secret })
    }, none)
  }

  /** Pushes a fresh component_verify_ticket (encrypted, signed); resolves to the ticket. */
  pushTicket() {
    return this.#run(arguments, (componentAppid) => {
      nonEmpty('componentAppid', componentAppid)
      return this.#later('POST', '/push_ticket', { component_appid: componentAppid })
    }, (r) => r.ticket)
  }

  /**
   * Simulates an admin authorizing the platform. options: { appid, nickName,
   * followers, funcInfo, serviceType, verifyType, preAuthCode, push }.
   * Resolves to { authorizerAppid, authCode, expiresIn, preAuthCode, infoType }.
   */
  authorize() {
    return this.#run(arguments, (componentAppid, options) => {
      nonEmpty('componentAppid', componentAppid)
      return this.#later('POST', '/authorize', { ...authorizeJson(options), component_appid: componentAppid })
    }, (r) => renameKeys(r, camel, false))
  }

  /** infoType: 'component_verify_ticket' | 'authorized' | 'updateauthorized' | 'unauthorized'. */
  pushEvent() {
    return this.#run(arguments, (componentAppid, infoType, authorizerAppid) => {
      nonEmpty('componentAppid', componentAppid)
      nonEmpty('infoType', infoType)
      nonEmpty('authorizerAppid', authorizerAppid)
      return this.#later('POST', '/push_event', { component_appid: componentAppid, info_type: infoType, authorizer_appid: authorizerAppid })
    }, none)
  }

  /** An OAuth code as if a user consented: options { openid, scope, componentAppid } → { code, openid }. */
  oauthCode() {
    return this.#run(arguments, (appid, options) => {
      nonEmpty('appid', appid)
      const o = plainObject('options', options)
      return this.#call('POST', '/oauth_code', defined({ appid, openid: o.openid, scope: o.scope, component_appid: o.componentAppid }))
    })
  }

  /** A mini-program js_code (wx.login): options { openid, componentAppid } → { code, openid }. */
  jsCode() {
    return this.#run(arguments, (appid, options) => {
      nonEmpty('appid', appid)
      const o = plainObject('options', options)
      return this.#call('POST', '/js_code', defined({ appid, openid: o.openid, component_appid: o.componentAppid }))
    })
  }

  setFollowers() {
    return this.#run(arguments, (appid, count) => {
      nonEmpty('appid', appid)
      if (!Number.isInteger(count) || count < 0) throw new TypeError('count: must be a non-negative integer')
      return this.#call('POST', '/followers', { appid, count })
    }, none)
  }

  /** The openids of appid's followers, in /cgi-bin/user/get order. */
  followers() {
    return this.#run(arguments, (appid) => { nonEmpty('appid', appid); return this.#call('GET', `/followers?appid=${q(appid)}`) }, (r) => r.openids)
  }

  /** Calls per endpoint path, e.g. { '/cgi-bin/component/api_component_token': 1 }. */
  counters() { return this.#run(arguments, () => this.#call('GET', '/counters')) }

  /** Successful calls per path (for token endpoints: credentials issued). */
  issued() { return this.#run(arguments, () => this.#call('GET', '/issued')) }

  /** Every call that presented an expired / invalid / wrong-appid token: [{ path, reason, appid, at }]. */
  invalidTokenCalls() { return this.#run(arguments, () => this.#call('GET', '/invalid_token_calls')) }

  /** Every push sent: [{ componentAppid, infoType, authorizerAppid, status, response, at }]. */
  pushes() { return this.#run(arguments, () => this.#call('GET', '/pushes'), records) }

  /** Bodies kept by message and long-tail endpoints: [{ path, appid, body, at }]. */
  recordedCalls() { return this.#run(arguments, (path) => this.#call('GET', withPath('/recorded', pathArg(path)))) }

  /** Every request that reached a WeChat path: [{ method, path, query (no tokens or secrets), body, contentType, at }]. */
  requests() { return this.#run(arguments, (path) => this.#call('GET', withPath('/requests', pathArg(path))), records) }

  /** The next `count` (default 1) calls of `path` ('*' = any) suffer `fault`. */
  injectFault() {
    return this.#run(arguments, (path, fault, count = 1) => {
      nonEmpty('path', path)
      if (!Number.isInteger(count) || count < 0) throw new TypeError('count: must be a non-negative integer')
      return this.#call('POST', '/faults', { path, fault: faultJson(fault), count })
    }, none)
  }

  /** A share `rate` (0..1) of calls to `path` (null = every path) suffer `fault`; rate 0 removes the rule. */
  setFailureRate() {
    return this.#run(arguments, (path, rate, fault = { errcode: -1 }) =>
      this.#call('POST', '/failure_rate', { path: pathArg(path), rate: rateArg(rate), fault: faultJson(fault) }), none)
  }

  clearFaults() { return this.#run(arguments, () => this.#call('DELETE', '/faults'), none) }

  /** Voids every access token, ticket and pre_auth_code now (no grace). */
  invalidateTokens() { return this.#run(arguments, () => this.#call('POST', '/invalidate_tokens'), none) }

  /** Moves the sandbox clock forward: tokens expire without waiting. */
  advanceClock() {
    return this.#run(arguments, (secs) => {
      if (typeof secs !== 'number' || !(secs >= 0)) throw new TypeError('secs: must be a non-negative number')
      return this.#call('POST', '/advance', { secs })
    }, none)
  }

  /** The current rules, camelCase. */
  config() { return this.#run(arguments, () => this.#call('GET', '/config'), (c) => renameKeys(c, camel, true)) }

  /** Changes the rules (any subset of the startSandbox options except host/port). */
  updateConfig() {
    return this.#run(arguments, (patch) => this.#call('POST', '/config', configJson(plainObject('patch', patch))), (c) => renameKeys(c, camel, true))
  }

  // ---- mini programs (代小程序实现业务) ----

  /** A draft in the platform's template library, as if uploaded from the devtools: options { userVersion, userDesc } → WeChat's draft object. */
  addDraft() {
    return this.#run(arguments, (componentAppid, options) => {
      nonEmpty('componentAppid', componentAppid)
      const o = plainObject('options', options)
      return this.#call('POST', '/wxa/drafts', defined({ component_appid: componentAppid, user_version: o.userVersion, user_desc: o.userDesc }))
    })
  }

  /**
   * How the mini program's next audits are reviewed: { verdict: 'pass' |
   * 'fail' | 'delay' | 'manual', reason, screenshots (media ids), afterMs
   * (200, sandbox clock), delayMs (for 'delay': until the pass) }.
   */
  setReviewer() {
    return this.#run(arguments, (appid, script) => {
      nonEmpty('appid', appid)
      return this.#call('POST', '/wxa/reviewer', { ...reviewerJson(script), appid })
    }, (r) => renameKeys(r, camel, false))
  }

  /** Decides the audit under way now: 'pass' | 'fail' | 'delay' or { verdict, reason, screenshots }; resolves to the mini program's state (as miniProgram()). */
  review() {
    return this.#run(arguments, (appid, verdict) => {
      nonEmpty('appid', appid)
      return this.#later('POST', '/wxa/review', { ...reviewerJson(typeof verdict === 'string' ? { verdict } : verdict), appid })
    })
  }

  /** The platform's audit quota for the month: { rest, limit, speedupRest, speedupLimit } (any subset). */
  setAuditQuota() {
    return this.#run(arguments, (componentAppid, quota) => {
      nonEmpty('componentAppid', componentAppid)
      const q = renameKeys(plainObject('quota', quota), snake, false)
      for (const [k, v] of Object.entries(q)) if (!Number.isInteger(v) || v < 0) throw new TypeError(`quota.${camel(k)}: must be a non-negative integer`)
      return this.#call('POST', '/wxa/quota', { component_appid: componentAppid, quota: q })
    }, (r) => renameKeys(r, camel, false))
  }

  /** The mini program's next `count` (1) wxa events are lost: its state changes, nothing is pushed. */
  loseNextEvent() {
    return this.#run(arguments, (appid, count = 1) => {
      nonEmpty('appid', appid)
      if (!Number.isInteger(count) || count < 1) throw new TypeError('count: must be a positive integer')
      return this.#call('POST', '/wxa/lose_events', { appid, count })
    }, none)
  }

  /** How the platform's next fast registrations end: { auto (true), afterMs (200), status (0: created) }. */
  scriptFastRegistration() {
    return this.#run(arguments, (componentAppid, script) => {
      nonEmpty('componentAppid', componentAppid)
      return this.#call('POST', '/wxa/fast_register', { ...renameKeys(plainObject('script', script), snake, false), component_appid: componentAppid })
    }, (r) => renameKeys(r, camel, false))
  }

  /**
   * The people behind a fast registration answer now (`id`: taskid,
   * unique_id or the enterprise's name); options { status } (0: created).
   * Pushes notify_third_fasteregister (notify_third_fastregisterbetaapp for a
   * beta) and resolves to { appid, status, authCode }.
   */
  completeFastRegistration() {
    return this.#run(arguments, (componentAppid, id, options) => {
      nonEmpty('componentAppid', componentAppid)
      nonEmpty('id', id)
      const o = plainObject('options', options)
      if (o.status !== undefined && !Number.isInteger(o.status)) throw new TypeError('options.status: must be an integer')
      return this.#later('POST', '/wxa/fast_register/complete', defined({ component_appid: componentAppid, id, status: o.status }))
    })
  }

  /** What the sandbox holds for a mini program (its own snake_case names): commit, audits, release, history, gray, domains, testers, … */
  miniProgram() {
    return this.#run(arguments, (appid) => { nonEmpty('appid', appid); return this.#call('GET', `/wxa/app?appid=${q(appid)}`) })
  }

  /** A platform's drafts, templates, domain lists, quota and fast registrations (snake_case, as held). */
  wxaPlatform() {
    return this.#run(arguments, (componentAppid) => {
      nonEmpty('componentAppid', componentAppid)
      return this.#call('GET', `/wxa/platform?component_appid=${q(componentAppid)}`)
    })
  }

  /** Every wxa event the reviewer sent or lost: [{ appid, event, auditid, outcome, at }]. */
  wxaEvents() { return this.#run(arguments, () => this.#call('GET', '/wxa/events')) }

  /** Forgets everything (components, apps, tokens, counters, logs, faults); keeps the config. */
  reset() { return this.#run(arguments, () => this.#call('POST', '/reset'), none) }
}

/**
 * Starts a local WeChat. options: { host ('127.0.0.1'), port (0 = any free),
 * lifetimes: { componentAccessToken, preAuthCode, authorizerAccessToken,
 * accessToken, ticket, oauth, authCode, oauthCode, oauthRefreshToken } (seconds),
 * graceSecs (300), ticketMaxAgeSecs (43200), rotateRefreshTokens (false),
 * pushIntervalSecs (off), followersPageSize (10000), defaultFollowers (3),
 * messageTimeoutSecs (5: a message to a platform is retried after it),
 * wxaPrivacyCheckSecs (1: after a commit, the code-privacy detection answers 61039 this long) }.
 * It does not keep the process alive; close() stops it.
 */
function startSandbox(options, callback) {
  if (typeof options === 'function') [options, callback] = [undefined, options]
  let cfg
  try {
    cfg = configJson(plainObject('options', options))
  } catch (e) {
    if (typeof callback === 'function') { process.nextTick(callback, e); return undefined }
    throw e
  }
  const p = binding.startSandbox(cfg).then((n) => new Sandbox(nativeControl(n), () => n.close(), n.url, n.port))
  return settle(p, callback)
}

/** The same object for a sandbox running elsewhere (e.g. `wxthirdparty sandbox`), by its URL. */
function connectSandbox(url) {
  nonEmpty('url', url)
  const base = url.replace(/\/+$/, '')
  const port = Number(new URL(base).port) || 80
  return new Sandbox(httpControl(base), async () => {}, base, port)
}

module.exports = { startSandbox, connectSandbox }

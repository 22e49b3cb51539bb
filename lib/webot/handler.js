'use strict'
// node-webot wechat's handler object and how it calls handlers: a function
// given as the handler is called `(req, res, next)` with `req.weixin` and
// `res.reply()`; per-type handlers (`wechat(config).text(fn)`,
// `wechat.text(fn)`, a routing object) are called `(message, req, res, next)`.
// The style is chosen by how the handler was given, never by its arity.
const List = require('./list')
const session = require('./session')
const { webotReply, transferReply } = require('./reply')

const TYPES = ['text', 'image', 'voice', 'video', 'shortvideo', 'location', 'link', 'event', 'hardware', 'device_text', 'device_event']

/** A handler called `next()` or `next(err)`: the request goes on to the app's next middleware. */
class Pass {
  constructor(err) {
    this.err = err
  }
}

/** The handler answered the response itself (`res.end()`, `res.wait` of an unknown list). */
const HANDLED = Symbol('answered by the handler')

class Handler {
  constructor(token, handle) {
    if (token) this.setToken(token)
    this.handlers = Object.create(null)
    this.handle = handle
  }

  /** The token, or `{ token, appid, encodingAESKey, checkSignature }`. */
  setToken(token) {
    this.config = typeof token === 'string' ? { token } : token
    return this
  }

  setHandler(type, fn) {
    if (typeof fn !== 'function') throw new TypeError(`${type}: the handler must be a function (message, req, res, next)`)
    this.handlers[type] = fn
    return this
  }

  /** The handler for a MsgType (own names only: `toString` is not a MsgType). */
  getHandler(type) {
    if (this.handle) return this.handle
    return typeof type === 'string' && Object.hasOwn(this.handlers, type) ? this.handlers[type] : undefined
  }

  /** The middleware (set by wechat.js: `messages()` around this handler). */
  middlewarify(options) {
    if (!this.config) throw new TypeError('middlewarify: no token; give it as wechat(token).text(fn)…middlewarify() or wechat(token, handler)')
    return Handler.middleware(this.config, this, options)
  }
}
for (const type of TYPES) {
  Handler.prototype[type] = function (fn) {
    return this.setHandler(type, fn)
  }
}

/**
 * A routing object `{ text, image, event: { subscribe, CLICK, default }, default }`
 * whose functions are node-webot's `(message, req, res, next)`.
 */
function fromRoutes(routes) {
  const h = new Handler()
  const fallback = Object.hasOwn(routes, 'default') ? routes.default : undefined
  for (const type of Object.keys(routes)) {
    if (type === 'default') continue
    const r = routes[type]
    if (type === 'event' && r && typeof r === 'object') h.setHandler('event', byEvent(r))
    else h.setHandler(type, r)
  }
  if (fallback !== undefined) {
    if (typeof fallback !== 'function') throw new TypeError('default: the handler must be a function (message, req, res, next)')
    h.fallback = fallback
  }
  return h
}

function byEvent(events) {
  const find = (name) => (typeof name === 'string' && Object.hasOwn(events, name) && typeof events[name] === 'function' ? events[name] : undefined)
  return function (message, req, res, next) {
    const ev = message.Event || ''
    const fn = find(ev) || find(ev.toLowerCase()) || find(ev.toUpperCase()) || find('default')
    return fn ? fn(message, req, res, next) : next()
  }
}

/** Text values as node-webot gives them (xml2js with trim, then trimmed again). */
function trimmed(v) {
  if (typeof v === 'string') return v.trim()
  if (typeof v === 'number') return String(v)
  if (Array.isArray(v)) return v.map(trimmed)
  if (v && typeof v === 'object') {
    const out = {}
    for (const k of Object.keys(v)) out[k] = trimmed(v[k])
    return out
  }
  return v
}

/**
 * Runs `handler` (a Handler) on one message as node-webot does. Resolves the
 * reply (buildReply's vocabulary; '' for none), a Pass, or HANDLED. `onError`
 * hears of a session that could not be saved (after the answer).
 */
function dispatch(handler, message, req, res, onError) {
  const weixin = trimmed(message)
  req.weixin = weixin
  const store = req.sessionStore && typeof req.sessionStore.get === 'function'
  return new Promise((resolve, reject) => {
    let settled = false
    const settle = (v) => {
      if (settled) return
      settled = true
      resolve(v)
      if (store) session.save(req).catch(onError)
    }
    res.reply = (content) => settle(webotReply(content, weixin))
    res.transfer2CustomerService = (kfAccount) => settle(transferReply(kfAccount))
    const next = (err) => settle(new Pass(err))
    if (typeof res.once === 'function') res.once('finish', () => settle(HANDLED))
    const run = () => {
      let callback = handler.getHandler(weixin.MsgType) || handler.fallback
      if (store) {
        addWaiting(req, res, settle)
        const waiting = weixin.MsgType === 'text' && req.wxsession && req.wxsession._wait
        const list = waiting && List.get(req.wxsession._wait)
        const item = list && list.get(weixin.Content)
        if (typeof item === 'function') callback = item
        else if (item) callback = handler.handle ? (q, s) => s.reply(item) : (m, q, s) => s.reply(item)
      }
      if (!callback) return next()
      if (handler.handle) callback(req, res, next)
      else callback(weixin, req, res, next)
    }
    try {
      if (store) session.load(req, weixin).then(() => { try { run() } catch (e) { reject(e) } }, reject)
      else run()
    } catch (e) {
      reject(e)
    }
  })
}

/** `res.wait(name, cb)` / `res.nowait(content)`: a text reply that waits on a List. */
function addWaiting(req, res, settle) {
  res.wait = (name, callback) => {
    const list = List.get(name)
    if (list) {
      req.wxsession._wait = name
      return res.reply(list.description)
    }
    const err = new Error('Undefined list: ' + name)
    err.name = 'UndefinedListError'
    if (typeof res.end === 'function' && !res.headersSent) {
      res.statusCode = 500
      res.end(err.name)
    } else {
      settle(new Pass(err))
    }
    if (callback) callback(err)
  }
  res.nowait = (...args) => {
    delete req.wxsession._wait
    return res.reply(...args)
  }
}

module.exports = { Handler, Pass, HANDLED, fromRoutes, dispatch, trimmed, TYPES }

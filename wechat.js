'use strict'
// `require('wxthirdparty/wechat')`: node-webot wechat 2.1's module, on the
// native pipeline (signature, decryption, dedup, sealing). Handlers are
// called as node-webot calls them: a function given as the handler
// `(req, res, next)`; per-type handlers (`.text(fn)`, a routing object)
// `(message, req, res, next)`. `messages()` from the main module calls
// `(message, ctx)` instead: the entry point chooses, never a handler's arity.
const crypto = require('crypto')
const { messages } = require('./lib/messages')
const { Handler, fromRoutes, TYPES } = require('./lib/webot/handler')
const { webotReply, transferReply } = require('./lib/webot/reply')
const List = require('./lib/webot/list')
const { buildReply } = require('./lib/crypto')

// node-webot never checked a timestamp's age: neither does its drop-in, unless asked.
Handler.middleware = (config, handler, options) => messages(config, handler, { timestampWindowSecs: 0, ...options })

/**
 * `wechat(config)`: a Handler to chain (`.text(fn)…middlewarify()`);
 * `wechat(config, handler)`: the middleware. `config`: the token or
 * `{ token, appid, encodingAESKey, checkSignature, db, client }`.
 */
function wechat(config, handle, options) {
  if (arguments.length === 1) return new Handler(config)
  let h
  if (handle instanceof Handler) h = handle.setToken(config)
  else if (typeof handle === 'function') h = new Handler(config, handle)
  else if (handle && typeof handle === 'object' && !Array.isArray(handle)) h = fromRoutes(handle).setToken(config)
  else throw new TypeError('handler must be a function (req, res, next), a wechat.text(fn)… chain or an object keyed by MsgType')
  return h.middlewarify(options)
}

for (const type of TYPES) {
  wechat[type] = (fn) => new Handler()[type](fn)
}

/** node-webot's `wechat.Event`: handlers by Event name, `Event.dispatch(events)` the event handler. */
class Event {
  constructor() {
    this.events = Object.create(null)
  }

  add(event, callback) {
    this.events[event] = callback
    return this
  }

  static dispatch(events) {
    return (message, req, res, next) => {
      const fn = typeof message.Event === 'string' && Object.hasOwn(events.events, message.Event) ? events.events[message.Event] : undefined
      return fn ? fn(message, req, res, next) : next()
    }
  }
}

wechat.List = List
wechat.Event = Event

/** node-webot's `wechat.reply(content, fromUsername, toUsername, message?)`: the reply XML. */
wechat.reply = (content, fromUsername, toUsername, message) => {
  const r = webotReply(content, message || {})
  return r ? buildReply({ ToUserName: fromUsername, FromUserName: toUsername }, r) : ''
}

/** node-webot's `wechat.reply2CustomerService(fromUsername, toUsername, kfAccount?)`. */
wechat.reply2CustomerService = (fromUsername, toUsername, kfAccount) =>
  buildReply({ ToUserName: fromUsername, FromUserName: toUsername }, transferReply(kfAccount))

/** node-webot's `wechat.checkSignature(query, token)` (compared in constant time). */
wechat.checkSignature = (query, token) => {
  const expected = crypto.createHash('sha1').update([token, query.timestamp, query.nonce].sort().join('')).digest()
  const given = Buffer.from(typeof query.signature === 'string' ? query.signature : '', 'hex')
  return given.length === expected.length && crypto.timingSafeEqual(given, expected)
}

module.exports = wechat

'use strict'
// The official-account API client (wechat-api 1.35's method names and
// callback shapes), acting for one account. Requests, tokens and retries are
// native; this adds callbacks/promises and the original wxthirdparty hooks.
const { binding, settle, splitCallback } = require('./native')

class Client {
  /**
   * @param native a NativeClient
   * @param context `this` for hooks: `{ component, user }`
   */
  constructor(native, context) {
    Object.defineProperty(this, '_native', { value: native })
    Object.defineProperty(this, '_context', { value: context || {} })
    /** Per-method hooks: `{ before(...args, next, temp), after(err, data, next, temp) }`. */
    this.hooks = Object.assign({}, Client.hooks)
  }

  get appid() {
    return this._native.appid
  }

  /** Any table-driven wechat-api method by name: `client.invoke('getUser', [openid])`. */
  invoke(method, args, callback) {
    return this._run(method, args, callback, () => this._native.call(method, args))
  }

  getTicket(...all) {
    const [args, cb] = splitCallback(all)
    return this._run('getTicket', args, cb, () => this._native.ticket(args[0] || 'jsapi'))
  }

  getLatestTicket(callback) {
    return this.getTicket('jsapi', callback)
  }

  getJsConfig(param, callback) {
    return this._run('getJsConfig', [param], callback, () => this._native.jsConfig(param || {}))
  }

  getLatestToken(callback) {
    return this._run('getLatestToken', [], callback, () => this._native.latestToken())
  }

  getAccessToken(callback) {
    return this.getLatestToken(callback)
  }

  // Runs hooks around `exec`; callbacks get wechat-api's (err, data, res).
  _run(method, args, callback, exec) {
    const hook = this.hooks[method]
    const temp = {}
    const ctx = this._context
    const p = new Promise((resolve, reject) => {
      const go = () => {
        let out
        try {
          out = exec()
        } catch (e) {
          out = Promise.reject(e)
        }
        Promise.resolve(out).then(
          (data) => after(null, data),
          (err) => after(err),
        )
      }
      const after = (err, data) => {
        if (hook && typeof hook.after === 'function') {
          hook.after.call(ctx, err, data, (e2, d2) => (e2 ? reject(e2) : resolve(d2 === undefined ? data : d2)), temp)
        } else if (err) reject(err)
        else resolve(data)
      }
      if (hook && typeof hook.before === 'function') {
        hook.before.call(ctx, ...args, (e) => (e ? reject(e) : go()), temp)
      } else go()
    })
    return settle(p, callback, (cb, data) => cb(null, data, undefined))
  }
}

/** Hooks every new client starts with (user code may add to it). */
Client.hooks = {}

// One method per row of the native endpoint table.
for (const method of binding.apiMethods()) {
  if (Client.prototype[method]) continue
  Client.prototype[method] = function (...all) {
    const [args, cb] = splitCallback(all)
    return this._run(method, args, cb, () => this._native.call(method, args))
  }
}

module.exports = { Client }

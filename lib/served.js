'use strict'
// A server the addon runs on its own port (the token service, the console):
// its address and close(), and the start function's Promise-or-callback shape.

const { settle, splitCallback } = require('./native')

class NativeServer {
  #native
  constructor(native) { this.#native = native }
  /** `http://host:port` */
  get url() { return this.#native.url }
  get port() { return this.#native.port }
  /** Stops accepting, finishes requests in progress, closes its database pool. */
  close(...args) {
    const [, cb] = splitCallback(args)
    return settle(this.#native.close(), cb)
  }
}

/** `start(checked options)` resolves the native server; `Server` wraps it. */
function starter(start, checkOptions, Server) {
  return function (...args) {
    const [[options], cb] = splitCallback(args)
    let p
    try {
      p = start(checkOptions(options)).then((n) => new Server(n))
    } catch (e) {
      p = Promise.reject(e)
    }
    return settle(p, cb)
  }
}

module.exports = { NativeServer, starter }

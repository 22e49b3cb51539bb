'use strict'
// The error classes the package throws, so callers can write
// `err instanceof WeChatAPIError`. `code` is WeChat's errcode where there is one.

class WxThirdpartyError extends Error {
  constructor(message, code) {
    super(message)
    if (code !== undefined) this.code = code
  }
}

/** WeChat answered with a non-zero errcode (as wechat-api names it). */
class WeChatAPIError extends WxThirdpartyError {}
/** Signature, padding, length or appid check failed. */
class CryptoError extends WxThirdpartyError {}
/** Malformed or oversized XML / JSON. */
class ParseError extends WxThirdpartyError {}
/** The database failed (the message never carries the password). */
class StoreError extends WxThirdpartyError {}
/** Network trouble talking to WeChat: timeouts, resets, HTTP 5xx. */
class TransportError extends WxThirdpartyError {}
/** A token or ticket is not available yet. */
class NotReadyError extends WxThirdpartyError {}
/** The authorizer revoked its authorization. */
class RevokedError extends WxThirdpartyError {}
/** No such authorizer or record. */
class NotFoundError extends WxThirdpartyError {}

const classes = { WeChatAPIError, CryptoError, ParseError, StoreError, TransportError, NotReadyError, RevokedError, NotFoundError }
// `name` as a writable prototype property, as Error's own subclasses have it.
for (const [name, C] of Object.entries({ WxThirdpartyError, ...classes })) {
  Object.defineProperty(C.prototype, 'name', { value: name, writable: true, configurable: true })
}

module.exports = { WxThirdpartyError, ...classes }

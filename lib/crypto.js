'use strict'
// WXBizMsgCrypt (wechat-crypto drop-in, plus envelope helpers), WXBizDataCrypt,
// parseMessage and buildReply. All work happens in one native call each.
const { binding } = require('./native')

function nonEmpty(name, value) {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name}: must be a non-empty string`)
}

function string(name, value) {
  if (typeof value !== 'string') throw new TypeError(`${name}: must be a string`)
}

// wechat-crypto sorts whatever it is given; numbers are common for timestamp.
function text(name, value) {
  if (typeof value === 'string') return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  throw new TypeError(`${name}: must be a string`)
}

// Bodies often arrive as Buffers (express.raw, koa raw-body).
function body(name, value) {
  if (typeof value === 'string') return value
  if (Buffer.isBuffer(value)) return value.toString('utf8')
  throw new TypeError(`${name}: must be a string or a Buffer`)
}

function maxBytes(options) {
  if (options == null || options.maxBytes == null) return undefined
  const n = options.maxBytes
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new TypeError('options.maxBytes: must be a non-negative integer')
  return n
}

function optionalText(name, value) {
  return value == null ? undefined : text(name, value)
}

class WXBizMsgCrypt {
  #native
  #token
  #appid
  #maxBytes

  /**
   * @param {string} token          the Token set on the platform
   * @param {string} encodingAESKey the 43-character EncodingAESKey
   * @param {string} appid          the appid (or CorpID) messages are for
   * @param {{maxBytes?: number}} [options] XML size cap for decryptMessage (default 1 MB)
   */
  constructor(token, encodingAESKey, appid, options) {
    nonEmpty('token', token)
    string('encodingAESKey', encodingAESKey)
    nonEmpty('appid', appid)
    this.#maxBytes = maxBytes(options)
    this.#native = binding.msgCryptNew(token, encodingAESKey, appid)
    this.#token = token
    this.#appid = appid
  }

  /** The token (wechat-crypto exposes it as `token`). */
  get token() { return this.#token }
  /** The appid (wechat-crypto calls it `id`). */
  get id() { return this.#appid }
  get appid() { return this.#appid }

  /** sha1 hex of token, timestamp, nonce and encrypt, sorted and joined. */
  getSignature(timestamp, nonce, encrypt) {
    return binding.msgCryptSignature(this.#native, text('timestamp', timestamp), text('nonce', nonce), text('encrypt', encrypt))
  }

  /** Constant-time check of a msg_signature. */
  verifySignature(signature, timestamp, nonce, encrypt) {
    string('signature', signature)
    return binding.msgCryptVerifySignature(this.#native, signature, text('timestamp', timestamp), text('nonce', nonce), text('encrypt', encrypt))
  }

  /** Encrypts `message` → base64. */
  encrypt(message) {
    string('message', message)
    return binding.msgCryptEncrypt(this.#native, message)
  }

  /** Decrypts base64 `encrypted` → `{ message, id }`; padding, length and appid are checked. */
  decrypt(encrypted) {
    string('encrypted', encrypted)
    return { message: binding.msgCryptDecrypt(this.#native, encrypted), id: this.#appid }
  }

  /**
   * The `<Encrypt>` envelope of a push or message → the parsed inner message.
   * `query` ({timestamp, nonce, msg_signature}) makes it check msg_signature.
   */
  decryptMessage(xml, query) {
    const b = body('xml', xml)
    let timestamp, nonce, signature
    if (query != null) {
      if (typeof query !== 'object') throw new TypeError('query: must be an object')
      timestamp = text('query.timestamp', query.timestamp)
      nonce = text('query.nonce', query.nonce)
      signature = text('query.msg_signature', query.msg_signature)
    }
    return JSON.parse(binding.msgCryptDecryptMessageJson(this.#native, b, timestamp, nonce, signature, this.#maxBytes))
  }

  /** Encrypts and signs a reply → the `<xml><Encrypt>…</xml>` envelope. */
  encryptMessage(xml, timestamp, nonce) {
    return binding.msgCryptEncryptMessage(this.#native, body('xml', xml), optionalText('timestamp', timestamp), optionalText('nonce', nonce))
  }

  /**
   * Server URL verification: `{signature, timestamp, nonce, echostr}` (plain)
   * or `{msg_signature, timestamp, nonce, echostr}` (encrypted) → the echostr to answer.
   */
  verifyUrl(query) {
    if (query == null || typeof query !== 'object') throw new TypeError('query: must be an object')
    return binding.msgCryptVerifyUrl(
      this.#native,
      text('query.timestamp', query.timestamp),
      text('query.nonce', query.nonce),
      text('query.echostr', query.echostr),
      optionalText('query.signature', query.signature),
      optionalText('query.msg_signature', query.msg_signature),
    )
  }
}

class WXBizDataCrypt {
  #native
  #appid

  /**
   * @param {string} appid      the mini program's appid
   * @param {string} sessionKey the user's session_key (base64)
   */
  constructor(appid, sessionKey) {
    nonEmpty('appid', appid)
    nonEmpty('sessionKey', sessionKey)
    this.#native = binding.dataCryptNew(appid, sessionKey)
    this.#appid = appid
  }

  get appId() { return this.#appid }

  /** Decrypts `encryptedData` with `iv` (both base64) → object; watermark.appid is checked. */
  decryptData(encryptedData, iv) {
    string('encryptedData', encryptedData)
    string('iv', iv)
    return JSON.parse(binding.dataCryptDecryptJson(this.#native, encryptedData, iv))
  }
}

/** WeChat XML → object with WeChat's field names. `options.maxBytes` caps the size (default 1 MB). */
function parseMessage(xml, options) {
  const b = body('xml', xml)
  const cap = maxBytes(options)
  return JSON.parse(binding.parseMessageJson(b, cap))
}

/** The passive reply XML to `message` (a parsed message); see README for reply shapes. */
function buildReply(message, reply) {
  if (message == null || typeof message !== 'object') throw new TypeError('message: must be a parsed message object')
  if (reply === undefined || reply === null) throw new TypeError('reply: must be a string, an array of articles or an object')
  return binding.buildReply(message, reply)
}

/** A generic `<xml>` of `fields` (strings as CDATA); handy for tests. */
function buildXml(fields) {
  if (fields == null || typeof fields !== 'object') throw new TypeError('fields: must be an object')
  return binding.buildXml(fields)
}

module.exports = { WXBizMsgCrypt, WXBizDataCrypt, parseMessage, buildReply, buildXml }

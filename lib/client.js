'use strict'
// The official-account API client (wechat-api 1.35's method names, argument
// forms and callback shapes), acting for one account. Requests, tokens,
// tickets and retries are native; this adds callbacks/promises, the original
// wxthirdparty hooks, the bridge to user-kept tokens and tickets, and
// wechat-api's extension points (api.token, preRequest, request, prefixes).
const path = require('path')
const { binding, splitCallback } = require('./native')
const { requestWithDefaults } = require('./urllib')
const { response, takeAnswer } = require('./answer')
const { Ticket, jsConfig, cardExt, checkJsConfigParam, checkCardParam } = require('./jssdk')

// name -> { params, kind: 'call' | 'upload' | 'download' | 'image', retired, fields }
const TABLE = new Map(binding.apiMethodTable().map((m) => [m.name, m]))

// Arguments cross to the native side as JSON values: give them the meaning
// wechat-api's JSON.stringify gives them (a Date is its ISO string, as the
// shop's order filter reads it; an undefined field is left out). The scan
// costs less than a copy, which only values that need it get.
function plain(v) {
  if (v === undefined) return null
  if (v === null || typeof v !== 'object') return v
  if (typeof v.toJSON === 'function') return JSON.parse(JSON.stringify(v))
  return needsJson(v, 0) ? JSON.parse(JSON.stringify(v)) : v
}

function needsJson(v, depth) {
  if (depth > 32) return true
  for (const k in v) {
    const x = v[k]
    if (x === undefined || typeof x === 'function') return true
    if (x !== null && typeof x === 'object' && (typeof x.toJSON === 'function' || needsJson(x, depth + 1))) return true
  }
  return false
}

// What WeChat answers for a token it will not take; preRequest retries once.
const TOKEN_REJECTED = [40001, 42001, 40014]

function readStream(stream) {
  return new Promise((resolve, reject) => {
    const chunks = []
    stream.on('data', (c) => chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c)))
    stream.on('end', () => resolve(Buffer.concat(chunks)))
    stream.on('error', reject)
  })
}

/** wechat-api's AccessToken: `{accessToken, expireTime}` with isValid(); callable without `new`. */
function AccessToken(accessToken, expireTime) {
  if (!(this instanceof AccessToken)) return new AccessToken(accessToken, expireTime)
  this.accessToken = accessToken
  this.expireTime = expireTime
}
AccessToken.prototype.isValid = function () {
  return !!this.accessToken && Date.now() < this.expireTime
}

class Client {
  /**
   * @param native a NativeClient, or a Promise of one (an API instance opens it asynchronously)
   * @param context `this` for hooks: `{ component, user }` or `{ api }`
   */
  constructor(native, context) {
    Object.defineProperty(this, '_native', { value: Promise.resolve(native), writable: true, configurable: true })
    Object.defineProperty(this, '_context', { value: context || {} })
    Object.defineProperty(this, '_tokenStore', { value: null, writable: true })
    Object.defineProperty(this, '_ticketStore', { value: null, writable: true })
    Object.defineProperty(this, '_tokenSet', { value: undefined, writable: true })
    // The opened native client, for what must answer synchronously (api.token).
    Object.defineProperty(this, '_opened', { value: native && typeof native.then !== 'function' ? native : null, writable: true })
    // A rejected open must not become an unhandled rejection before the first call.
    this._native.catch(() => {})
    /** Per-method hooks: `{ before(...args, next, temp), after(err, data, next, temp) }`. */
    this.hooks = Object.assign({}, Client.hooks)
    if (native && typeof native.appid === 'string') this.appid = native.appid
    /** wechat-api's prefix of showQRCodeURL. */
    this.mpPrefix = 'https://mp.weixin.qq.com/cgi-bin/'
    /** wechat-api's urllib defaults, merged into `request()`'s options (setOpts). */
    this.defaults = {}
  }

  /** Any wechat-api method by name: `client.invoke('getUser', [openid])`. */
  invoke(method, args, callback) {
    if (typeof this[method] !== 'function' || !TABLE.has(method)) throw new TypeError(`method: ${method} is not an official-account API method`)
    return this[method](...(args || []), callback)
  }

  // ---- wechat-api's extension points ----

  /** wechat-api's `api.token`: the AccessToken in use (undefined before the first). */
  get token() {
    if (this._tokenSet !== undefined) return this._tokenSet
    const t = this._opened && this._opened.peekToken()
    return t ? new AccessToken(t.accessToken, t.expireTime) : undefined
  }

  set token(value) {
    this._tokenSet = value
  }

  /** The WeChat API base requests go to (wechat-api's `api.endpoint`). */
  get endpoint() {
    return this._opened ? this._opened.apiBase : undefined
  }

  /** Where uploadMPVideo and uploadLogo go (wechat-api's `api.fileServerPrefix`). */
  get fileServerPrefix() {
    return this._opened ? this._opened.filePrefix : undefined
  }

  /**
   * wechat-api's preRequest(method, args): runs `method` (a mixin's
   * `this._name`) with `this.token` set to a valid token; when WeChat
   * answers 40001 / 42001 / 40014 that token is dropped (compare-and-expire)
   * and the method runs once more with a fresh one.
   */
  preRequest(method, args, retried) {
    if (typeof method !== 'function') throw new TypeError('method: must be a function (preRequest(this._name, arguments))')
    const list = Array.from(args || [])
    const callback = list[list.length - 1]
    if (typeof callback !== 'function') throw new TypeError('args: the last argument must be the callback')
    this._native
      .then(async (n) => {
        if (this._tokenStore) await this._tokenStore.offer(n)
        return [n, (await this._token(n, false)).data]
      })
      .then(([n, token]) => {
        if (!retried) {
          list[list.length - 1] = (err, data, res) => {
            if (data && TOKEN_REJECTED.includes(data.errcode)) {
              n.invalidateToken(token.accessToken, data.errcode).then(() => this.preRequest(method, args, true), callback)
            } else callback(err, data, res)
          }
        }
        method.apply(this, list)
      }, (err) => callback(err))
      // A throw in the user's method or callback is theirs, as in wechat-api: not swallowed.
      .catch((e) => process.nextTick(() => { throw e }))
  }

  /** wechat-api's request(url, opts, callback): urllib 2's request with `this.defaults` merged in. */
  request(url, opts, callback) {
    return requestWithDefaults(this.defaults, url, opts, callback)
  }

  // ---- tokens and tickets ----

  /** The current token as an AccessToken (fetched only when there is none valid). */
  getLatestToken(callback) {
    return this._run('getLatestToken', [], callback, (n) => this._token(n, false))
  }

  /** wechat-api's getAccessToken: a newly fetched token (callers use it to refresh), as an AccessToken. */
  getAccessToken(callback) {
    return this._run('getAccessToken', [], callback, (n) => this._token(n, true))
  }

  async _token(n, fresh) {
    const t = await n.latestToken(fresh)
    const saved = n.takeFreshToken()
    if (saved && this._tokenStore) await this._tokenStore.save(saved)
    return { data: new AccessToken(t.accessToken, t.expireTime) }
  }

  /** wechat-api's registerTicketHandle: the user keeps JS-SDK tickets (`get(type, cb)`, `save(type, ticket, cb)`). */
  registerTicketHandle(getTicketToken, saveTicketToken) {
    if (getTicketToken === undefined && saveTicketToken === undefined) {
      this._ticketStore = null
      return
    }
    if (typeof getTicketToken !== 'function') throw new TypeError('getTicketToken: must be a function (type, callback)')
    if (typeof saveTicketToken !== 'function') throw new TypeError('saveTicketToken: must be a function (type, ticket, callback)')
    this._ticketStore = { get: nodeify(getTicketToken, this), save: nodeify(saveTicketToken, this) }
  }

  /** wechat-api's getTicket(type): a newly fetched ticket (Ticket), saved to the ticket handle. */
  getTicket(...all) {
    const [args, cb] = splitCallback(all)
    const type = args[0] || 'jsapi'
    return this._run('getTicket', args, cb, async (n) => {
      const t = await n.ticket(type, true)
      const ticket = new Ticket(t.ticket, t.expireTime)
      if (this._ticketStore) await this._ticketStore.save(type, ticket)
      return { data: ticket }
    })
  }

  getLatestTicket(callback) {
    return this._run('getLatestTicket', [], callback, async (n) => ({ data: await this._ticket(n, 'jsapi') }))
  }

  getJsConfig(param, callback) {
    checkJsConfigParam(param)
    return this._run('getJsConfig', [param], callback, async (n) => ({ data: jsConfig(this.appid, (await this._ticket(n, 'jsapi')).ticket, param) }))
  }

  getCardExt(param, callback) {
    checkCardParam(param)
    return this._run('getCardExt', [param], callback, async (n) => ({ data: cardExt((await this._ticket(n, 'wx_card')).ticket, param) }))
  }

  /** sendCard(openid, card): the card goes with its card_ext, signed with the wx_card ticket. */
  sendCard(...all) {
    return this._sendCard('sendCard', all, false)
  }

  sendCardFromCs(...all) {
    return this._sendCard('sendCardFromCs', all, true)
  }

  _sendCard(method, all, fromCs) {
    const [args, cb] = splitCallback(all)
    const [openid, kfAccount, card] = fromCs ? args : [args[0], undefined, args[1]]
    if (openid === undefined || openid === null || openid === '') throw new TypeError(`openid: is required by ${method}`)
    checkCardParam(card, 'card')
    return this._run(method, args, cb, async (n) => {
      const ext = cardExt((await this._ticket(n, 'wx_card')).ticket, card)
      const body = { touser: openid, msgtype: 'wxcard', wxcard: { card_id: card.card_id, card_ext: ext } }
      if (fromCs) body.customservice = { kf_account: kfAccount }
      return n.postPath('/cgi-bin/message/custom/send', [], body)
    })
  }

  // A valid ticket from the user's ticket handle, else ours (given to the handle).
  async _ticket(n, type) {
    const store = this._ticketStore
    if (store) {
      const kept = await store.get(type)
      if (kept && Ticket(kept.ticket, kept.expireTime).isValid()) return new Ticket(kept.ticket, kept.expireTime)
    }
    const t = await n.ticket(type, false)
    const ticket = new Ticket(t.ticket, t.expireTime)
    if (store) await store.save(type, ticket)
    return ticket
  }

  // ---- wechat-api's local helpers ----

  /** The URL of a QR code's image for `ticket` (percent-encoded, as WeChat asks). */
  showQRCodeURL(ticket) {
    return this.mpPrefix + 'showqrcode?ticket=' + encodeURIComponent(ticket)
  }

  /** wechat-api 1.35 leaves this unimplemented (returns undefined); so does this. */
  getRedirectUrl() {
    return undefined
  }

  /** Shake-red-packet config `{openid, lottery_id, noncestr, sign}` signed with `key` (wechat-api's algorithm). */
  getShakehbConfig(openid, lotteryId, key) {
    const crypto = require('crypto')
    const params = { openid, lottery_id: lotteryId, noncestr: crypto.randomBytes(8).toString('hex').slice(0, 15) }
    const query = Object.keys(params).sort().map((k) => `${k}=${params[k]}`).join('&') + '&key=' + key
    params.sign = crypto.createHash('md5').update(query).digest('hex').toUpperCase()
    return params
  }

  /** wechat-api's massSendMPVideo: uploads the video for mass sending, then sends it. */
  massSendMPVideo(...all) {
    const [args, cb] = splitCallback(all)
    const [data, receivers] = args
    return this._run('massSendMPVideo', args, cb, async (n, wantRes) => {
      const uploaded = await this.uploadMPVideo(data)
      return n.call('massSendVideo', [uploaded.media_id, receivers].map(plain), wantRes)
    })
  }

  /** Closes what this client opened itself (an API instance's database pools). */
  close(callback) {
    const p = this._native.then((n) => n.close())
    if (typeof callback !== 'function') return p
    p.then(() => callback(null), callback)
    return undefined
  }

  // Runs hooks around `exec(native)`; callbacks get wechat-api's (err, data, res),
  // on an error too (WeChat's JSON answer and the HTTP response).
  _run(method, args, callback, exec) {
    const hook = this.hooks[method]
    const temp = {}
    const ctx = this._context
    const wantRes = typeof callback === 'function'
    const started = wantRes ? Date.now() : 0
    let meta
    let answered
    const p = new Promise((resolve, reject) => {
      const go = () => {
        this._native
          .then(async (n) => {
            if (this._tokenStore) await this._tokenStore.offer(n)
            let out
            try {
              out = await exec(n, wantRes)
            } catch (err) {
              ;({ data: answered, res: meta } = takeAnswer(err) || {})
              throw err
            }
            meta = out.res || undefined
            if (out.freshToken && this._tokenStore) await this._tokenStore.save(out.freshToken)
            return out.data
          })
          .then((data) => after(null, data), (err) => after(err))
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
    if (!wantRes) return p
    p.then((data) => callback(null, data, response(meta, data, started)), (err) => callback(err, answered, response(meta, answered, started)))
    return undefined
  }
}

/** Hooks every new client starts with (user code may add to it). */
Client.hooks = {}

/** A node-style or promise-returning user function (called with `self` as `this`) as a promise-returning one. */
function nodeify(fn, self) {
  return (...args) =>
    new Promise((resolve, reject) => {
      const out = fn.call(self, ...args, (err, v) => (err ? reject(err) : resolve(v)))
      if (out && typeof out.then === 'function') out.then(resolve, reject)
    })
}

// One JS method per native method: plain calls, uploads and downloads.
for (const [method, m] of TABLE) {
  if (Client.prototype[method]) continue
  const fileAt = m.params.findIndex((p) => p === 'filepath' || p === 'req')
  let body
  if (m.kind === 'upload') {
    body = function (args, n) {
      const file = args[fileAt]
      const rest = args.map((a, i) => (i === fileAt ? null : plain(a)))
      if (m.params[fileAt] === 'req') {
        if (!file || typeof file.on !== 'function') throw new TypeError('req: must be a readable stream (an incoming multipart request)')
        const ctype = file.headers && file.headers['content-type']
        return readStream(file).then((buf) => n.upload(method, buf, rest, undefined, ctype || undefined))
      }
      if (Buffer.isBuffer(file)) return n.upload(method, file, rest, 'media', undefined)
      if (typeof file !== 'string' || file === '') throw new TypeError('filepath: must be a file path or a Buffer')
      return n.upload(method, path.resolve(file), rest, undefined, undefined)
    }
  } else if (m.kind === 'image') {
    // A Buffer carrying its content type; WeChat's JSON (an error) rejects instead.
    body = async function (args, n) {
      const r = await n.image(method, args.map(plain))
      return { data: Object.assign(r.data, { contentType: r.contentType }), res: r.res }
    }
  } else if (m.kind === 'download') {
    body = async function (args, n) {
      const d = await n.download(method, args.map(plain))
      return { data: d.json != null ? d.json : d.data, res: d.res }
    }
  } else {
    body = function (args, n, wantRes) {
      return n.call(method, args.map(plain), wantRes)
    }
  }
  Client.prototype[method] = function (...all) {
    const [args, cb] = splitCallback(all)
    return this._run(method, args, cb, (n, wantRes) => body(args, n, wantRes))
  }
}
module.exports = { Client, AccessToken, nodeify, API_METHODS: TABLE }

'use strict'
// The official-account API client (wechat-api 1.35's method names, argument
// forms and callback shapes), acting for one account. Requests, tokens,
// tickets and retries are native; this adds callbacks/promises, the original
// wxthirdparty hooks, and the bridge to user-kept tokens and tickets.
const path = require('path')
const { binding, settle, splitCallback } = require('./native')

// name -> { params, kind: 'call' | 'upload' | 'download' | 'image', retired, fields }
const TABLE = new Map(binding.apiMethodTable().map((m) => [m.name, m]))

// JSON can't carry Dates; wechat-api's shop orders take them.
const plain = (v) => (v instanceof Date ? v.getTime() : v === undefined ? null : v)

function readStream(stream) {
  return new Promise((resolve, reject) => {
    const chunks = []
    stream.on('data', (c) => chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c)))
    stream.on('end', () => resolve(Buffer.concat(chunks)))
    stream.on('error', reject)
  })
}

class Client {
  /**
   * @param native a NativeClient, or a Promise of one (an API instance opens it asynchronously)
   * @param context `this` for hooks: `{ component, user }` or `{ api }`
   */
  constructor(native, context) {
    Object.defineProperty(this, '_native', { value: Promise.resolve(native), writable: true })
    Object.defineProperty(this, '_context', { value: context || {} })
    Object.defineProperty(this, '_tokenStore', { value: null, writable: true })
    Object.defineProperty(this, '_ticketStore', { value: null, writable: true })
    // A rejected open must not become an unhandled rejection before the first call.
    this._native.catch(() => {})
    /** Per-method hooks: `{ before(...args, next, temp), after(err, data, next, temp) }`. */
    this.hooks = Object.assign({}, Client.hooks)
    if (native && typeof native.appid === 'string') this.appid = native.appid
  }

  /** Any wechat-api method by name: `client.invoke('getUser', [openid])`. */
  invoke(method, args, callback) {
    if (typeof this[method] !== 'function' || !TABLE.has(method)) throw new TypeError(`method: ${method} is not an official-account API method`)
    return this[method](...(args || []), callback)
  }

  // ---- tokens and tickets ----

  getLatestToken(callback) {
    return this._run('getLatestToken', [], callback, async (n) => {
      const t = await n.latestToken()
      const fresh = n.takeFreshToken()
      if (fresh && this._tokenStore) await this._tokenStore.save(fresh)
      return { data: t }
    })
  }

  /** wechat-api's getAccessToken: the account's current token object `{accessToken, expireTime}`. */
  getAccessToken(callback) {
    return this.getLatestToken(callback)
  }

  /** wechat-api's registerTicketHandle: the user keeps JS-SDK tickets (`get(type, cb)`, `save(type, ticket, cb)`). */
  registerTicketHandle(getTicketToken, saveTicketToken) {
    if (getTicketToken === undefined && saveTicketToken === undefined) {
      this._ticketStore = null
      return
    }
    if (typeof getTicketToken !== 'function') throw new TypeError('getTicketToken: must be a function (type, callback)')
    if (typeof saveTicketToken !== 'function') throw new TypeError('saveTicketToken: must be a function (type, ticket, callback)')
    this._ticketStore = { get: nodeify(getTicketToken), save: nodeify(saveTicketToken) }
  }

  getTicket(...all) {
    const [args, cb] = splitCallback(all)
    const type = args[0] || 'jsapi'
    return this._run('getTicket', args, cb, async (n) => ({ data: await this._ticket(n, type) }))
  }

  getLatestTicket(callback) {
    return this.getTicket('jsapi', callback)
  }

  getJsConfig(param, callback) {
    return this._run('getJsConfig', [param], callback, async (n) => {
      if (!this._ticketStore) return { data: await n.jsConfig(param || {}) }
      await this._ticket(n, 'jsapi')
      return { data: await n.jsConfig(param || {}) }
    })
  }

  getCardExt(param, callback) {
    return this._run('getCardExt', [param], callback, async (n) => ({ data: await n.cardExt(param || {}) }))
  }

  async _ticket(n, type) {
    const store = this._ticketStore
    if (store) {
      const kept = await store.get(type)
      if (kept && kept.ticket && kept.expireTime > Date.now()) return kept
    }
    const t = await n.ticket(type)
    if (store) await store.save(type, t)
    return t
  }

  // ---- wechat-api's local helpers ----

  /** The URL of a QR code's image for `ticket`. */
  showQRCodeURL(ticket) {
    return 'https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=' + encodeURIComponent(ticket)
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
  massSendMPVideo(data, receivers, callback) {
    const p = (async () => {
      const uploaded = await this.uploadMPVideo(data)
      return this.massSendVideo(uploaded.media_id, receivers)
    })()
    return settle(p, callback)
  }

  /** wechat-api's request(url, opts, callback): a raw HTTP call (urllib-style opts: type/method, data, headers, timeout, dataType). */
  request(url, opts, callback) {
    if (typeof opts === 'function') [opts, callback] = [{}, opts]
    if (typeof url !== 'string') throw new TypeError('url: must be a string')
    const o = opts || {}
    const method = (o.type || o.method || 'GET').toUpperCase()
    let res
    const p = (async () => {
      let target = url
      let body
      if (o.data != null && method === 'GET') {
        const u = new URL(url)
        for (const [k, v] of Object.entries(o.data)) u.searchParams.set(k, String(v))
        target = u.toString()
      } else if (o.data != null) body = typeof o.data === 'string' || Buffer.isBuffer(o.data) ? o.data : JSON.stringify(o.data)
      const r = await fetch(target, { method, body, headers: o.headers, signal: o.timeout ? AbortSignal.timeout(o.timeout) : undefined })
      res = { status: r.status, headers: Object.fromEntries(r.headers) }
      const buf = Buffer.from(await r.arrayBuffer())
      return o.dataType === 'json' ? JSON.parse(buf.toString('utf8')) : buf
    })()
    return settle(p, callback, (cb, data) => cb(null, data, res))
  }

  /** wechat-api's preRequest(method, args): tokens are handled natively, so this just calls it. */
  preRequest(method, args) {
    return method.apply(this, Array.from(args || []))
  }

  /** Closes what this client opened itself (an API instance's database pools). */
  close(callback) {
    return settle(this._native.then((n) => n.close()), callback)
  }

  // Runs hooks around `exec(native)`; callbacks get wechat-api's (err, data, res).
  _run(method, args, callback, exec) {
    const hook = this.hooks[method]
    const temp = {}
    const ctx = this._context
    const wantRes = typeof callback === 'function'
    let res
    const p = new Promise((resolve, reject) => {
      const go = () => {
        this._native
          .then(async (n) => {
            if (this._tokenStore) await this._tokenStore.offer(n)
            const out = await exec(n, wantRes)
            res = out.res || undefined
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
    return settle(p, callback, (cb, data) => cb(null, data, res))
  }
}

/** Hooks every new client starts with (user code may add to it). */
Client.hooks = {}

/** A node-style or promise-returning user function as a promise-returning one. */
function nodeify(fn) {
  return (...args) =>
    new Promise((resolve, reject) => {
      const out = fn(...args, (err, v) => (err ? reject(err) : resolve(v)))
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
// Coded natively, not table rows.
for (const method of binding.apiMethods()) {
  if (Client.prototype[method]) continue
  Client.prototype[method] = function (...all) {
    const [args, cb] = splitCallback(all)
    return this._run(method, args, cb, (n, wantRes) => n.call(method, args.map(plain), wantRes))
  }
}

module.exports = { Client, API_METHODS: TABLE }

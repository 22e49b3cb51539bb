'use strict'
// wechat-api's `api.request(url, opts, callback)` is urllib 2's request:
// its options (type/method, data, content, stream, writeStream, headers,
// contentType, dataType, timeout, gzip, agent, followRedirect…) and its
// callback `(err, data, res)`. Code written against wechat-api's mixin
// pattern calls it; built-in methods use the native transport instead.
// One difference on purpose: urllib appends the URL (with its access_token)
// to error messages; these name the method and host only.
const http = require('http')
const https = require('https')
const qs = require('querystring')
const zlib = require('zlib')

const TIMEOUT = 5000 // urllib's default, connect and response each
const USER_AGENT = `wxthirdparty Node.js/${process.version.slice(1)} (${process.platform}; ${process.arch})`

function header(headers, name) {
  const k = Object.keys(headers).find((h) => h.toLowerCase() === name)
  return k === undefined ? undefined : headers[k]
}

/** The body and path urllib would send for `args` (urllib 2.21's rules). */
function encode(method, url, args, headers) {
  let body = args.content || args.data
  const asQuery = method === 'GET' || method === 'HEAD' || args.dataAsQueryString
  if (!args.content && body && typeof body !== 'string' && !Buffer.isBuffer(body)) {
    if (asQuery) body = qs.stringify(body)
    else {
      let ctype = header(headers, 'content-type')
      if (!ctype) headers['Content-Type'] = ctype = args.contentType === 'json' ? 'application/json' : 'application/x-www-form-urlencoded'
      body = ctype.split(';')[0].trim().toLowerCase() === 'application/json' ? JSON.stringify(body) : qs.stringify(body)
    }
  }
  let path = url.pathname + url.search
  if (asQuery && body) {
    path += (url.search ? '&' : '?') + body
    body = null
  }
  return { body, path }
}

function decode(args, res, buf, cb) {
  const encoding = res.headers['content-encoding']
  const finish = (err, raw) => {
    if (err) return cb(err, buf)
    if (args.dataType !== 'json' && args.dataType !== 'text') return cb(null, raw)
    const text = raw.toString('utf8')
    if (args.dataType === 'text') return cb(null, text)
    if (raw.length === 0) return cb(null, null)
    try {
      cb(null, JSON.parse(text))
    } catch (e) {
      e.name = 'JSONResponseFormatError'
      e.message += ` (data json format: ${JSON.stringify(text.length > 1024 ? text.slice(0, 512) + ' ...skip... ' + text.slice(-512) : text)})`
      cb(e, text)
    }
  }
  if (buf.length && encoding && encoding.toLowerCase() === 'gzip') zlib.gunzip(buf, finish)
  else finish(null, buf)
}

/**
 * urllib 2's request: `callback(err, data, res)`, or a Promise of
 * `{data, status, headers, res}` without one.
 */
function request(url, args, callback) {
  if (typeof args === 'function') [args, callback] = [{}, args]
  if (typeof url !== 'string' || url === '') throw new TypeError('url: must be a URL string')
  if (typeof callback !== 'function') {
    return new Promise((resolve, reject) => request(url, args, (err, data, res) => (err ? reject(err) : resolve({ data, status: res.status, headers: res.headers, res }))))
  }
  args = args || {}
  const target = new URL(/^https?:\/\//i.test(url) ? url : 'http://' + url)
  const method = String(args.type || args.method || 'GET').toUpperCase()
  const headers = { ...(args.headers || {}) }
  const { body, path } = encode(method, target, args, headers)
  if (body) headers['Content-Length'] = Buffer.isBuffer(body) ? body.length : Buffer.byteLength(body)
  if (args.dataType === 'json') headers.Accept = 'application/json'
  if (!header(headers, 'user-agent')) headers['User-Agent'] = USER_AGENT
  if (args.gzip && !header(headers, 'accept-encoding')) headers['Accept-Encoding'] = 'gzip'
  const secure = target.protocol === 'https:'
  const options = {
    host: target.hostname, port: target.port || (secure ? 443 : 80), path, method, headers,
    agent: secure ? args.httpsAgent : args.agent, auth: args.auth, lookup: args.lookup,
  }
  for (const k of ['pfx', 'key', 'passphrase', 'cert', 'ca', 'ciphers', 'rejectUnauthorized', 'secureProtocol', 'secureOptions']) {
    if (Object.prototype.hasOwnProperty.call(args, k)) options[k] = args[k]
  }
  if (typeof args.beforeRequest === 'function') args.beforeRequest(options)
  const [connectTimeout, responseTimeout] = Array.isArray(args.timeout) ? args.timeout : [args.timeout || TIMEOUT, args.timeout || TIMEOUT]
  const started = Date.now()
  const where = `${method} ${target.host}`
  const meta = { status: -1, headers: {}, size: 0, aborted: false, keepAliveSocket: false, remoteAddress: '', remotePort: '' }
  let settled = false
  let timer = null
  const done = (err, data) => {
    if (settled) return
    settled = true
    clearTimeout(timer)
    const res = { status: meta.status, statusCode: meta.status, headers: meta.headers, size: meta.size, aborted: meta.aborted,
      rt: Date.now() - started, keepAliveSocket: meta.keepAliveSocket, data, requestUrls: [], timing: null,
      remoteAddress: meta.remoteAddress, remotePort: meta.remotePort }
    if (err) Object.assign(err, { data, status: meta.status, headers: meta.headers, res })
    callback(err || null, data, res)
  }
  const fail = (name, message) => {
    const e = new Error(message)
    e.name = name
    req.destroy()
    done(e)
  }
  const lib = secure ? https : http
  const req = lib.request(options, (res) => {
    meta.status = res.statusCode
    meta.headers = res.headers
    clearTimeout(timer)
    timer = setTimeout(() => fail('ResponseTimeoutError', `Response timeout for ${responseTimeout}ms, ${where}`), responseTimeout)
    if (args.followRedirect && [301, 302, 303, 307, 308].includes(res.statusCode) && res.headers.location) {
      res.resume()
      const hops = (args._redirects || 0) + 1
      if (hops > (args.maxRedirects || 10)) return done(Object.assign(new Error(`Exceeded maxRedirects, ${where}`), { name: 'MaxRedirectError' }))
      settled = true
      clearTimeout(timer)
      return request(new URL(res.headers.location, target).toString(), { ...args, _redirects: hops }, callback)
    }
    if (args.writeStream) {
      res.pipe(args.writeStream)
      return (args.consumeWriteStream === false ? res : args.writeStream).once(args.consumeWriteStream === false ? 'end' : 'close', () => done(null, null))
    }
    const chunks = []
    res.on('data', (c) => { meta.size += c.length; chunks.push(c) })
    res.on('aborted', () => { meta.aborted = true })
    res.on('end', () => decode(args, res, Buffer.concat(chunks, meta.size), done))
  })
  timer = setTimeout(() => fail('ConnectionTimeoutError', `Connect timeout for ${connectTimeout}ms, ${where}`), connectTimeout)
  req.once('socket', (socket) => {
    const connected = () => {
      meta.remoteAddress = socket.remoteAddress || ''
      meta.remotePort = socket.remotePort || ''
      clearTimeout(timer)
      timer = setTimeout(() => fail('ResponseTimeoutError', `Response timeout for ${responseTimeout}ms, ${where}`), responseTimeout)
    }
    if (socket.connecting) socket.once('connect', connected)
    else {
      meta.keepAliveSocket = true
      connected()
    }
  })
  req.on('error', (err) => {
    if (err.name === 'Error') err.name = meta.remoteAddress ? 'ResponseError' : 'RequestError'
    err.message += ` (req "error"), ${where}`
    done(err)
  })
  if (args.stream) {
    args.stream.once('error', (err) => {
      err.message += ' (stream "error")'
      req.destroy()
      done(err)
    })
    args.stream.pipe(req)
  } else req.end(body || undefined)
  return req
}

/**
 * wechat-api's and wechat-oauth's own `request(url, opts, callback)`: the
 * instance's `defaults` under `opts`, headers merged (into a copy: theirs
 * writes into the defaults' headers object).
 */
function requestWithDefaults(defaults, url, opts, callback) {
  if (typeof opts === 'function') [opts, callback] = [{}, opts]
  const options = { ...defaults }
  for (const k in opts || {}) {
    if (k !== 'headers') options[k] = opts[k]
    else if (opts.headers) options.headers = { ...(options.headers || {}), ...opts.headers }
  }
  return request(url, options, callback)
}

module.exports = { request, requestWithDefaults }

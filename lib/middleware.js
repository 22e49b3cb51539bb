'use strict'
// The authorization-event URL as a request handler. Works as plain
// `http.createServer(handler)`, Express `app.post(path, handler)` and Koa
// `app.use(handler)`; answers WeChat with `success`.
const { URL } = require('url')

const MAX_BODY = 1024 * 1024

function readBody(req) {
  // Body parsers may have run already (express.text(), raw(), koa-bodyparser).
  if (typeof req.body === 'string') return Promise.resolve(req.body)
  if (Buffer.isBuffer(req.body)) return Promise.resolve(req.body.toString('utf8'))
  if (typeof req.rawBody === 'string' || Buffer.isBuffer(req.rawBody)) return Promise.resolve(String(req.rawBody))
  return new Promise((resolve, reject) => {
    const chunks = []
    let size = 0
    req.on('data', (c) => {
      size += c.length
      if (size > MAX_BODY) {
        reject(Object.assign(new Error('push body is larger than 1 MB'), { status: 413 }))
        req.destroy()
      } else chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function queryOf(req) {
  const q = Object.fromEntries(new URL(req.url, 'http://localhost').searchParams)
  return q.msg_signature ? q : null
}

function middleware(server, opts) {
  const o = Object.assign({ requireSignature: true }, opts)
  async function handle(req) {
    const query = queryOf(req)
    if (!query && o.requireSignature) {
      return { status: 400, body: 'missing msg_signature' }
    }
    const body = await readBody(req)
    try {
      await server.handleEvent(body, query)
      return { status: 200, body: 'success' }
    } catch (e) {
      // Bad signature / wrong appid / malformed XML: refuse, change nothing.
      const status = e && (e.name === 'CryptoError' || e.name === 'ParseError' || e.name === 'TypeError') ? 400 : 500
      return { status, body: status === 400 ? 'invalid push' : 'error' }
    }
  }
  return function wxthirdpartyMiddleware(a, b, c) {
    const isKoa = a && a.req && a.res && typeof b === 'function' && c === undefined && typeof a.set === 'function'
    if (isKoa) {
      const ctx = a
      ctx.req.body = ctx.request.rawBody !== undefined ? ctx.request.rawBody : ctx.request.body
      return handle(ctx.req).then((r) => {
        ctx.status = r.status
        ctx.type = 'text/plain'
        ctx.body = r.body
      })
    }
    const req = a
    const res = b
    handle(req).then(
      (r) => {
        res.statusCode = r.status
        res.setHeader('content-type', 'text/plain')
        res.end(r.body)
      },
      (e) => {
        res.statusCode = (e && e.status) || 500
        res.end('error')
      },
    )
  }
}

module.exports = { middleware, readBody }

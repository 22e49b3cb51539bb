'use strict'
// The one adapter between node's request shapes (plain `http`, Express,
// Koa) and the package's request handlers (the push middleware, message
// URLs). Query parsing and the error → status table are native
// (src/http/): nothing here decides a status.
const { binding } = require('./native')

const MAX_BODY = 1024 * 1024
// Past this the sender is not draining politely: the socket goes.
const MAX_DRAIN = 16 * MAX_BODY

/** Thrown by readBody: answered 413 through the native table. */
class TooLarge extends Error {}

/** The raw body as a string; a body over 1 MB rejects with TooLarge once it has ended. */
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
      // Over the limit: read on without keeping it, so the 413 reaches the sender.
      if (size <= MAX_BODY) chunks.push(c)
      else if (size > MAX_DRAIN) req.destroy()
    })
    req.on('end', () => (size > MAX_BODY ? reject(new TooLarge('the body is larger than 1 MB')) : resolve(Buffer.concat(chunks).toString('utf8'))))
    req.on('error', reject)
  })
}

/** The request target with its query: Express's originalUrl when mounted. */
const urlOf = (req) => req.originalUrl || req.url || '/'

/** The request's query, percent-decoded natively (a malformed escape throws a ParseError). */
const queryOf = (req) => binding.requestQuery(urlOf(req))

/** The answer to a failure (`subject`: 'push' | 'message'), from the native table. */
const answerOf = (subject, err) => binding.httpErrorAnswer(subject, err && typeof err.name === 'string' ? err.name : null)

/** The answer to a request refused before any work ('too_large', 'method_not_allowed', 'missing_signature'). */
const refusal = (subject, why) => binding.httpRefusal(subject, why)

// The URL check's echo (GET) is the caller's own text: never served as markup.
const contentType = (method, body) => (method !== 'GET' && method !== 'HEAD' && body.startsWith('<') ? 'application/xml; charset=utf-8' : 'text/plain; charset=utf-8')

/**
 * A request handler for http, Express and Koa around `handle(req, res)`,
 * which resolves `{ status, body }`. A failure is answered from the native
 * table and told to `failed(err, answer)` (answer.rejected: a bad or forged
 * request).
 */
function handler(subject, handle, failed, name) {
  async function run(req, res) {
    try {
      return await handle(req, res)
    } catch (err) {
      // A refusal before any work is only answered, as the native listener does.
      if (err instanceof TooLarge) return refusal(subject, 'too_large')
      const a = answerOf(subject, err)
      failed(err, a)
      return a
    }
  }
  const fn = function (a, b, c) {
    const isKoa = a && a.req && a.res && typeof b === 'function' && c === undefined && typeof a.set === 'function'
    if (isKoa) {
      const ctx = a
      ctx.req.body = ctx.request.rawBody !== undefined ? ctx.request.rawBody : ctx.request.body
      if (ctx.params && !ctx.req.params) ctx.req.params = ctx.params
      return run(ctx.req, ctx.res).then((r) => {
        ctx.status = r.status
        ctx.type = contentType(ctx.req.method, r.body)
        ctx.set('x-content-type-options', 'nosniff')
        ctx.body = r.body
      })
    }
    const res = b
    run(a, res).then((r) => {
      if (res.headersSent || res.writableEnded) return
      res.statusCode = r.status
      res.setHeader('content-type', contentType(a.method, r.body))
      res.setHeader('x-content-type-options', 'nosniff')
      res.end(r.body)
    })
  }
  Object.defineProperty(fn, 'name', { value: name })
  return fn
}

const LIMIT_KEYS = ['headerTimeoutMs', 'idleTimeoutMs', 'bodyTimeoutMs', 'maxConnections']

/** Checks `connectionLimits` for a native server (src/http/serve.rs); undefined keeps every default. */
function connectionLimits(v, name) {
  if (v == null) return undefined
  if (typeof v !== 'object' || Array.isArray(v)) throw new TypeError(`${name}: must be an object { ${LIMIT_KEYS.join(', ')} }`)
  const out = {}
  for (const k of Object.keys(v)) {
    if (!LIMIT_KEYS.includes(k)) throw new TypeError(`${name}.${k}: unknown option (expected one of ${LIMIT_KEYS.join(', ')})`)
    if (!(Number.isInteger(v[k]) && v[k] > 0 && v[k] <= 0xffffffff)) throw new TypeError(`${name}.${k}: must be a positive integer`)
    out[k] = v[k]
  }
  return out
}

module.exports = { handler, readBody, queryOf, urlOf, refusal, connectionLimits, MAX_BODY }

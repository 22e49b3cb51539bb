'use strict'
// The authorization-event URL as a request handler (plain http, Express,
// Koa; see lib/http.js); answers WeChat with `success`.
const http = require('./http')

function middleware(server, opts) {
  const o = Object.assign({ requireSignature: true }, opts)
  async function handle(req) {
    const q = http.queryOf(req)
    const query = q.msg_signature ? q : null
    if (!query && o.requireSignature) return http.refusal('push', 'missing_signature')
    await server.handleEvent(await http.readBody(req), query)
    return { status: 200, body: 'success' }
  }
  // handleEvent has told push_rejected already; the answer says the rest.
  return http.handler('push', handle, () => {}, 'wxthirdpartyMiddleware')
}

module.exports = { middleware }

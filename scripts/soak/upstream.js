'use strict'
// One forwarder per fleet process in front of the sandbox: the process's
// apiBase. It passes every request through unchanged (a reset from the
// sandbox resets the process's connection too) and records which process
// obtained which credential, when — so the soak can tell a token refreshed
// twice by two processes from one refreshed once per lifetime. Tokens are
// only held in memory (to attribute JS-ticket calls), never logged.
const http = require('http')
const crypto = require('crypto')
const { once } = require('events')

const TOKEN_PATHS = {
  '/cgi-bin/component/api_component_token': ['component_access_token', (q, b) => b.component_appid, 'component_access_token'],
  '/cgi-bin/component/api_create_preauthcode': ['pre_auth_code', (q, b) => b.component_appid, 'pre_auth_code'],
  '/cgi-bin/component/api_authorizer_token': ['authorizer_access_token', (q, b) => b.authorizer_appid, 'authorizer_access_token'],
  '/cgi-bin/token': ['access_token', (q) => q.get('appid'), 'access_token'],
  '/cgi-bin/stable_token': ['access_token', (q, b) => b.appid, 'access_token'],
  '/cgi-bin/ticket/getticket': ['ticket', null, 'ticket'],
}

const digest = (t) => crypto.createHash('sha256').update(String(t)).digest('base64').slice(0, 16)

class Upstream {
  constructor(sandboxPort) {
    this.sandboxPort = sandboxPort
    /** [{ at, proc, side, kind, key, ok, errcode }] for token endpoints */
    this.refreshes = []
    /** calls per process: { proc: { total, failed } } */
    this.perProc = {}
    this.tokenOwner = new Map() // digest(access token) → appid
    this.authExchanges = [] // api_query_auth successes: { at, proc, appid }
    this.rejected = [] // { at, proc, side, path, errcode } answers 40001 / 42001 / 40014
    this.servers = []
  }

  /** A forwarder for process `proc` on `host`; resolves to its base URL. */
  async forwarder(proc, side, host) {
    const server = http.createServer((req, res) => this.#forward(proc, side, req, res))
    server.keepAliveTimeout = 5000
    server.listen(0, host)
    await once(server, 'listening')
    this.servers.push(server)
    return `http://${host}:${server.address().port}`
  }

  #forward(proc, side, req, res) {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('error', () => {})
    req.on('end', () => {
      const reqAt = Date.now()
      const body = Buffer.concat(chunks)
      const headers = { ...req.headers, host: `127.0.0.1:${this.sandboxPort}` }
      const up = http.request({ host: '127.0.0.1', port: this.sandboxPort, method: req.method, path: req.url, headers }, (ur) => {
        const out = []
        ur.on('data', (c) => out.push(c))
        ur.on('error', () => res.destroy())
        ur.on('end', () => {
          const answer = Buffer.concat(out)
          this.#record(proc, side, req.url, body, ur.statusCode, answer, reqAt)
          res.writeHead(ur.statusCode, ur.headers)
          res.end(answer)
        })
      })
      up.on('error', () => {
        // The sandbox dropped the connection (an injected reset): so do we.
        this.#record(proc, side, req.url, body, 0, Buffer.alloc(0), reqAt)
        req.socket.destroy()
      })
      up.end(body)
    })
  }

  #record(proc, side, url, body, status, answer, reqAt) {
    const u = new URL(url, 'http://x')
    if (u.pathname.startsWith('/__sandbox')) return
    const p = (this.perProc[proc] ||= { total: 0, failed: 0 })
    p.total++
    let json = null
    try { json = JSON.parse(answer.toString('utf8')) } catch {}
    let reqBody = {}
    try { reqBody = JSON.parse(body.toString('utf8') || '{}') } catch {}
    const errcode = json && json.errcode ? json.errcode : 0
    if (status !== 200 || errcode) p.failed++
    const at = Date.now()
    // A token WeChat refused (expired / invalid): who presented it, where.
    if ([40001, 42001, 40014].includes(errcode)) this.rejected.push({ at, proc, side, path: u.pathname, errcode })
    if (u.pathname === '/cgi-bin/component/api_query_auth' && status === 200 && !errcode && json?.authorization_info) {
      const info = json.authorization_info
      this.tokenOwner.set(digest(info.authorizer_access_token), info.authorizer_appid)
      this.authExchanges.push({ at, proc, appid: info.authorizer_appid })
      return
    }
    const spec = TOKEN_PATHS[u.pathname]
    if (!spec) return
    const [kind, keyOf, field] = spec
    const ok = status === 200 && !errcode && json && typeof json[field] === 'string'
    let key
    if (keyOf) key = keyOf(u.searchParams, reqBody) || '?'
    else key = `${u.searchParams.get('type') || 'jsapi'}:${this.tokenOwner.get(digest(u.searchParams.get('access_token'))) || '?'}`
    if (ok && field !== 'ticket' && field !== 'pre_auth_code') this.tokenOwner.set(digest(json[field]), key)
    this.refreshes.push({ reqAt, at, proc, side, kind, key, ok, status, errcode })
  }

  close() {
    for (const s of this.servers) { s.closeAllConnections?.(); s.close() }
  }
}

module.exports = { Upstream }

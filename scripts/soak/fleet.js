'use strict'
// Fleet processes of the soak (masters, workers, the token service), on
// this machine or inside the namespace, with their RSS sampled over time;
// and the front: the platform's public URLs (授权事件接收URL, message URL)
// spread over the workers, as a load balancer would — a worker it cannot
// connect to is skipped (never a request that may have been delivered).
// An audit event of the rollout's mini programs goes first to the
// namespace's worker, over the WAN link that the partition leaves up; its
// retries go round the workers as everything else does.
const fs = require('fs')
const path = require('path')
const http = require('http')
const net = require('net')
const crypto = require('crypto')
const { spawn } = require('child_process')
const { once } = require('events')

const CHILD = path.join(__dirname, 'child.js')
const BIN = path.join(__dirname, '..', '..', 'bin', 'wxthirdparty.js')

function rssMiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : null
  } catch { return null }
}

class Proc {
  /** name e.g. 'master-1'; side 'host' | 'ns'; opts go to child.js as WXTP_SOAK. */
  constructor(fleet, name, role, side, opts) {
    Object.assign(this, { fleet, name, role, side, opts })
    this.generation = 0
    this.rss = [] // [t, MiB, generation]
  }

  start() {
    this.generation++
    const env = { ...process.env, WXTP_SOAK: JSON.stringify(this.opts) }
    const [cmd, args] = this.side === 'ns'
      ? this.fleet.ns.exec(process.execPath, [CHILD])
      : [process.execPath, [CHILD]]
    const out = fs.openSync(this.fleet.logFile, 'a')
    const child = spawn(cmd, args, { env, stdio: ['ignore', out, out, 'ipc'] })
    fs.closeSync(out)
    this.child = child
    this.port = null
    this.exited = once(child, 'exit')
    this.listening = new Promise((resolve) => {
      child.on('message', (m) => {
        if (m.listening) { this.port = m.listening; resolve() }
        this.fleet.onMessage(this, m)
      })
    })
    child.on('error', () => {})
    return this
  }

  get alive() { return this.child && this.child.exitCode === null && this.child.signalCode === null }
  get pid() { return this.child && this.child.pid }
  send(m) { if (this.alive) { try { this.child.send(m) } catch {} } }

  kill() { if (this.alive) this.child.kill('SIGKILL'); return this.exited }

  async stop() {
    if (!this.alive) return
    this.send({ stop: true })
    const t = setTimeout(() => this.child.kill('SIGKILL'), 8000)
    await this.exited
    clearTimeout(t)
  }

  sampleRss(t) {
    if (!this.alive) return
    const mib = rssMiB(this.pid)
    if (mib != null) this.rss.push([t, mib, this.generation])
  }
}

/** The token service (`wxthirdparty serve`), on this machine. */
class ServiceProc extends Proc {
  start() {
    this.generation++
    const o = this.opts
    const child = spawn(process.execPath, [BIN, 'serve', '--db', o.db, '--port', '0', '--host', '0.0.0.0', '--api-base', o.apiBase],
      { env: { ...process.env, WXTP_AUTH_TOKEN: o.authToken }, stdio: ['ignore', 'pipe', 'pipe'] })
    this.child = child
    this.exited = once(child, 'exit')
    const log = fs.createWriteStream(this.fleet.logFile, { flags: 'a' })
    child.stderr.pipe(log)
    this.listening = new Promise((resolve, reject) => {
      let buf = ''
      child.stdout.on('data', (d) => {
        buf += d
        const m = /listening on http:\/\/[^:]+:(\d+)/.exec(buf)
        if (m && !this.port) { this.port = Number(m[1]); resolve() }
      })
      child.once('exit', (c) => reject(new Error(`token service exited (${c}); see ${this.fleet.logFile}`)))
    })
    this.listening.catch(() => {})
    return this
  }

  async stop() {
    if (!this.alive) return
    this.child.kill('SIGTERM')
    const t = setTimeout(() => this.child.kill('SIGKILL'), 8000)
    await this.exited
    clearTimeout(t)
  }
}

/** The platform's public URLs, round-robin over the workers that accept a connection. */
async function startFront(fleet) {
  let next = 0
  const downUntil = new Map()
  const tries = new Map() // digest of an audit event's body → deliveries seen
  const connect = (w, host = w.opts.listenHost) => new Promise((resolve) => {
    const s = net.connect(w.port, host)
    const timer = setTimeout(() => { s.destroy(); resolve(null) }, 300)
    s.once('connect', () => { clearTimeout(timer); resolve(s) })
    s.once('error', () => { clearTimeout(timer); resolve(null) })
  })
  const server = http.createServer(async (req, res) => {
    const chunks = []
    for await (const c of req) chunks.push(c)
    const body = Buffer.concat(chunks)
    const workers = fleet.procs.filter((p) => p.role === 'worker' && p.alive && p.port)
    const appid = /^\/msg\/([^/]+)\//.exec(req.url)?.[1]
    if (appid && fleet.rolloutAppids?.has(appid)) {
      const key = crypto.createHash('sha256').update(body).digest('hex')
      const attempt = (tries.get(key) || 0) + 1
      tries.set(key, attempt)
      const ns = workers.find((w) => w.side === 'ns' && w.opts.wanHost)
      const socket = attempt === 1 && ns ? await connect(ns, ns.opts.wanHost) : null
      ;(fleet.auditRoutes ||= []).push({ appid, attempt, proc: socket ? ns.name : null, at: Date.now() })
      if (socket) return pass(socket, req, res, body)
    }
    for (let i = 0; i < workers.length; i++) {
      const w = workers[next++ % workers.length]
      if ((downUntil.get(w) || 0) > Date.now()) continue
      const socket = await connect(w)
      if (!socket) { downUntil.set(w, Date.now() + 1000); continue }
      return pass(socket, req, res, body)
    }
    res.statusCode = 503
    res.end('no worker')
  })
  const pass = (socket, req, res, body) => {
    const up = http.request({ createConnection: () => socket, method: req.method, path: req.url, headers: { ...req.headers, connection: 'close' } }, (ur) => {
      res.writeHead(ur.statusCode, ur.headers)
      ur.pipe(res)
    })
    up.on('error', () => { if (!res.headersSent) { res.statusCode = 502; res.end('worker failed') } else res.destroy() })
    up.end(body)
  }
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => { server.closeAllConnections?.(); server.close() } }
}

module.exports = { Proc, ServiceProc, startFront, rssMiB }

'use strict'
// One soak run on one database kind: sets up the database server, the
// namespace, the sandbox, the fleet; drives traffic, a rollout (rollout.js)
// and the fault schedule; collects what report.js judges. Everything it makes is torn down in
// `cleanup`, also when a step fails (soak.js calls it on SIGINT too).
const fs = require('fs')
const os = require('os')
const path = require('path')
const crypto = require('crypto')
const { execFileSync } = require('child_process')
const { startSandbox } = require('../..')
const { DbServer } = require('./db')
const { Namespace } = require('./netns')
const { Upstream } = require('./upstream')
const { Proc, ServiceProc, startFront, rssMiB } = require('./fleet')
const { SoakRollout } = require('./rollout')

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const BIN = path.join(__dirname, '..', '..', 'bin', 'wxthirdparty.js')

/** Seconds from the start at which each fault happens, as shares of the run. */
function schedule(seconds) {
  const at = (share) => Math.round(seconds * share * 1000)
  return {
    invalidate: [at(0.12), at(0.85)],
    masterKill: at(0.22),
    workerKill: at(0.32),
    partition: at(0.42),
    dbRestart: at(0.68),
    authorizeEvery: Math.max(8000, at(0.2)),
  }
}

class Run {
  constructor({ kind, seconds, lifetime, rolloutApps = 16, log }) {
    Object.assign(this, { kind, seconds, lifetime, rolloutApps, log })
    this.cleanups = []
    this.events = [] // { name, at, ... }
    this.calls = [] // { proc, side, kind, at, ms, err? }
    this.tickets = [] // ticket events { proc, at }
    this.authorizedEvents = [] // { proc, appid, at }
    this.handled = new Map() // message key → [proc]
    this.procEvents = [] // { proc, ev, at, detail }
    this.authorizers = [] // { appid, wxToken, openid, at }
    this.authorizations = [] // { appid, at, redirect: wxToken | error, tries }
    this.messages = [] // { key, at, result }
    this.wxaHandled = [] // audit events the workers' handlers saw: { proc, side, appid, event, at }
    this.pending = new Set()
    this.pendingIpc = new Map()
    this.ipcId = 0
  }

  event(name, extra = {}) {
    const e = { name, at: Date.now(), ...extra }
    this.events.push(e)
    this.log(`  ${((e.at - this.t0) / 1000).toFixed(1).padStart(6)} s  ${name}${Object.keys(extra).length ? ' ' + JSON.stringify(extra) : ''}`)
    return e
  }

  async cleanup() {
    for (const f of this.cleanups.reverse()) { try { await f() } catch {} }
    this.cleanups = []
  }

  onMessage(proc, m) {
    if (m.calls) for (const c of m.calls) this.calls.push({ proc: proc.name, side: proc.side, kind: c[0], at: c[1], ms: c[2], err: c[3] ? { name: c[3], code: c[4], message: c[5] } : null })
    if (m.ev === 'ticket') this.tickets.push({ proc: proc.name, at: m.at })
    else if (m.ev === 'wxa') this.wxaHandled.push({ proc: proc.name, side: proc.side, appid: m.appid, event: m.event, at: m.at })
    else if (m.ev === 'authorized') this.authorizedEvents.push({ proc: proc.name, appid: m.appid, at: m.at })
    else if (m.ev === 'message') {
      const list = this.handled.get(m.key) || []
      list.push(proc.name)
      this.handled.set(m.key, list)
    } else if (m.ev) this.procEvents.push({ proc: proc.name, ev: m.ev, at: m.at, detail: m.detail })
    if (m.id && this.pendingIpc.has(m.id)) { this.pendingIpc.get(m.id)(m); this.pendingIpc.delete(m.id) }
  }

  ask(proc, msg, timeoutMs = 20000) {
    const id = ++this.ipcId
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.pendingIpc.delete(id); resolve({ error: 'no answer (process gone?)' }) }, timeoutMs)
      this.pendingIpc.set(id, (m) => { clearTimeout(t); resolve(m) })
      proc.send({ ...msg, id })
    })
  }

  async setup() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxtp-soak-run-'))
    this.logFile = path.join(dir, 'processes.log')
    this.cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }))

    this.ns = new Namespace()
    this.ns.create()
    this.cleanups.push(() => this.ns.destroy())

    this.db = new DbServer(this.kind)
    this.cleanups.push(() => this.db.destroy())
    await this.db.init()

    const L = this.lifetime
    this.sandbox = await startSandbox({
      lifetimes: { componentAccessToken: L, preAuthCode: L, authorizerAccessToken: L, accessToken: L, ticket: L, oauth: L },
      graceSecs: 2,
      pushIntervalSecs: 10,
      defaultFollowers: 3,
    })
    this.cleanups.push(() => this.sandbox.close())
    this.upstream = new Upstream(this.sandbox.port)
    this.cleanups.push(() => this.upstream.close())

    this.creds = {
      appid: `wxsoak${crypto.randomBytes(5).toString('hex')}`,
      secret: crypto.randomBytes(16).toString('hex'),
      token: `tok${crypto.randomBytes(4).toString('hex')}`,
      key: crypto.randomBytes(32).toString('base64').slice(0, 43),
    }
    this.front = await startFront(this)
    this.cleanups.push(() => this.front.close())
    await this.sandbox.registerComponent({
      appid: this.creds.appid, secret: this.creds.secret, token: this.creds.token, encodingAESKey: this.creds.key,
      pushUrl: `${this.front.url}/auth`, messageUrl: `${this.front.url}/msg/$APPID$/callback`,
    })

    // The token service: one account of its own, on the same database.
    this.service = { appid: `wxsvc${crypto.randomBytes(5).toString('hex')}`, secret: crypto.randomBytes(16).toString('hex'), authToken: crypto.randomBytes(12).toString('hex') }
    await this.sandbox.registerApp(this.service.appid, this.service.secret)
    execFileSync(process.execPath, [BIN, 'app', 'add', '--db', this.db.url('127.0.0.1'), '--appid', this.service.appid],
      { env: { ...process.env, WXTP_APP_SECRET: this.service.secret }, stdio: ['ignore', 'ignore', 'pipe'] })

    this.procs = []
    this.cleanups.push(async () => { await Promise.all(this.procs.map((p) => p.kill())) })
    const svc = new ServiceProc(this, 'token-service', 'service', 'host', {
      db: this.db.url('127.0.0.1'), apiBase: await this.upstream.forwarder('token-service', 'host', '127.0.0.1'), authToken: this.service.authToken,
    })
    this.procs.push(svc.start())
    await svc.listening
    this.serviceProc = svc

    const make = async (name, role, side) => {
      const host = side === 'ns' ? this.ns.hostAddr : '127.0.0.1'
      const p = new Proc(this, name, role, side, {
        role, name, ...this.creds, db: this.db.url(host), apiBase: await this.upstream.forwarder(name, side, host),
        leaseTtlMs: 2000, intervalMs: this.intervalMs, listenHost: side === 'ns' ? this.ns.nsAddr : '127.0.0.1',
        ...(side === 'ns' ? { bindHost: '0.0.0.0', wanHost: this.ns.wanNsAddr } : {}),
        service: `http://${host}:${svc.port}`, serviceAppid: this.service.appid, authToken: this.service.authToken,
      })
      this.procs.push(p)
      return p
    }
    this.intervalMs = 500
    this.masters = [await make('master-1', 'master', 'host'), await make('master-2', 'master', 'ns')]
    this.workers = [await make('worker-1', 'worker', 'host'), await make('worker-2', 'worker', 'host'),
      await make('worker-3', 'worker', 'host'), await make('worker-4', 'worker', 'ns')]
    for (const w of this.workers) w.start()
    await Promise.all(this.workers.map((w) => w.listening))
    for (const m of this.masters) m.start()
    this.t0 = Date.now()
    this.event('fleet started', { pids: Object.fromEntries(this.procs.map((p) => [p.name, p.pid])) })
    // Ready: the masters asked for a ticket push, a worker stored it, a master fetched the token.
    for (let i = 0; i < 300 && !this.procEvents.some((e) => e.ev === 'ready'); i++) await sleep(100)
    if (!this.procEvents.some((e) => e.ev === 'ready')) throw new Error(`the fleet never became ready; see ${this.logFile}`)
    this.event('ready')
  }

  broadcastAuthorizers() {
    const list = this.authorizers.map(({ appid, wxToken, openid }) => ({ appid, wxToken, openid }))
    for (const w of this.workers) w.send({ authorizers: list })
  }

  /** An admin authorizes a new account: the push and the redirect race to exchange the code. */
  async authorizeOne() {
    const r = await this.sandbox.authorize(this.creds.appid, { followers: 3, push: true })
    const entry = { appid: r.authorizerAppid, at: Date.now(), tries: 0, redirect: null, errors: [] }
    this.authorizations.push(entry)
    for (;;) {
      const hosts = this.workers.filter((w) => w.side === 'host' && w.alive)
      const w = hosts[Math.floor(Math.random() * hosts.length)]
      entry.tries++
      const a = w ? await this.ask(w, { handleAuthCode: r.authCode }) : { error: 'no worker' }
      if (a.wxToken) { entry.redirect = a.wxToken; break }
      if ((entry.errors ||= []).length < 4 && !entry.errors.includes(a.error)) entry.errors.push(a.error)
      // The admin reloads the page; the auth_code lives an hour.
      if (entry.tries >= 15) { entry.redirect = null; break }
      await sleep(1000)
    }
    if (!entry.redirect) return
    const openid = (await this.sandbox.followers(r.authorizerAppid))[0]
    this.authorizers.push({ appid: r.authorizerAppid, wxToken: entry.redirect, openid, at: Date.now() })
    this.broadcastAuthorizers()
  }

  sendMessages(until) {
    let i = 0
    const tick = () => {
      if (Date.now() >= until || !this.authorizers.length) return
      const a = this.authorizers[i % this.authorizers.length]
      const key = `soak-${i++}`
      const m = { key, appid: a.appid, at: Date.now(), result: null }
      this.messages.push(m)
      const p = this.sandbox.sendMessage(a.appid, { MsgType: 'text', Content: key })
        .then((d) => { m.result = { status: d.status, reply: d.reply && d.reply.Content, attempts: d.attempts.length, error: d.error || null } },
          (e) => { m.result = { error: String(e.message || e) } })
        .finally(() => this.pending.delete(p))
      this.pending.add(p)
    }
    this.msgTimer = setInterval(tick, 300)
  }

  /** The master that obtained a credential last: the one refreshing under the lease. */
  leaseHolder(side) {
    const masters = new Set(this.masters.filter((m) => m.alive && (!side || m.side === side)).map((m) => m.name))
    const last = [...this.upstream.refreshes].reverse().find((r) => r.ok && masters.has(r.proc))
    return last ? this.masters.find((m) => m.name === last.proc) : null
  }

  async main() {
    const s = schedule(this.seconds)
    const end = this.t0 + this.seconds * 1000
    const rssTimer = setInterval(() => {
      const t = Date.now() - this.t0
      for (const p of this.procs) p.sampleRss(t)
      ;(this.driverRss ||= []).push([t, rssMiB(process.pid), 1])
    }, 2000)
    this.cleanups.push(() => clearInterval(rssTimer))
    const when = (ms) => sleep(Math.max(0, this.t0 + ms - Date.now()))
    this.lag = require('perf_hooks').monitorEventLoopDelay({ resolution: 20 })
    this.lag.enable()

    // The rollout's mini programs and the first accounts, before the faults.
    this.rollout = this.rolloutApps ? new SoakRollout(this, { count: this.rolloutApps }) : null
    const prepared = this.rollout?.prepare()
    for (let i = 0; i < 3; i++) await this.authorizeOne()
    this.event('authorized', { count: this.authorizers.length })
    await prepared
    await this.rollout?.start()
    this.sendMessages(end - 3000)
    const authLoop = (async () => {
      for (let k = 1; Date.now() + s.authorizeEvery < end - 5000; k++) {
        await sleep(s.authorizeEvery)
        await this.authorizeOne().catch((e) => this.event('authorize failed', { error: e.message }))
      }
    })()
    const faults = this.rotateFaults(end - 2000)

    await when(s.invalidate[0]); await this.sandbox.invalidateTokens(); this.event('invalidate tokens')

    await when(s.masterKill)
    // The rollout's driver (a master holding the rollout's lease and its
    // share of the token leases) when there is one: its death mid-rollout.
    const driver = await this.rollout?.driverProc()
    const holder = driver || this.leaseHolder() || this.masters[0]
    this.event('SIGKILL lease-holding master', { proc: holder.name, side: holder.side, pid: holder.pid, rolloutDriver: !!driver })
    await holder.kill()
    await sleep(3000)
    holder.start()
    this.event('master restarted', { proc: holder.name, pid: holder.pid })

    await when(s.workerKill)
    const victim = this.workers[1]
    this.event('SIGKILL worker', { proc: victim.name, pid: victim.pid })
    await victim.kill()
    await sleep(2000)
    victim.start()
    await victim.listening
    this.broadcastAuthorizers()
    this.event('worker restarted', { proc: victim.name, pid: victim.pid })

    await when(s.partition)
    // Cut while the namespace's master is the one refreshing, when it can be arranged.
    for (let i = 0; i < 80 && this.leaseHolder()?.side !== 'ns'; i++) await sleep(100)
    const nsHeld = this.leaseHolder()?.side === 'ns'
    this.ns.cut()
    this.event('partition: link down', { leaseHolderSide: nsHeld ? 'ns' : 'host' })
    await sleep(10000)
    this.ns.heal()
    this.event('partition: link up')

    await when(s.dbRestart)
    this.event('database stopping')
    await this.db.stop()
    this.event('database down')
    await sleep(3000)
    await this.db.start()
    this.event('database up')

    await when(s.invalidate[1]); await this.sandbox.invalidateTokens(); this.event('invalidate tokens')

    await when(this.seconds * 1000)
    clearInterval(this.msgTimer)
    await faults
    await authLoop
    this.event('traffic stops; waiting for messages in flight', { pending: this.pending.size })
    await Promise.race([Promise.all([...this.pending]), sleep(20000)])
    if (this.rollout) {
      await this.rollout.settle(15000)
      this.event('rollout settled', { state: this.rollout.last?.state, counts: this.rollout.last?.counts })
    }
    await sleep(1500) // the last ticket / message reports arrive
    this.endAt = Date.now()
    await this.rollout?.collect()
    this.counters = await this.sandbox.counters()
    this.issued = await this.sandbox.issued()
    this.invalid = await this.sandbox.invalidTokenCalls()
    this.pushes = await this.sandbox.pushes()
    this.tokenRequests = [...await this.sandbox.requests('/cgi-bin/component/api_authorizer_token'),
      ...await this.sandbox.requests('/cgi-bin/component/api_component_token')]
    this.loopDelay = { max: Math.round(this.lag.max / 1e6), p99: Math.round(this.lag.percentile(99) / 1e6) }
    this.lag.disable()
    this.alive = Object.fromEntries(this.procs.map((p) => [p.name, p.alive]))
    this.authorizerRows = (await this.db.query('SELECT appid, COUNT(*) FROM wx_users_info GROUP BY appid')) || []
    await Promise.all(this.procs.map((p) => p.stop()))
    clearInterval(rssTimer)
  }

  /** 20% of upstream calls fail; the kind of failure changes every 2 s. */
  async rotateFaults(until) {
    const kinds = [{ errcode: -1 }, { errcode: 45009 }, 'http500', { delayMs: 800 }, 'reset']
    this.faultKinds = kinds.map((k) => JSON.stringify(k))
    for (let i = 0; Date.now() < until; i++) {
      await this.sandbox.setFailureRate(null, 0.2, kinds[i % kinds.length])
      await sleep(2000)
    }
    await this.sandbox.setFailureRate(null, 0, { errcode: -1 })
  }
}

module.exports = { Run, schedule }

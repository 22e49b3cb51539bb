'use strict'
// One process of the fleet test: a master (refreshes secrets) or a worker
// (serves API calls for an authorizer from what the store holds). Talks to
// the parent over IPC: 'ready', then {stats} when told to stop.
const { ThirdpartyServer } = require('../..')

const o = JSON.parse(process.env.WXTP_FLEET)
const isWorker = o.role === 'worker'
const platform = new ThirdpartyServer(o.appid, o.secret, o.token, o.key, o.db, isWorker, {
  apiBase: o.sandbox,
  maxTickMs: 200,
  pollIntervalMs: 100,
  leaseTtlMs: o.leaseTtlMs,
  pushTicketIntervalMs: 1000,
  failover: !!o.failover,
})
const stats = { role: o.role, pid: process.pid, ok: 0, failed: 0, errors: {}, refreshFailures: 0, calls: [], preAuthCodes: [] }
platform.on('refresh_failed', () => { stats.refreshFailures++ })
platform.on('db_error', () => {})
if (!isWorker) platform.start()

let wxToken = null
let stopping = false

async function workLoop() {
  while (!stopping) {
    if (wxToken) {
      const started = Date.now()
      try {
        const user = await platform.getAuthorizer(wxToken)
        const client = platform.createClient(user)
        const openid = o.openid
        const follower = await client.getUser(openid)
        if (follower.openid !== openid) throw new Error('wrong follower')
        // The authorize URL a worker hands out carries a pre_auth_code WeChat accepts.
        if (o.preAuth) stats.preAuthCodes.push(await platform.getPreAuthCode())
        stats.ok++
        if (o.record) stats.calls.push([started, Date.now() - started, 'ok'])
      } catch (e) {
        stats.failed++
        if (o.record) stats.calls.push([started, Date.now() - started, e.name])
        const k = `${e.name}:${e.code || ''}:${e.message}`.slice(0, 160)
        stats.errors[k] = (stats.errors[k] || 0) + 1
      }
    }
    await new Promise((r) => setTimeout(r, o.intervalMs))
  }
}

stats.authorized = []
platform.on('authorized', (e) => stats.authorized.push(e))

process.on('message', async (m) => {
  if (m.wxToken) wxToken = m.wxToken
  // The admin's redirect landing on this process: exchange (or find) the code.
  if (m.authCode) {
    platform.handleAuthCode(m.authCode).then(
      (u) => process.send({ exchanged: { wx_token: u.wx_token, appid: u.appid } }),
      (e) => process.send({ exchanged: { error: `${e.name}: ${e.message}` } }))
  }
  if (m.stop) {
    stopping = true
    await new Promise((r) => setTimeout(r, o.intervalMs * 2))
    await platform.close()
    process.send({ stats }, () => process.exit(0))
  }
})

platform.once('ready', () => process.send({ ready: true }))
if (isWorker) workLoop()

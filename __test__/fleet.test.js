'use strict'
// The fleet: 2 masters + 3 workers (separate processes) on one MariaDB or
// PostgreSQL database, against the sandbox with tokens that live a few
// seconds. Upstream refreshes stay at one per token lifetime (+1), no call
// ever presents an expired token, and every worker API call succeeds — also
// when a master dies mid-run, and when the sandbox fails 20% of calls.
const { test, describe } = require('node:test')
const assert = require('node:assert/strict')
const { fork } = require('child_process')
const path = require('path')
const { once } = require('events')
const { ThirdpartyServer, startSandbox } = require('..')
const { credentials, listen } = require('./helpers/platform')
const { MYSQL, POSTGRES, freshDatabase } = require('./helpers/databases')

const SECONDS = Number(process.env.WXTP_FLEET_SECONDS || 60)
const LIFETIME = 10 // seconds, for component_access_token, pre_auth_code and authorizer tokens

function spawnChild(opts) {
  const child = fork(path.join(__dirname, 'fleet', 'child.js'), [], {
    env: { ...process.env, WXTP_FLEET: JSON.stringify(opts) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  child.readyP = new Promise((resolve) => child.on('message', (m) => m.ready && resolve()))
  child.statsP = new Promise((resolve) => child.on('message', (m) => m.stats && resolve(m.stats)))
  return child
}

async function runFleet({ kind, failureRate, killMaster }) {
  const db = freshDatabase(kind, kind === 'mysql' ? MYSQL : POSTGRES)
  const sandbox = await startSandbox({
    lifetimes: { componentAccessToken: LIFETIME, preAuthCode: LIFETIME, authorizerAccessToken: LIFETIME },
    graceSecs: 2,
  })
  const creds = credentials()
  // The authorization-event URL is served by a worker-role instance here.
  const receiverPlatform = new ThirdpartyServer(creds.appid, creds.secret, creds.token, creds.key, db.url, true, {
    apiBase: sandbox.url, pollIntervalMs: 100,
  })
  const receiver = await listen(receiverPlatform.middleware())
  await sandbox.registerComponent({ appid: creds.appid, secret: creds.secret, token: creds.token, encodingAESKey: creds.key, pushUrl: `${receiver.url}/auth` })

  const base = { appid: creds.appid, secret: creds.secret, token: creds.token, key: creds.key, db: db.url, sandbox: sandbox.url, leaseTtlMs: 2000, intervalMs: 200 }
  const masters = [spawnChild({ ...base, role: 'master' }), spawnChild({ ...base, role: 'master' })]
  await Promise.race(masters.map((m) => m.readyP))
  const t0 = Date.now()
  if (!receiverPlatform.ready) await once(receiverPlatform, 'ready')

  // An admin authorizes one account; workers serve API calls for it.
  const { authCode } = await sandbox.authorize(creds.appid, { followers: 3 })
  const user = await receiverPlatform.handleAuthCode(authCode)
  const openid = (await receiverPlatform.createClient(user).getFollowers()).data.openid[0]
  const workers = [1, 2, 3].map(() => spawnChild({ ...base, role: 'worker', openid }))
  await Promise.all(workers.map((w) => w.readyP))
  for (const w of workers) w.send({ wxToken: user.wx_token })
  if (failureRate) await sandbox.setFailureRate(null, failureRate, { errcode: -1 })

  let killedAt = null
  if (killMaster) {
    await new Promise((r) => setTimeout(r, (SECONDS * 1000) / 3))
    masters[0].kill('SIGKILL')
    killedAt = Date.now()
  }
  await new Promise((r) => setTimeout(r, SECONDS * 1000 - (Date.now() - t0)))
  if (failureRate) await sandbox.setFailureRate(null, 0, { errcode: -1 })
  const alive = [...masters.slice(killMaster ? 1 : 0), ...workers]
  for (const c of alive) c.send({ stop: true })
  const stats = await Promise.all(alive.map((c) => c.statsP))
  const elapsed = (Date.now() - t0) / 1000
  const counters = await sandbox.counters()
  const issued = (await sandbox.issued?.()) || null
  const invalid = await sandbox.invalidTokenCalls()

  await receiverPlatform.close()
  await receiver.close()
  await sandbox.close()
  db.drop()
  return { stats, elapsed, counters, issued, invalid, killedAt }
}

function assertFleet(r, { failureRate }) {
  const bound = Math.floor(r.elapsed / LIFETIME) + 1
  const count = (p) => {
    const key = `/cgi-bin/component/${p}`
    // With injected failures, a failed call issued nothing: count successes.
    if (failureRate && r.issued) return r.issued[key] || 0
    return r.counters[key] || 0
  }
  const workerStats = r.stats.filter((s) => s.role === 'worker')
  const ok = workerStats.reduce((n, s) => n + s.ok, 0)
  const failed = workerStats.reduce((n, s) => n + s.failed, 0)
  const report = JSON.stringify({ elapsed: r.elapsed, bound, counters: r.counters, issued: r.issued, workers: workerStats }, null, 1)
  assert.ok(ok > 0, `workers made API calls\n${report}`)
  assert.equal(failed, 0, `every worker API call succeeds\n${report}`)
  assert.deepEqual(r.invalid, [], `no call presented an expired or invalid token\n${report}`)
  assert.ok(count('api_component_token') <= bound, `api_component_token ${count('api_component_token')} ≤ ${bound}\n${report}`)
  assert.ok(count('api_create_preauthcode') <= bound, `api_create_preauthcode ${count('api_create_preauthcode')} ≤ ${bound}\n${report}`)
  // One authorizer; its first token came from api_query_auth.
  assert.ok(count('api_authorizer_token') <= bound, `api_authorizer_token ${count('api_authorizer_token')} ≤ ${bound}\n${report}`)
}

function summary(r) {
  const c = (m, p) => (m && m[`/cgi-bin/component/${p}`]) || 0
  const w = r.stats.filter((s) => s.role === 'worker')
  return `elapsed ${r.elapsed.toFixed(1)} s, lifetime ${LIFETIME} s, bound ${Math.floor(r.elapsed / LIFETIME) + 1}; ` +
    ['api_component_token', 'api_create_preauthcode', 'api_authorizer_token']
      .map((p) => `${p} ${c(r.issued, p)} issued / ${c(r.counters, p)} calls`).join(', ') +
    `; worker API calls ${w.reduce((n, s) => n + s.ok, 0)} ok, ${w.reduce((n, s) => n + s.failed, 0)} failed; invalid-token calls ${r.invalid.length}`
}

for (const kind of ['mysql', 'postgres']) {
  describe(`fleet on ${kind}`, { timeout: (SECONDS + 60) * 1000 * 3 }, () => {
    test(`2 masters + 3 workers for ${SECONDS} s, one master killed mid-run`, async (t) => {
      const r = await runFleet({ kind, killMaster: true })
      t.diagnostic(summary(r))
      assertFleet(r, {})
    })
    test(`the same with the sandbox failing 20% of calls`, async (t) => {
      const r = await runFleet({ kind, failureRate: 0.2 })
      t.diagnostic(summary(r))
      assertFleet(r, { failureRate: 0.2 })
    })
  })
}

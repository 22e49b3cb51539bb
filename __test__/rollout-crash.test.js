'use strict'
// A rollout of 200 mini programs carried by a fleet of real processes on
// MariaDB / PostgreSQL whose driver keeps dying: the parent (a master that
// never drives) gets the platform's pushes; child processes, 2 masters and
// 2 workers, may drive it, and one more worker (never driving) serves the
// message URL, so every audit event lands on a process that is not the
// driver. The test SIGKILLs the driving child at random moments, several
// times (a child of the same role takes its place), while the sandbox also
// loses the answer to some commits, submits and releases (the call done,
// the caller never told: a crash between a step and its record), loses
// some audit events, rejects some apps, delays one audit, and runs out of
// audit quota half way: the rollout pauses with the reason, the test
// refills the quota and resumes it. Whoever carries on reconciles with
// WeChat first, so every app is still committed and submitted once, every
// approved app released once, every rejection reported with WeChat's
// reason, nothing refused for its order. The time from an audit event to
// the app's release is measured and printed (not asserted).
const { describe, test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const path = require('path')
const { fork } = require('child_process')
const { once } = require('events')
const { rolloutFleet, checkExactlyOnce } = require('./helpers/rollout')
const { freshDatabase, MYSQL, POSTGRES } = require('./helpers/databases')
const { driverPid } = require('../scripts/soak/rollout')

const APPS = 200
const QUOTA = 110 // runs out after about half of the submits
const LEASE_MS = 2000
const KILLS = 4
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const alive = (c) => c.exitCode === null && c.signalCode === null

function child(f, db, role, extra = {}) {
  const { appid, secret, token, key } = f.creds
  const c = fork(path.join(__dirname, 'rollout', 'child.js'), [], {
    env: { ...process.env, WXTP_ROLLOUT_CHILD: JSON.stringify({ appid, secret, token, key, db, role, sandbox: f.sandbox.url, leaseTtlMs: LEASE_MS, ...extra }) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  c.role = role
  c.readyP = new Promise((resolve, reject) => c.on('message', (m) => (m.ready ? resolve(m) : m.failed && reject(new Error(m.failed)))))
  return c
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]
}

for (const kind of ['mysql', 'postgres']) {
  describe(`a rollout of ${APPS} apps whose driver is SIGKILLed, on ${kind}`, { timeout: 300000 }, () => {
    let db, f
    const children = []
    before(async () => {
      db = freshDatabase(kind, kind === 'mysql' ? MYSQL : POSTGRES)
      f = await rolloutFleet({ db: db.url, count: APPS, options: { driveRollouts: false } })
      // Audit events go to a worker that never drives.
      const inbox = child(f, db.url, 'worker', { drive: false, messages: true })
      children.push(inbox)
      const { url } = await inbox.readyP
      await f.sandbox.setMessageUrl(f.creds.appid, `${url}/wechat/$APPID$/callback`)
      for (const role of ['master', 'worker', 'master', 'worker']) children.push(child(f, db.url, role))
      await Promise.all(children.map((c) => c.readyP))
    })
    after(async () => {
      for (const c of children) if (alive(c)) c.send({ stop: true })
      await Promise.all(children.filter(alive).map((c) => once(c, 'exit')))
      if (f) await f.close()
      if (db) db.drop()
    })

    test(`killed ${KILLS} times, quota out half way: every app submitted once, every approved app released once`, async () => {
      const { sandbox, platform, appids, templateId } = f
      const rejected = {}
      let lost = 0
      for (const [i, appid] of appids.entries()) {
        if (i % 40 === 0) {
          rejected[appid] = { reason: `不符合规范 ${i}`, screenshots: [`shot${i}`, `shot${i}b`] }
          await sandbox.setReviewer(appid, { verdict: 'fail', afterMs: 300 + 10 * i, ...rejected[appid] })
        } else {
          await sandbox.setReviewer(appid, { verdict: i === 7 ? 'delay' : 'pass', afterMs: 200 + Math.floor(Math.random() * 3000), delayMs: 1500 })
        }
        if (i % 25 === 3) {
          await sandbox.loseNextEvent(appid)
          lost++
        }
      }
      await sandbox.setAuditQuota(f.creds.appid, { rest: QUOTA, limit: 1000 })
      // Answers lost after WeChat did the step: the driver must reconcile, not repeat.
      await sandbox.injectFault('/wxa/submit_audit', 'loseAnswer', 3)
      await sandbox.injectFault('/wxa/release', 'loseAnswer', 3)
      await sandbox.injectFault('/wxa/commit', 'loseAnswer', 2)

      const t0 = Date.now()
      const r = await platform.rollout({ templateId, userVersion: '5.0.0', appids, concurrency: 20, auditPollMs: 2500, maxFailureRate: 0.2, progressMs: 200 })
      const takeovers = []
      const inFlight = []
      let kills = 0
      // Killed at random moments, a random 0.2 to 1.2 s after the last takeover.
      let nextKill = Date.now() + 200 + Math.floor(Math.random() * 1000)
      let quotaPause = null
      let s
      for (let i = 0; i < 3000; i++) {
        s = await r.status()
        if (s.state === 'paused') {
          // The only pause this rollout meets: the month's quota spent.
          assert.match(s.reason, /no audit quota left/, s.reason)
          assert.equal(quotaPause, null, 'paused twice')
          // Paused only once the quota was spent (a submit may still be on its way when the pause lands).
          let audits = 0
          for (let j = 0; j < 30 && audits < QUOTA; j++) {
            audits = (await Promise.all(appids.map((a) => sandbox.miniProgram(a)))).filter((mp) => mp.audits.length).length
            if (audits < QUOTA) await sleep(100)
          }
          assert.equal(audits, QUOTA, 'every submit the quota allowed was made, and no more')
          quotaPause = { audits, counts: s.counts }
          await sandbox.setAuditQuota(f.creds.appid, { rest: 1000, limit: 1000 })
          await r.resume()
          continue
        }
        if (s.state !== 'running') break
        const pid = driverPid(s.driver)
        const victim = children.find((c) => c.pid === pid && alive(c))
        if (victim && kills < KILLS && Date.now() >= nextKill) {
          victim.kill('SIGKILL')
          kills++
          const killedAt = Date.now()
          // Steps the dead driver left under way (their intents written, their results not).
          const under = {}
          for (const a of (await r.status()).apps) if (a.step) under[a.step] = (under[a.step] || 0) + 1
          inFlight.push(JSON.stringify(under))
          const fresh = child(f, db.url, victim.role)
          children.push(fresh)
          // Another live process carries on within seconds.
          for (;;) {
            const t = await r.status()
            const by = driverPid(t.driver)
            if (t.state !== 'running' || (by && by !== pid)) {
              takeovers.push(Date.now() - killedAt)
              nextKill = Date.now() + 200 + Math.floor(Math.random() * 1000)
              break
            }
            assert.ok(Date.now() - killedAt < 20000, 'nobody took the rollout over')
            await sleep(50)
          }
        }
        await sleep(100 + Math.floor(Math.random() * 300))
      }
      const done = await r.done()
      const wallMs = Date.now() - t0
      assert.equal(done.state, 'done', JSON.stringify(done.counts))
      assert.ok(kills >= 3, `killed ${kills} drivers`)
      assert.ok(quotaPause, 'the quota ran out and paused the rollout')
      const nRejected = Object.keys(rejected).length
      assert.equal(done.counts.rejected, nRejected, JSON.stringify(done.counts))
      assert.equal(done.counts.released, APPS - nRejected, JSON.stringify(done.counts))
      await checkExactlyOnce(sandbox, done, { rejected, userVersion: '5.0.0' })
      // Every lost answer happened (the steps were done, the driver never told).
      const pending = await (await fetch(`${sandbox.url}/__sandbox/faults`)).json()
      assert.deepEqual(pending, {}, JSON.stringify(pending))

      // Audit event → release, for the apps whose approval was pushed.
      const released = new Map(done.apps.filter((a) => a.state === 'released').map((a) => [a.appid, a.updatedAt]))
      const events = await sandbox.wxaEvents()
      const lat = events.filter((e) => e.outcome === 'delivered' && e.event === 'weapp_audit_success' && released.has(e.appid))
        .map((e) => released.get(e.appid) - e.at).sort((a, b) => a - b)
      assert.ok(lat.length >= APPS - nRejected - lost - 1, `events delivered: ${lat.length}`)
      const lostSeen = events.filter((e) => e.outcome === 'lost').length
      assert.equal(lostSeen, lost)
      console.log(`# ${kind}: ${APPS} apps in ${wallMs} ms; ${kills} drivers killed with steps under way ${inFlight.join(' ')}; ` +
        `takeover after ${takeovers.join(', ')} ms; quota out after ${quotaPause.audits} submits (${JSON.stringify(quotaPause.counts)}); ` +
        `${lostSeen} events lost; event → release p50 ${percentile(lat, 50)} ms, p99 ${percentile(lat, 99)} ms, max ${lat[lat.length - 1]} ms (n ${lat.length})`)
      r.close()
    })
  })
}

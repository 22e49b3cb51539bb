'use strict'
// A rollout carried by a fleet whose driver keeps dying: three child
// processes on MariaDB / PostgreSQL may drive it; the test SIGKILLs the
// driving one at random moments, several times (a new child takes its
// place), while the sandbox also loses the answer to some submits and
// releases (the call done, the caller never told: what a crash between a
// step and its record looks like). Audit events land on the parent, which
// never drives. Whoever carries on reconciles with WeChat first, so every
// app is still committed and submitted once, every approved app released
// once, nothing refused for its order.
const { describe, test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const path = require('path')
const { fork } = require('child_process')
const { once } = require('events')
const { rolloutFleet, checkExactlyOnce } = require('./helpers/rollout')
const { freshDatabase, MYSQL, POSTGRES } = require('./helpers/databases')

const LEASE_MS = 2000
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

function child(f, db) {
  const { appid, secret, token, key } = f.creds
  const c = fork(path.join(__dirname, 'rollout', 'child.js'), [], {
    env: { ...process.env, WXTP_ROLLOUT_CHILD: JSON.stringify({ appid, secret, token, key, db, sandbox: f.sandbox.url, leaseTtlMs: LEASE_MS }) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  c.readyP = new Promise((resolve, reject) => c.on('message', (m) => (m.ready ? resolve() : m.failed && reject(new Error(m.failed)))))
  return c
}

for (const kind of ['mysql', 'postgres']) {
  describe(`a rollout whose driver is SIGKILLed, on ${kind}`, { timeout: 240000 }, () => {
    let db, f
    const children = []
    before(async () => {
      db = freshDatabase(kind, kind === 'mysql' ? MYSQL : POSTGRES)
      f = await rolloutFleet({ db: db.url, count: 30, options: { driveRollouts: false } })
      for (let i = 0; i < 3; i++) children.push(child(f, db.url))
      await Promise.all(children.map((c) => c.readyP))
    })
    after(async () => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.send({ stop: true })
      await Promise.all(children.filter((c) => c.exitCode === null && c.signalCode === null).map((c) => once(c, 'exit')))
      if (f) await f.close()
      if (db) db.drop()
    })

    test('killed four times: every app submitted once, every approved app released once', async () => {
      const { sandbox, platform, appids, templateId } = f
      const rejected = {}
      for (const [i, appid] of appids.entries()) {
        if (i < 3) {
          rejected[appid] = { reason: `不符合规范 ${i}`, screenshots: [`shot${i}`] }
          await sandbox.setReviewer(appid, { verdict: 'fail', afterMs: 500 + 300 * i, ...rejected[appid] })
        } else {
          await sandbox.setReviewer(appid, { verdict: i === 3 ? 'delay' : 'pass', afterMs: 300 + Math.floor(Math.random() * 4000), delayMs: 500 })
        }
        if (i === 4 || i === 5) await sandbox.loseNextEvent(appid)
      }
      // Answers lost after WeChat did the step: the driver must reconcile, not repeat.
      await sandbox.injectFault('/wxa/submit_audit', 'loseAnswer', 2)
      await sandbox.injectFault('/wxa/release', 'loseAnswer', 2)
      await sandbox.injectFault('/wxa/commit', 'loseAnswer', 1)

      const r = await platform.rollout({ templateId, userVersion: '5.0.0', appids, concurrency: 4, auditPollMs: 2500, maxFailureRate: 0.2, progressMs: 200 })
      const pids = new Set(children.map((c) => c.pid))
      const takeovers = []
      let kills = 0
      let s
      for (let i = 0; i < 1200; i++) {
        s = await r.status()
        if (s.state !== 'running') break
        const pid = s.driver && Number(s.driver.split('-')[0])
        const victim = children.find((c) => c.pid === pid && c.exitCode === null && c.signalCode === null)
        if (victim && kills < 4 && Math.random() < 0.15) {
          victim.kill('SIGKILL')
          kills++
          const killedAt = Date.now()
          const fresh = child(f, db.url)
          children.push(fresh)
          pids.add(fresh.pid)
          // Another live process carries on within seconds.
          for (;;) {
            const t = await r.status()
            const by = t.driver && Number(t.driver.split('-')[0])
            if (t.state !== 'running' || (by && by !== pid)) {
              takeovers.push(Date.now() - killedAt)
              break
            }
            assert.ok(Date.now() - killedAt < 20000, 'nobody took the rollout over')
            await sleep(50)
          }
        }
        await sleep(100 + Math.floor(Math.random() * 300))
      }
      const done = await r.done()
      assert.equal(done.state, 'done', JSON.stringify(done.counts))
      assert.ok(kills >= 3, `killed ${kills} drivers`)
      assert.equal(done.counts.released, 27, JSON.stringify(done.counts))
      assert.equal(done.counts.rejected, 3)
      await checkExactlyOnce(sandbox, done, { rejected, userVersion: '5.0.0' })
      // Every lost answer happened (the steps were done, the driver never told).
      const pending = await (await fetch(`${sandbox.url}/__sandbox/faults`)).json()
      assert.deepEqual(pending, {}, JSON.stringify(pending))
      console.log(`# ${kind}: ${kills} drivers killed; takeover after ${takeovers.join(', ')} ms`)
      r.close()
    })
  })
}

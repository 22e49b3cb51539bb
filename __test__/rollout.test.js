'use strict'
// Rollouts against the sandbox's scripted reviewer, on SQLite, MariaDB and
// PostgreSQL: 20 mini programs with rejections (WeChat's reason and
// screenshots reported), a delayed audit, a lost audit event (polling picks
// it up), the audit quota running out (paused with its reason, resumed when
// it is back), the failure budget, retry after a fix, pause / cancel, a
// gray release and a rollback. Every check of "exactly once" is read from
// what the sandbox (WeChat) saw of each app.
const { describe, test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { rolloutFleet, checkExactlyOnce } = require('./helpers/rollout')
const { tempSqlite } = require('./helpers/platform')
const { freshDatabase, MYSQL, POSTGRES } = require('./helpers/databases')

function database(kind) {
  if (kind === 'sqlite') {
    const t = tempSqlite()
    return { url: t.url, drop: t.cleanup }
  }
  return freshDatabase(kind, kind === 'mysql' ? MYSQL : POSTGRES)
}

/** The apps by appid once none of them is left under audit or mid-step (a cancel has settled). */
async function settled(r) {
  let s
  for (let i = 0; i < 300; i++) {
    s = await r.status()
    if (!s.apps.some((a) => a.state === 'auditing' || a.step)) break
    await new Promise((res) => setTimeout(res, 100))
  }
  return Object.fromEntries(s.apps.map((a) => [a.appid, a]))
}

const KINDS = (process.env.WXTP_ROLLOUT_KINDS || 'sqlite,mysql,postgres').split(',')

for (const kind of KINDS) {
  describe(`rollouts on ${kind}`, { timeout: 180000 }, () => {
    let db, f
    before(async () => {
      db = database(kind)
      f = await rolloutFleet({ db: db.url, count: 30 })
    })
    after(async () => {
      if (f) await f.close()
      if (db) db.drop()
    })

    test('20 apps: 17 released once each, 3 rejected with reason and screenshots, a delay, a lost event polled', async () => {
      const { sandbox, platform, templateId } = f
      const appids = f.appids.slice(0, 20)
      const rejected = {}
      for (const [i, appid] of appids.slice(0, 3).entries()) {
        rejected[appid] = { reason: `类目不符 ${i}`, screenshots: [`media${i}a`, `media${i}b`] }
        await sandbox.setReviewer(appid, { verdict: 'fail', afterMs: 300, ...rejected[appid] })
      }
      await sandbox.setReviewer(appids[3], { verdict: 'delay', afterMs: 200, delayMs: 600 })
      const lost = appids[4]
      await sandbox.setReviewer(lost, { verdict: 'pass', afterMs: 200 })
      await sandbox.loseNextEvent(lost)
      for (const [i, appid] of appids.slice(5).entries()) await sandbox.setReviewer(appid, { verdict: 'pass', afterMs: 100 + 40 * i })

      const progress = []
      const r = await platform.rollout({
        templateId,
        userVersion: '2.3.0',
        userDesc: 'spring menu',
        appids,
        extJson: { extAppid: '$APPID$', ext: { shop: '$APPID$' } },
        audit: (appid) => ({ versionDesc: `for ${appid}`, privacy_api_not_use: true }),
        concurrency: 6,
        maxFailureRate: 0.2,
        auditPollMs: 4000,
        progressMs: 100,
      })
      assert.match(r.id, /^ro[0-9a-z]+$/)
      r.on('progress', (app) => progress.push(app))
      const doneEvent = new Promise((resolve) => r.once('done', resolve))
      const summary = await r.done()
      assert.equal(summary.state, 'done', JSON.stringify(summary, null, 1))
      assert.equal(summary.counts.released, 17)
      assert.equal(summary.counts.rejected, 3)
      assert.equal(summary.total, 20)
      assert.equal((await doneEvent).id, r.id)
      await checkExactlyOnce(sandbox, summary, { rejected, userVersion: '2.3.0' })

      // ext_json per app with $APPID$ replaced; audit fields camelCase → snake_case on the wire.
      for (const appid of appids) {
        const mp = await sandbox.miniProgram(appid)
        assert.deepEqual(mp.commit.ext_json, { extAppid: appid, ext: { shop: appid } })
        assert.equal(mp.audits[0].request.version_desc, `for ${appid}`)
        assert.equal(mp.audits[0].request.privacy_api_not_use, true)
      }
      // The lost event cost one poll; apps whose events arrived were never polled.
      const events = await sandbox.wxaEvents()
      assert.ok(events.some((e) => e.appid === lost && e.outcome === 'lost'), JSON.stringify(events.filter((e) => e.appid === lost)))
      assert.ok(((await sandbox.miniProgram(lost)).calls['/wxa/get_auditstatus'] || 0) >= 1, 'the lost verdict was polled')
      let polled = 0
      for (const appid of appids.slice(5)) polled += (await sandbox.miniProgram(appid)).calls['/wxa/get_auditstatus'] || 0
      assert.equal(polled, 0, 'events, not polls, moved the others')
      // 61039 after the commit was waited out, not counted as a failure.
      assert.ok(summary.apps.every((a) => a.state !== 'failed'))
      // Progress saw every app reach its end.
      for (const appid of appids) assert.ok(progress.some((p) => p.appid === appid && ['released', 'rejected'].includes(p.state)), appid)

      // Any handle reads the same; the list has it.
      const again = await platform.getRollout(r.id)
      assert.equal((await again.status()).counts.released, 17)
      const list = await platform.rollouts()
      assert.ok(list.some((x) => x.id === r.id && x.state === 'done' && x.userVersion === '2.3.0'))
      await assert.rejects(platform.getRollout('ro-nope'), { name: 'NotFoundError' })

      // Rejected apps fixed and retried: one more commit and submit each, then released.
      for (const appid of Object.keys(rejected)) await sandbox.setReviewer(appid, { verdict: 'pass', afterMs: 100 })
      const retried = await r.retry(Object.keys(rejected))
      assert.equal(retried.state, 'running')
      const final = await r.done()
      assert.equal(final.counts.released, 20, JSON.stringify(final.counts))
      const rounds = Object.fromEntries(Object.keys(rejected).map((a) => [a, 2]))
      await checkExactlyOnce(sandbox, final, { rounds, userVersion: '2.3.0' })
      r.close()
    })

    test('the audit quota runs out: paused with the reason, nothing failed; resumed when it is back', async () => {
      const { sandbox, platform, appids, templateId, creds } = f
      const apps = appids.slice(20, 26)
      for (const appid of apps) await sandbox.setReviewer(appid, { verdict: 'pass', afterMs: 100 })
      await sandbox.setAuditQuota(creds.appid, { rest: 3 })
      const r = await platform.rollout({ templateId, userVersion: '2.4.0', appids: apps, extJson: '{"extAppid":"$APPID$"}', concurrency: 6, auditPollMs: 4000, progressMs: 100 })
      let s
      for (let i = 0; i < 200; i++) {
        s = await r.status()
        if (s.state === 'paused' && s.counts.released === 3) break
        await new Promise((res) => setTimeout(res, 100))
      }
      assert.equal(s.state, 'paused', JSON.stringify(s.counts))
      assert.match(s.reason, /quota/)
      assert.equal(s.counts.committed, 3, JSON.stringify(s.counts))
      assert.equal(s.counts.failed, 0)
      await sandbox.setAuditQuota(creds.appid, { rest: 100 })
      await r.resume()
      const done = await r.done()
      assert.equal(done.counts.released, 6, JSON.stringify(done.counts))
      await checkExactlyOnce(sandbox, done, { userVersion: '2.4.0' })
      for (const appid of apps) {
        const mp = await sandbox.miniProgram(appid)
        assert.equal(mp.calls['/wxa/submit_audit 85085'] || 0, 0, 'the quota was read before submitting')
      }
      r.close()
    })

    test('the failure budget pauses; pause, resume and cancel from any handle', async () => {
      const { sandbox, platform, appids, templateId } = f
      const apps = appids.slice(26, 30)
      await sandbox.setReviewer(apps[0], { verdict: 'fail', reason: '功能不完整', screenshots: ['s1'], afterMs: 100 })
      await sandbox.setReviewer(apps[1], { verdict: 'fail', reason: '功能不完整', screenshots: [], afterMs: 100 })
      for (const appid of apps.slice(2)) await sandbox.setReviewer(appid, { verdict: 'manual' })
      const r = await platform.rollout({ templateId, userVersion: '2.5.0', appids: apps, maxFailureRate: 0.25, auditPollMs: 60000, progressMs: 100 })
      let s
      for (let i = 0; i < 200; i++) {
        s = await r.status()
        if (s.state === 'paused') break
        await new Promise((res) => setTimeout(res, 100))
      }
      assert.equal(s.state, 'paused')
      assert.match(s.reason, /failure budget/)
      const other = await platform.getRollout(r.id)
      await other.resume()
      await sandbox.review(apps[2], 'pass')
      for (let i = 0; i < 100 && (await r.status()).counts.released < 1; i++) await new Promise((res) => setTimeout(res, 100))
      assert.equal((await r.status()).state, 'running', 'resumed despite the budget')
      const paused = await other.pause()
      assert.equal(paused.state, 'paused')
      const cancelled = await r.cancel()
      assert.equal(cancelled.state, 'cancelled')
      // The audit under way is withdrawn by a driver, then the app is cancelled.
      const byId = await settled(r)
      assert.deepEqual(apps.map((a) => byId[a].state), ['rejected', 'rejected', 'released', 'cancelled'])
      assert.deepEqual(byId[apps[0]].screenshots, ['s1'])
      assert.equal(byId[apps[0]].reason, '功能不完整')
      assert.equal((await r.done()).state, 'cancelled')
      const mp = await sandbox.miniProgram(apps[3])
      assert.equal(mp.calls['/wxa/undocodeaudit'], 1, JSON.stringify(mp.calls))
      assert.equal(mp.audits[mp.audits.length - 1].status, 3, 'withdrawn')
      assert.equal(mp.calls['/wxa/release'] || 0, 0, 'a cancelled app is not released')
      r.close()
    })

    test('cancel withdraws every audit under way once, even when undocodeaudit\'s answer is lost', async () => {
      const { sandbox, platform, appids, templateId } = f
      const apps = appids.slice(10, 14)
      for (const appid of apps) await sandbox.setReviewer(appid, { verdict: 'manual' })
      const r = await platform.rollout({ templateId, userVersion: '2.6.0', appids: apps, auditPollMs: 60000, progressMs: 100 })
      for (let i = 0; i < 200 && (await r.status()).counts.auditing < apps.length; i++) await new Promise((res) => setTimeout(res, 100))
      assert.equal((await r.status()).counts.auditing, apps.length)
      // WeChat withdraws two of them, but the driver never hears so: it must ask, not undo again.
      await sandbox.injectFault('/wxa/undocodeaudit', 'loseAnswer', 2)
      await r.cancel()
      const byId = await settled(r)
      for (const appid of apps) {
        assert.equal(byId[appid].state, 'cancelled', JSON.stringify(byId[appid]))
        const mp = await sandbox.miniProgram(appid)
        const undos = Object.entries(mp.calls).filter(([k]) => k.startsWith('/wxa/undocodeaudit'))
        assert.deepEqual(undos, [['/wxa/undocodeaudit', 1]], `${appid}: ${JSON.stringify(mp.calls)}`)
        assert.equal(mp.audits[mp.audits.length - 1].status, 3, 'withdrawn')
        assert.equal(mp.audits[mp.audits.length - 1].user_version, '2.6.0')
      }
      const pending = await (await fetch(`${sandbox.url}/__sandbox/faults`)).json()
      assert.deepEqual(pending, {}, 'both answers were lost')
      r.close()
    })

    test('bad options throw a TypeError naming them and store nothing', async () => {
      const { platform, appids, templateId } = f
      const before = (await platform.rollouts()).length
      const ok = { templateId, userVersion: '9.0.0', appids: appids.slice(0, 1) }
      const cases = [
        [{ ...ok, templateId: 0 }, /templateId/],
        [{ ...ok, userVersion: '' }, /userVersion/],
        [{ ...ok, appids: [] }, /appids/],
        [{ ...ok, appids: [appids[0], appids[0]] }, /appids/],
        [{ ...ok, extJson: '[1]' }, /extJson/],
        [{ ...ok, extJson: 'nope' }, /extJson/],
        [{ ...ok, audit: 'x' }, /audit/],
        [{ ...ok, release: { gray: [50, 10] } }, /release\.gray/],
        [{ ...ok, release: 'later' }, /release/],
        [{ ...ok, concurrency: 0 }, /concurrency/],
        [{ ...ok, maxFailureRate: 2 }, /maxFailureRate/],
        [{ ...ok, auditPollMs: 5 }, /auditPollMs/],
      ]
      for (const [opts, message] of cases) assert.throws(() => platform.rollout(opts), { name: 'TypeError', message }, JSON.stringify(opts))
      assert.equal((await platform.rollouts()).length, before)
    })

    if (kind === 'sqlite') {
      test('a gray release steps through its percentages; rollback goes back to the previous version', async () => {
        const { sandbox, platform, appids, templateId } = f
        // Two apps released 2.3.0 by the first test.
        const apps = appids.slice(5, 7)
        for (const appid of apps) await sandbox.setReviewer(appid, { verdict: 'pass', afterMs: 100 })
        const r = await platform.rollout({ templateId, userVersion: '3.0.0', appids: apps, release: { gray: [10, 50, 100], stepMs: 300 }, auditPollMs: 4000, progressMs: 100 })
        const seen = []
        r.on('progress', (a) => seen.push(`${a.appid}:${a.state}:${a.grayStep}`))
        const done = await r.done()
        assert.equal(done.counts.released, 2, JSON.stringify(done.counts))
        for (const appid of apps) {
          assert.ok(seen.some((x) => x.startsWith(`${appid}:gray:`)), seen.join(' '))
          const mp = await sandbox.miniProgram(appid)
          assert.equal(mp.calls['/wxa/grayrelease'], 2, JSON.stringify(mp.calls))
          assert.equal(mp.calls['/wxa/release'], 2, '2.3.0, then the last step completing the gray release')
          assert.equal(mp.release.user_version, '3.0.0')
        }
        const back = await r.rollback([apps[0]])
        const byId = Object.fromEntries(back.apps.map((a) => [a.appid, a.state]))
        assert.deepEqual(apps.map((a) => byId[a]), ['rolled_back', 'released'])
        assert.equal((await sandbox.miniProgram(apps[0])).release.user_version, '2.3.0')
        assert.equal((await sandbox.miniProgram(apps[1])).release.user_version, '3.0.0')
        r.close()
      })
    }
  })
}

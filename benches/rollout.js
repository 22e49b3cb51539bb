'use strict'
// A rollout of N mini programs against the sandbox, driven by this process:
// upstream calls per app (from what the sandbox answered each app), wall
// time, the driver's RSS, and the time from an audit event's delivery to
// the app's release (the event lands on this process's message URL, the
// store moves the app, the driver releases it on its next tick).
//
//   node benches/rollout.js [apps=1000] [sqlite|mysql|postgres] [concurrency=20]
const { rolloutFleet } = require('../__test__/helpers/rollout')
const { tempSqlite } = require('../__test__/helpers/platform')
const { freshDatabase, MYSQL, POSTGRES } = require('../__test__/helpers/databases')

async function main() {
  const n = Number(process.argv[2] || 1000)
  const kind = process.argv[3] || 'sqlite'
  const concurrency = Number(process.argv[4] || 20)
  const db = kind === 'sqlite' ? (() => { const t = tempSqlite(); return { url: t.url, drop: t.cleanup } })() : freshDatabase(kind, kind === 'mysql' ? MYSQL : POSTGRES)
  const t0 = Date.now()
  const f = await rolloutFleet({ db: db.url, count: n, options: { poolSize: 10 } })
  const setupMs = Date.now() - t0
  const { sandbox, platform, appids, templateId } = f
  let lost = 0
  for (const [i, appid] of appids.entries()) {
    await sandbox.setReviewer(appid, { verdict: 'pass', afterMs: Math.floor(Math.random() * 2000) })
    if (i % 50 === 7) { await sandbox.loseNextEvent(appid); lost++ }
  }
  const rss0 = process.memoryUsage().rss
  let rssMax = rss0
  const sampler = setInterval(() => { rssMax = Math.max(rssMax, process.memoryUsage().rss) }, 200)
  const t1 = Date.now()
  const r = await platform.rollout({ templateId, userVersion: '7.0.0', appids, concurrency, auditPollMs: 5000, maxFailureRate: 0.5 })
  const done = await r.done()
  const wallMs = Date.now() - t1
  clearInterval(sampler)
  r.close()

  const totals = {}
  for (const appid of appids) {
    const mp = await sandbox.miniProgram(appid)
    for (const [k, v] of Object.entries(mp.calls || {})) totals[k] = (totals[k] || 0) + v
  }
  const released = new Map(done.apps.filter((a) => a.state === 'released').map((a) => [a.appid, a.updatedAt]))
  const lat = (await sandbox.wxaEvents())
    .filter((e) => e.outcome === 'delivered' && e.event === 'weapp_audit_success' && released.has(e.appid))
    .map((e) => released.get(e.appid) - e.at)
    .sort((a, b) => a - b)
  const pct = (p) => lat[Math.min(lat.length - 1, Math.floor((lat.length * p) / 100))]
  console.log(JSON.stringify({
    apps: n, kind, concurrency, setupMs, wallMs, state: done.state, counts: done.counts, lostEvents: lost,
    callsPerApp: Object.fromEntries(Object.entries(totals).sort().map(([k, v]) => [k, +(v / n).toFixed(3)])),
    eventToReleaseMs: { n: lat.length, p50: pct(50), p99: pct(99), max: lat[lat.length - 1] },
    rssMB: { before: +(rss0 / 1048576).toFixed(1), max: +(rssMax / 1048576).toFixed(1) },
  }, null, 1))
  await f.close()
  db.drop()
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1) })

'use strict'
// The soak's rollout judged from what WeChat (the sandbox) saw of each app:
// - every app that reached an audit was submitted exactly once for the
//   version (one accepted submit_audit, one audit, no 85009 for a second);
// - released at most once, exactly once when WeChat approved it, never
//   before its approval, never a second time (85052);
// - nothing lost: each app ends released, rejected or cancelled, or is
//   still legitimately waiting — its audit undecided at WeChat (stated);
//   a failed app (the rollout gave up on a step) breaks it too;
// - every rejection carries WeChat's reason and screenshots;
// - the faults met it: its driver was SIGKILLed and the database restarted
//   while it ran.
// Also shown: audit events per worker (those sent first to the namespace's
// worker, over the link the partition leaves up), and event → release.
const { USER_VERSION, FINAL, driverPid } = require('./rollout')

const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d
const UNDECIDED = [2, 4] // auditing, delayed

function percentile(xs, p) {
  if (!xs.length) return null
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]
}

/** "1×20, 0×4": how many apps made each number of calls. */
function histogram(ns) {
  const m = {}
  for (const n of ns) m[n] = (m[n] || 0) + 1
  return Object.entries(m).sort((a, b) => b[0] - a[0]).map(([n, k]) => `${n}×${k}`).join(', ')
}

function judgeRollout(run) {
  const ro = run.rollout
  const broken = []
  if (!run.rolloutApps) return { section: { skipped: '--rollout-apps 0' }, broken }
  if (!ro || !ro.final) return { section: { started: false }, broken: ['the rollout never started or was never read back'] }
  const rel = (t) => round((t - run.t0) / 1000)
  const ev = (name) => run.events.find((e) => e.name === name)
  const apps = ro.final.apps
  const perApp = []
  const waiting = []
  for (const app of apps) {
    const mp = ro.wechat[app.appid] || { calls: {}, audits: [] }
    const calls = mp.calls || {}
    const script = ro.scripts[app.appid]
    const last = mp.audits[mp.audits.length - 1]
    const row = {
      appid: app.appid, role: script.role, state: app.state, wechatAudit: last ? last.status : null,
      commits: calls['/wxa/commit'] || 0, submits: calls['/wxa/submit_audit'] || 0, audits: mp.audits.length,
      secondSubmits: calls['/wxa/submit_audit 85009'] || 0,
      releases: calls['/wxa/release'] || 0, secondReleases: calls['/wxa/release 85052'] || 0,
      refusedReleases: (calls['/wxa/release 85019'] || 0) + (calls['/wxa/release 85020'] || 0),
      attempts: app.attempts, error: app.error,
    }
    perApp.push(row)
    const what = `${app.appid} (${script.role}, ${app.state}): ${JSON.stringify(calls)}`
    if (row.submits > 1 || row.audits > 1 || row.secondSubmits) broken.push(`submitted more than once: ${what}`)
    if (['auditing', 'approved', 'released', 'rejected'].includes(app.state) && (row.submits !== 1 || row.audits !== 1)) {
      broken.push(`${app.state} without exactly one submit: ${what}`)
    }
    if (row.releases > 1 || row.secondReleases) broken.push(`released more than once: ${what}`)
    if (row.refusedReleases) broken.push(`a release refused for its order (before approval): ${what}`)
    if (row.releases && (!last || last.status !== 0)) broken.push(`released without WeChat's approval: ${what}`)
    if (last && last.status === 0 && row.releases !== 1) broken.push(`approved at WeChat but not released once: ${what}`)
    if (app.state === 'released' && (row.releases !== 1 || !mp.release || mp.release.user_version !== USER_VERSION)) {
      broken.push(`marked released but WeChat does not serve ${USER_VERSION}: ${what}`)
    }
    if (app.state === 'rejected') {
      const same = app.reason === script.reason && JSON.stringify(app.screenshots) === JSON.stringify(script.screenshots)
      if (!last || last.status !== 1 || !same) {
        broken.push(`rejection without WeChat's reason: ${app.appid} says ${JSON.stringify({ reason: app.reason, screenshots: app.screenshots })}, WeChat ${JSON.stringify(last && { status: last.status, reason: last.reason, screenshot: last.screenshot })}`)
      }
    }
    if (app.state === 'failed') broken.push(`the rollout gave up on an app WeChat would have taken: ${app.appid} (${script.role}) after ${app.attempts} attempts: ${app.error}`)
    else if (!FINAL.includes(app.state)) {
      if (app.state === 'auditing' && last && UNDECIDED.includes(last.status)) waiting.push(`${app.appid} (${script.role}): auditing, WeChat's audit ${last.auditid} undecided (status ${last.status})`)
      else broken.push(`lost: ${app.appid} (${script.role}) stuck in ${app.state}${app.step ? ` (step ${app.step})` : ''}; WeChat's audit status ${last ? last.status : 'none'}; error ${app.error}`)
    }
  }

  // The faults it met, read from the statuses taken once a second.
  const runningAt = (t) => {
    const before = ro.statuses.filter((s) => s.at <= t)
    return before.length ? before[before.length - 1].state === 'running' : false
  }
  const kill = ev('SIGKILL lease-holding master')
  const dbDown = ev('database stopping')
  const cut = ev('partition: link down')
  const healed = ev('partition: link up')
  const faults = {
    driverKilled: kill && kill.rolloutDriver ? { proc: kill.proc, at: rel(kill.at), running: runningAt(kill.at) } : null,
    runningAtDatabaseRestart: dbDown ? runningAt(dbDown.at) : null,
    drivers: ro.drivers.map((d) => `${driverPid(d.driver)} from ${rel(d.at)} s`),
  }
  if (!faults.driverKilled || !faults.driverKilled.running) broken.push(`the rollout's driver was not SIGKILLed mid-rollout (${JSON.stringify(kill)})`)
  if (!faults.runningAtDatabaseRestart) broken.push('the rollout was not running when the database restarted')
  if (kill && kill.rolloutDriver && !ro.drivers.some((d) => d.at > kill.at && driverPid(d.driver) !== kill.pid)) {
    broken.push('no other process took the rollout over after its driver was killed')
  }

  // Audit events: where they landed, which were lost, how fast a verdict became a release.
  const routes = run.auditRoutes || []
  const events = {
    pushed: ro.events.length,
    byOutcome: {},
    handledBy: {},
    firstTriesToPartitionedSide: routes.filter((r) => r.attempt === 1 && r.proc).length,
    // Sent to the namespace's worker while it could not reach the database:
    // it answers an error, WeChat does not retry an answer, polling is the net.
    firstTriesToPartitionedSideDuringCut: cut && healed ? routes.filter((r) => r.attempt === 1 && r.proc && r.at >= cut.at && r.at <= healed.at).length : null,
    handledOnPartitionedSideDuringCut: cut && healed ? run.wxaHandled.filter((h) => h.side === 'ns' && h.at >= cut.at && h.at <= healed.at).length : null,
  }
  for (const e of ro.events) events.byOutcome[e.outcome] = (events.byOutcome[e.outcome] || 0) + 1
  for (const h of run.wxaHandled) events.handledBy[h.proc] = (events.handledBy[h.proc] || 0) + 1
  const latencies = []
  for (const app of apps) {
    if (app.state !== 'released') continue
    const ok = ro.events.find((e) => e.appid === app.appid && e.event === 'weapp_audit_success' && e.outcome === 'delivered')
    if (ok && app.updatedAt >= ok.at) latencies.push(app.updatedAt - ok.at)
  }
  const counts = {}
  for (const a of apps) counts[a.state] = (counts[a.state] || 0) + 1
  return {
    section: {
      id: ro.id, state: ro.final.state, reason: ro.final.reason, apps: apps.length, counts, waiting,
      submitsPerApp: histogram(perApp.map((r) => r.submits)), releasesPerApp: histogram(perApp.map((r) => r.releases)),
      commitsPerApp: histogram(perApp.map((r) => r.commits)),
      eventToReleaseMs: { n: latencies.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.length ? Math.max(...latencies) : null },
      faults, events,
      details: perApp.filter((r) => r.submits !== 1 || r.releases > 1 || r.secondSubmits || r.secondReleases || r.refusedReleases || r.state === 'failed').slice(0, 10),
    },
    broken,
  }
}

function rolloutSummary(r) {
  if (!r || !r.id) return `rollout: not run${r && r.skipped ? ` (${r.skipped})` : ''}`
  const c = Object.entries(r.counts).map(([k, v]) => `${k} ${v}`).join(', ')
  const l = r.eventToReleaseMs
  return [
    `rollout ${r.id} (${r.state}): ${r.apps} apps: ${c}; submits per app ${r.submitsPerApp}; releases per app ${r.releasesPerApp}; commits per app ${r.commitsPerApp}; ` +
      `event → release p50 ${l.p50 ?? '?'} ms, p99 ${l.p99 ?? '?'} ms (n ${l.n})`,
    `rollout faults: ${JSON.stringify(r.faults)}; audit events: ${JSON.stringify(r.events)}`,
    ...(r.waiting.length ? [`rollout, still legitimately waiting: ${r.waiting.join('; ')}`] : []),
  ].join('\n')
}

module.exports = { judgeRollout, rolloutSummary }

'use strict'
// What a soak run shows, and the invariants it must keep:
// - no ticket, authorization or message lost or handled twice;
// - upstream token calls within lifetimes elapsed + 1 per key per fault event,
//   and no credential obtained twice in one lifetime outside the fault events
//   that excuse it (an invalidation, the database restart, a killed master);
//   the partition excuses nothing;
// - no failed user call on the healthy side during the partition; the cut-off
//   processes serve again after it;
// - every process not killed on purpose is alive at the end;
// - the rollout's (rollout-report.js).
// A user call refused by WeChat with 45009 (daily quota, an injected fault
// that no client may retry) is WeChat's answer, counted apart.

// WeChat's own failure (an injected fault) handed to the caller as it came:
// 45009 is never retried by design; the API client retries -1 / 5xx / resets
// for 3 s, OAuth does not retry them. Counted apart from the fleet's failures.
const { judgeRollout, rolloutSummary } = require('./rollout-report')

const REFUSED = (err) => !!err && (((err.name === 'WeChatAPIError' || err.name === 'ServiceError') && (err.code === 45009 || err.code === -1)) ||
  (err.name === 'TransportError' && /HTTP 5\d\d|request to WeChat failed/.test(err.message)))
const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0)
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d

function callTable(calls) {
  const out = {}
  for (const c of calls) {
    const row = ((out[c.side] ||= {})[c.kind] ||= { made: 0, ok: 0, failed: 0, upstreamFault: 0 })
    row.made++
    if (!c.err) row.ok++
    else if (REFUSED(c.err)) row.upstreamFault++
    else row.failed++
  }
  return out
}

function topErrors(calls, n = 8) {
  const m = {}
  for (const c of calls) if (c.err && !REFUSED(c.err)) {
    const k = `${c.side}/${c.kind}: ${c.err.name}${c.err.code != null ? ` ${c.err.code}` : ''}: ${c.err.message}`.slice(0, 160)
    m[k] = (m[k] || 0) + 1
  }
  return Object.entries(m).sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${v}× ${k}`)
}

/** Recovery: from `from` until the last failed call (of any kind, on `side`) that ended by `limit`. */
function recovery(calls, from, limit, side) {
  const failed = calls.filter((c) => (!side || c.side === side) && c.err && !REFUSED(c.err) && c.at + c.ms >= from && c.at <= limit)
  const last = failed.reduce((m, c) => Math.max(m, c.at + c.ms), from)
  return { failedCalls: failed.length, secondsUntilLastFailure: round((last - from) / 1000) }
}

function rssTable(procs, driverRss) {
  const out = {}
  const rows = procs.map((p) => [p.name, p.rss]).concat([['driver (sandbox, forwarders)', driverRss || []]])
  for (const [name, samples] of rows) {
    // The generation that lived longest (a killed process restarts as a new one).
    const gens = {}
    for (const s of samples) (gens[s[2]] ||= []).push(s)
    const longest = Object.values(gens).sort((a, b) => b.length - a.length)[0] || []
    if (longest.length < 6) { out[name] = { samples: longest.length }; continue }
    const third = Math.floor(longest.length / 3)
    const first = mean(longest.slice(0, third).map((s) => s[1]))
    const last = mean(longest.slice(-third).map((s) => s[1]))
    const middle = mean(longest.slice(third, -third).map((s) => s[1]))
    out[name] = { samples: longest.length, firstThirdMiB: round(first), middleThirdMiB: round(middle), lastThirdMiB: round(last), growthMiB: round(last - first), maxMiB: Math.max(...longest.map((s) => s[1])) }
  }
  return out
}

function evaluate(run) {
  const ev = (name) => run.events.find((e) => e.name === name)
  const evs = (name) => run.events.filter((e) => e.name === name)
  const elapsed = (run.endAt - run.t0) / 1000
  const usable = run.lifetime * 0.95 // refreshed when 5% of the lifetime is left
  const broken = []

  // -- upstream credentials: per kind, per key
  const refreshes = run.upstream.refreshes.filter((r) => r.ok)
  // A fault may cost one extra fetch per key: a token invalidated, the
  // database stopping, the lease holder killed, or the link cut while a
  // fetch's answer is on its way back (WeChat issued it, nobody received it,
  // the other side fetches when the lease runs out). The heal is no excuse:
  // a fetch given up on must never reach WeChat later (tcp_user_timeout).
  const excuses = [...evs('invalidate tokens').map((e) => e.at), ev('database stopping')?.at, ev('SIGKILL lease-holding master')?.at, ev('partition: link down')?.at].filter(Boolean)
  const dbUp = ev('database up')?.at
  const faultEvents = excuses.length
  const kinds = {}
  const byKey = {}
  for (const r of refreshes) (byKey[`${r.kind} ${r.key}`] ||= []).push(r)
  const doubles = []
  for (const [k, list] of Object.entries(byKey)) {
    const [kind] = k.split(' ')
    const span = (run.endAt - list[0].at) / 1000
    const row = (kinds[kind] ||= { keys: 0, obtained: 0, lifetimesElapsed: 0, bound: 0, calls: 0 })
    row.keys++
    row.obtained += list.length
    row.lifetimesElapsed = round(row.lifetimesElapsed + span / usable)
    row.bound += Math.floor(span / usable) + 1 + faultEvents
    for (let i = 1; i < list.length; i++) {
      const [a, b] = [list[i - 1], list[i]]
      if (b.at - a.at >= (usable * 1000) / 2 || k.includes('?')) continue
      const excused = excuses.some((t) => t >= a.at - 2000 && t <= b.at) || (dbUp && a.at <= dbUp + 2000 && b.at >= (ev('database stopping')?.at || 0))
      // Overlapping requests: both fetched at once (the lease let two in);
      // else the second came after the first had its answer.
      const d = { key: k, gapMs: b.at - a.at, overlapping: b.reqAt < a.at, by: [a.proc, b.proc], at: round((a.at - run.t0) / 1000), excused }
      if (!excused) {
        // The sandbox's own clock for requests of this key around then (the driver's event loop may lag).
        const appid = k.split(' ')[1]
        d.sandboxRequestsAt = (run.tokenRequests || []).filter((q) => Math.abs(q.at - a.at) < 4000 && JSON.stringify(q.body || '').includes(appid))
          .map((q) => round((q.at - run.t0) / 1000, 3))
      }
      doubles.push(d)
    }
  }
  for (const r of run.upstream.refreshes) if (kinds[r.kind]) kinds[r.kind].calls++
  for (const [kind, row] of Object.entries(kinds)) {
    if (row.obtained > row.bound) broken.push(`${kind}: ${row.obtained} obtained > bound ${row.bound} (${row.lifetimesElapsed} lifetimes over ${row.keys} keys + ${faultEvents} per key per fault event)`)
  }
  const unexcused = doubles.filter((d) => !d.excused)
  if (unexcused.length) broken.push(`credentials obtained twice within half a lifetime with no fault to excuse it: ${JSON.stringify(unexcused.slice(0, 5))}`)

  // -- the partition
  const cut = ev('partition: link down')?.at
  const healed = ev('partition: link up')?.at
  const partition = {}
  if (cut && healed) {
    const during = run.calls.filter((c) => c.at >= cut && c.at <= healed)
    const healthy = during.filter((c) => c.side === 'host')
    const healthyFailed = healthy.filter((c) => c.err && !REFUSED(c.err))
    partition.leaseHolderSideAtCut = ev('partition: link down').leaseHolderSide
    partition.healthyCalls = healthy.length
    partition.healthyFailed = healthyFailed.length
    partition.healthyFailures = topErrors(healthyFailed)
    partition.cutOffCalls = during.filter((c) => c.side === 'ns').length
    partition.cutOffFailed = during.filter((c) => c.side === 'ns' && c.err).length
    const inside = refreshes.filter((r) => r.at >= cut && r.at <= healed)
    partition.credentialsObtainedDuring = { host: inside.filter((r) => r.side === 'host').length, ns: inside.filter((r) => r.side === 'ns').length }
    if (healthyFailed.length) broken.push(`${healthyFailed.length} user calls failed on the healthy side during the partition: ${partition.healthyFailures.join('; ')}`)
    if (!partition.credentialsObtainedDuring.host) broken.push('nobody on the healthy side refreshed during the partition (the lease did not move)')
    // Rejoin: each kind the cut-off worker makes succeeds again after the link returns.
    const after = run.calls.filter((c) => c.side === 'ns' && c.at >= healed)
    partition.rejoin = {}
    for (const kind of ['client', 'oauth', 'service']) {
      const firstOk = after.find((c) => c.kind === kind && !c.err)
      partition.rejoin[kind] = firstOk ? round((firstOk.at + firstOk.ms - healed) / 1000) : null
      if (!firstOk) broken.push(`the cut-off worker never made a successful ${kind} call after the link returned`)
    }
    const lastNsFail = after.filter((c) => c.err && !REFUSED(c.err)).reduce((m, c) => Math.max(m, c.at + c.ms), healed)
    partition.cutOffSecondsUntilLastFailure = round((lastNsFail - healed) / 1000)
    const nsMasterAfter = refreshes.find((r) => r.at > healed && r.proc === 'master-2')
    partition.nsMasterRefreshedAfterHeal = nsMasterAfter ? round((nsMasterAfter.at - healed) / 1000) : null
  }

  // -- lost / twice: tickets, authorizations, messages
  const ticketPushes = run.pushes.filter((p) => p.infoType === 'component_verify_ticket')
  const acked = ticketPushes.filter((p) => p.status === 200 && /success/.test(p.response || '')).length
  const reached = ticketPushes.filter((p) => p.status != null && p.status !== 503).length
  const tickets = { pushed: ticketPushes.length, acknowledged: acked, handled: run.tickets.length, lost: Math.max(0, acked - run.tickets.length), twice: Math.max(0, run.tickets.length - reached) }
  const rows = new Map(run.authorizerRows.map((r) => [r[0], Number(r[1])]))
  const authz = { authorized: run.authorizations.length, lost: 0, twice: 0, exchanges: run.upstream.authExchanges.length, details: [] }
  for (const a of run.authorizations) {
    const events = run.authorizedEvents.filter((e) => e.appid === a.appid).length
    const exchanges = run.upstream.authExchanges.filter((e) => e.appid === a.appid).length
    const stored = rows.get(a.appid) || 0
    if (!a.redirect || stored === 0) authz.lost++
    if (events > 1 || exchanges > 1 || stored > 1) authz.twice++
    if (!a.redirect || stored !== 1 || events !== 1 || exchanges !== 1) {
      authz.details.push({ appid: a.appid, at: round((a.at - run.t0) / 1000), redirect: !!a.redirect, tries: a.tries, errors: a.errors, stored, authorizedEvents: events,
        exchanges: run.upstream.authExchanges.filter((e) => e.appid === a.appid).map((e) => `${e.proc} at ${round((e.at - run.t0) / 1000)} s`) })
    }
  }
  const messages = { sent: run.messages.length, answered: 0, lost: 0, twice: 0, retried: 0, inFlightToAKilledWorker: 0, details: [] }
  const workerKills = evs('SIGKILL worker').map((e) => e.at)
  for (const m of run.messages) {
    const by = run.handled.get(m.key) || []
    const ok = m.result && m.result.reply === `echo:${m.key}`
    if (ok) messages.answered++
    // The worker holding the request died: nobody could answer it (WeChat
    // does not retry an error answer either). Counted apart, not as lost.
    if (!ok && m.result && m.result.status === 502 && workerKills.some((t) => Math.abs(t - m.at) < 3000)) { messages.inFlightToAKilledWorker++; continue }
    if (m.result && m.result.attempts > 1) messages.retried++
    if (by.length === 0 || !ok) { messages.lost++; messages.details.push({ key: m.key, handledBy: by, result: m.result }) }
    if (by.length > 1) { messages.twice++; messages.details.push({ key: m.key, handledBy: by, result: m.result }) }
  }
  messages.details = messages.details.slice(0, 10)
  for (const [what, r] of [['tickets', tickets], ['authorizations', authz], ['messages', messages]]) {
    if (r.lost || r.twice) broken.push(`${what}: ${r.lost} lost, ${r.twice} handled twice`)
  }

  // -- recovery times
  const down = ev('database stopping')?.at
  const masterKilled = ev('SIGKILL lease-holding master')
  const recoveryInfo = {}
  // Each window ends where the next fault begins (or after 20 s).
  const faultStarts = ['invalidate tokens', 'SIGKILL lease-holding master', 'SIGKILL worker', 'partition: link down', 'database stopping']
    .flatMap((n) => evs(n).map((e) => e.at)).sort((a, b) => a - b)
  const until = (t) => Math.min(t + 20000, ...faultStarts.filter((x) => x > t + 100))
  if (down && dbUp) {
    recoveryInfo.databaseDownSeconds = round((dbUp - down) / 1000)
    recoveryInfo.afterDatabaseReturns = recovery(run.calls, dbUp, until(dbUp))
    recoveryInfo.duringDatabaseOutage = recovery(run.calls, down, dbUp)
    const first = refreshes.find((r) => r.at > dbUp)
    recoveryInfo.firstRefreshAfterDatabaseReturns = first ? round((first.at - dbUp) / 1000) : null
  }
  if (masterKilled) {
    const other = refreshes.find((r) => r.at > masterKilled.at && r.proc !== masterKilled.proc)
    recoveryInfo.masterKilled = masterKilled.proc
    recoveryInfo.secondsUntilAnotherProcessRefreshed = other ? round((other.at - masterKilled.at) / 1000) : null
    recoveryInfo.afterMasterKilled = recovery(run.calls, masterKilled.at, until(masterKilled.at))
    if (!other) broken.push('no other process refreshed after the lease-holding master was killed')
  }
  for (const e of evs('invalidate tokens')) (recoveryInfo.afterInvalidation ||= []).push(recovery(run.calls, e.at, until(e.at)))

  // -- processes
  const expectedDead = []
  const dead = Object.entries(run.alive).filter(([name, alive]) => !alive && !expectedDead.includes(name)).map(([n]) => n)
  if (dead.length) broken.push(`processes died: ${dead.join(', ')}`)

  const rollout = judgeRollout(run)
  broken.push(...rollout.broken.map((b) => `rollout: ${b}`))

  const invalidByReason = {}
  for (const c of run.invalid) invalidByReason[c.reason] = (invalidByReason[c.reason] || 0) + 1
  // Sandbox clock = wall clock here (never advanced): when and where each expired one came.
  const expired = run.invalid.filter((c) => c.reason === 'expired').slice(0, 10).map((c) => `${c.path} at ${round((c.at - run.t0) / 1000)} s`)
  const events = run.events.map((e) => ({ ...e, at: round((e.at - run.t0) / 1000) }))
  const procEvents = {}
  for (const e of run.procEvents) procEvents[`${e.proc} ${e.ev}`] = (procEvents[`${e.proc} ${e.ev}`] || 0) + 1

  return {
    database: run.kind,
    seconds: round(elapsed),
    tokenLifetimeSeconds: run.lifetime,
    events,
    calls: callTable(run.calls),
    failures: topErrors(run.calls),
    upstream: { credentials: kinds, doubles: doubles.slice(0, 20), perProcess: run.upstream.perProc, counters: run.counters },
    callsPresentingARejectedToken: { total: run.invalid.length, byReason: invalidByReason, expired,
      byProcess: run.upstream.rejected.map((r) => `${r.proc} ${r.path} ${r.errcode} at ${round((r.at - run.t0) / 1000)} s`).slice(0, 60) },
    failedCalls: run.calls.filter((c) => c.err && !REFUSED(c.err)).slice(0, 40).map((c) => `${c.proc} ${c.kind} at ${round((c.at - run.t0) / 1000)} s (+${c.ms} ms): ${c.err.name} ${c.err.code ?? ''} ${c.err.message}`),
    recovery: recoveryInfo,
    partition,
    tickets,
    authorizations: authz,
    messages,
    rollout: rollout.section,
    processEvents: procEvents,
    rssMiB: rssTable(run.procs, run.driverRss),
    driverEventLoopDelayMs: run.loopDelay,
    broken,
  }
}

function summary(r) {
  const lines = [`== soak on ${r.database}: ${r.seconds} s, token lifetime ${r.tokenLifetimeSeconds} s ==`]
  for (const [side, kinds] of Object.entries(r.calls)) {
    lines.push(`calls (${side}): ` + Object.entries(kinds).map(([k, v]) => `${k} ${v.ok}/${v.made} ok${v.failed ? `, ${v.failed} failed` : ''}${v.upstreamFault ? `, ${v.upstreamFault} WeChat's fault passed on` : ''}`).join('; '))
  }
  for (const f of r.failures) lines.push(`  failure: ${f}`)
  lines.push('credentials obtained upstream: ' + Object.entries(r.upstream.credentials).map(([k, v]) => `${k} ${v.obtained} (${v.calls} calls; ${v.lifetimesElapsed} lifetimes over ${v.keys} keys; bound ${v.bound})`).join('; '))
  lines.push(`obtained twice within half a lifetime: ${r.upstream.doubles.filter((d) => !d.excused).length} unexcused, ${r.upstream.doubles.filter((d) => d.excused).length} right after a fault event`)
  lines.push(`calls presenting a rejected token: ${r.callsPresentingARejectedToken.total} ${JSON.stringify(r.callsPresentingARejectedToken.byReason)}`)
  lines.push(`recovery: ${JSON.stringify(r.recovery)}`)
  lines.push(`partition: ${JSON.stringify(r.partition)}`)
  lines.push(`tickets: ${JSON.stringify(r.tickets)}`)
  lines.push(`authorizations: ${JSON.stringify({ ...r.authorizations, details: r.authorizations.details.length ? r.authorizations.details : undefined })}`)
  lines.push(`messages: ${JSON.stringify({ ...r.messages, details: r.messages.details.length ? r.messages.details : undefined })}`)
  lines.push(rolloutSummary(r.rollout))
  lines.push('RSS MiB (mean of first → middle → last third): ' + Object.entries(r.rssMiB).map(([k, v]) => `${k} ${v.firstThirdMiB ?? '?'}→${v.middleThirdMiB ?? '?'}→${v.lastThirdMiB ?? '?'}`).join(', '))
  lines.push(r.broken.length ? `BROKEN:\n  - ${r.broken.join('\n  - ')}` : 'all invariants hold')
  return lines.join('\n')
}

module.exports = { evaluate, summary }

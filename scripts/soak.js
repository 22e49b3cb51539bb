#!/usr/bin/env node
'use strict'
// The soak: 2 masters + 4 workers + the token service on a database server
// of its own (MariaDB, then PostgreSQL), against the sandbox with tokens that
// live a few seconds and 20% upstream faults, while tokens are invalidated at
// WeChat (twice), the lease-holding master and a worker are SIGKILLed, the
// database restarts, and the second machine (a network namespace holding the
// second master and one worker) is cut off for 10 s; a rollout of 16 mini
// programs runs through all of it (its driver is the master killed). Prints a
// summary, writes the report as JSON (--report FILE) and exits 1 when an
// invariant breaks.
//
//   node scripts/soak.js [--short] [--db mysql|postgres|both] [--minutes N] [--report FILE] [--rollout-apps N]
//
// --short: about 80 s per database (CI); default 10 minutes per database.
// --rollout-apps: mini programs in the rollout (default 16; 0: no rollout).
// Needs root (ip netns, runuser), mariadbd / mariadb-install-db, PostgreSQL 15.
const fs = require('fs')
const { parseArgs } = require('util')
const { Run } = require('./soak/run')
const { evaluate, summary } = require('./soak/report')

const USAGE = 'usage: node scripts/soak.js [--short] [--db mysql|postgres|both] [--minutes N] [--report FILE] [--lifetime SECONDS] [--rollout-apps N]'

function options() {
  const { values: v } = parseArgs({
    options: {
      short: { type: 'boolean' }, db: { type: 'string' }, minutes: { type: 'string' },
      report: { type: 'string' }, lifetime: { type: 'string' }, 'rollout-apps': { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  })
  if (v.help) { console.log(USAGE); process.exit(0) }
  const db = v.db || 'both'
  if (!['mysql', 'postgres', 'both'].includes(db)) throw new Error(`--db: mysql, postgres or both\n${USAGE}`)
  const minutes = v.minutes != null ? Number(v.minutes) : v.short ? 80 / 60 : 10
  if (!(minutes > 0.5)) throw new Error(`--minutes: more than 0.5\n${USAGE}`)
  const lifetime = v.lifetime != null ? Number(v.lifetime) : 5
  if (!(lifetime >= 3)) throw new Error(`--lifetime: at least 3 seconds\n${USAGE}`)
  const rolloutApps = v['rollout-apps'] != null ? Number(v['rollout-apps']) : 16
  if (!Number.isInteger(rolloutApps) || rolloutApps === 1 || rolloutApps < 0 || rolloutApps > 200) throw new Error(`--rollout-apps: 0 (no rollout) or 2 to 200\n${USAGE}`)
  return { kinds: db === 'both' ? ['mysql', 'postgres'] : [db], seconds: Math.round(minutes * 60), lifetime, report: v.report, rolloutApps }
}

async function main() {
  const o = options()
  if (process.getuid && process.getuid() !== 0) throw new Error('the soak needs root (network namespaces, runuser for PostgreSQL)')
  const reports = []
  let current = null
  const stop = async (sig) => {
    console.error(`${sig}: cleaning up …`)
    if (current) await current.cleanup()
    process.exit(130)
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('uncaughtException', (e) => { console.error(e); stop('uncaught exception') })
  for (const kind of o.kinds) {
    const log = (line) => console.log(line)
    console.log(`-- soak on ${kind}: ${o.seconds} s, token lifetime ${o.lifetime} s`)
    current = new Run({ kind, seconds: o.seconds, lifetime: o.lifetime, rolloutApps: o.rolloutApps, log })
    try {
      await current.setup()
      await current.main()
      const r = evaluate(current)
      reports.push(r)
      console.log(summary(r))
    } catch (e) {
      reports.push({ database: kind, broken: [`the soak itself failed: ${e.stack || e}`] })
      console.error(`soak on ${kind} failed: ${e.stack || e}`)
    } finally {
      await current.cleanup()
      current = null
    }
  }
  const broken = reports.flatMap((r) => r.broken.map((b) => `${r.database}: ${b}`))
  if (o.report) fs.writeFileSync(o.report, JSON.stringify({ at: new Date().toISOString(), reports, broken }, null, 1))
  console.log(broken.length ? `\nSOAK FAILED (${broken.length} invariants broken)` : '\nsoak passed: every invariant holds')
  process.exit(broken.length ? 1 : 0)
}

main().catch((e) => { console.error(e.message); process.exit(2) })

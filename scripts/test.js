#!/usr/bin/env node
// `npm test`: the Rust suites (cargo test, release profile so the addon's
// build is reused) then the JS suites (node --test); in CI also the short soak
// and fuzz runs. Each runner's summary lines are printed, then one line for
// all; the exit code is non-zero if any failed.
'use strict'
const { spawnSync } = require('child_process')
const path = require('path')
const root = path.join(__dirname, '..')

const env = {
  ...process.env,
  WXTP_TEST_MYSQL: process.env.WXTP_TEST_MYSQL || 'mysql://root@127.0.0.1:3306/test',
  WXTP_TEST_POSTGRES: process.env.WXTP_TEST_POSTGRES || 'postgres://postgres@127.0.0.1:5432/test',
}

function run(label, cmd, args) {
  console.log(`\n=== ${label}: ${cmd} ${args.join(' ')}`)
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env })
  return r.status === 0
}

// Same profile and explicit target as `napi build`, so the addon's compiled
// dependencies are reused instead of built a second time.
const host = /host: (\S+)/.exec(spawnSync('rustc', ['-vV'], { encoding: 'utf8' }).stdout)[1]
const rust = run('rust', 'cargo', ['test', '--release', '--target', host, '--', '--test-threads=2'])
// Nothing may hang CI: a test file (the fleet runs ~5 min) gets at most 10 minutes.
const js = run('js', process.execPath, ['--test', '--test-concurrency=1', '--test-timeout=600000', '__test__/'])
// In CI (CI=true, or WXTP_PROOF=1 by hand) the short forms of the proof
// runs too: the soak (its own databases and a network namespace; needs root)
// and 60 s of each fuzz target. Their long forms are run by hand (README).
const proof = process.env.CI === 'true' || !!process.env.WXTP_PROOF
const soak = proof ? run('soak (short)', process.execPath, ['scripts/soak.js', '--short']) : null
const fuzz = proof ? run('fuzz (60 s per target)', process.execPath, ['scripts/fuzz.js', '--secs', '60']) : null
// RustSec's advisories against Cargo.lock when a checkout of advisory-db is
// here (cargo audit's place, or WXTP_ADVISORY_DB); CI's network cannot fetch one.
const advisoryDb = process.env.WXTP_ADVISORY_DB || path.join(require('os').homedir(), '.cargo', 'advisory-db')
const advisories = proof && require('fs').existsSync(path.join(advisoryDb, 'crates'))
  ? run('advisories', process.execPath, ['scripts/advisories.js', advisoryDb])
  : null
if (proof && advisories === null) console.log(`\n=== advisories: skipped (no advisory-db checkout at ${advisoryDb}; github.com, where it comes from, is not reachable here)`)
const word = (ok) => (ok === null ? 'skipped (not CI)' : ok ? 'ok' : 'FAILED')
console.log(`\nrust suites: ${word(rust)}; js suites: ${word(js)}; soak: ${word(soak)}; fuzz: ${word(fuzz)}; advisories: ${advisories === null && proof ? 'skipped (no advisory-db)' : word(advisories)}`)
process.exit(rust && js && soak !== false && fuzz !== false && advisories !== false ? 0 : 1)

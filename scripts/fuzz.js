#!/usr/bin/env node
// Builds the fuzz targets in fuzz/ with libFuzzer instrumentation on stable
// Rust (the flags cargo-fuzz passes, without its nightly-only sanitizer) and
// runs each for N seconds, seeded from fuzz/corpus/<target>/.
//
//   node scripts/fuzz.js [--secs N] [--target T] [--build-only]
//
// One line per target: executions, exec/s, new corpus units, crashes. A crash
// saves its input in fuzz/artifacts/<target>/ and makes the exit status 1;
// replay it with `fuzz/target/<triple>/release/<target> <file>`.
'use strict'

const { spawnSync, spawn } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.resolve(__dirname, '..')
const fuzzDir = path.join(root, 'fuzz')
const targetDir = path.join(fuzzDir, 'target')

function usage (msg) {
  if (msg) console.error(`fuzz.js: ${msg}`)
  console.error('usage: node scripts/fuzz.js [--secs N] [--target T] [--build-only]')
  process.exit(2)
}

const args = process.argv.slice(2)
let secs = 60
let only = null
let buildOnly = false
for (let i = 0; i < args.length; i++) {
  const a = args[i]
  if (a === '--secs') {
    secs = Number(args[++i])
    if (!Number.isInteger(secs) || secs < 1) usage('--secs needs a whole number of seconds ≥ 1')
  } else if (a === '--target') {
    only = args[++i]
    if (!only) usage('--target needs a name')
  } else if (a === '--build-only') buildOnly = true
  else if (a === '-h' || a === '--help') usage()
  else usage(`unknown argument ${a}`)
}

const targets = fs.readdirSync(path.join(fuzzDir, 'fuzz_targets'))
  .filter((f) => f.endsWith('.rs')).map((f) => f.slice(0, -3)).sort()
if (only && !targets.includes(only)) usage(`no target ${only}; targets: ${targets.join(', ')}`)

const host = /^host: (.+)$/m.exec(spawnSync('rustc', ['-vV'], { encoding: 'utf8' }).stdout || '')
if (!host) usage('rustc not found')
const triple = host[1].trim()

// cargo-fuzz's instrumentation (coverage counters, PC table, compare tracing),
// `--cfg fuzzing`, and debug assertions + overflow checks on. `--target` keeps
// the flags off build scripts and proc macros.
const rustflags = [
  '-Cpasses=sancov-module',
  '-Cllvm-args=-sanitizer-coverage-level=4',
  '-Cllvm-args=-sanitizer-coverage-inline-8bit-counters',
  '-Cllvm-args=-sanitizer-coverage-pc-table',
  '-Cllvm-args=-sanitizer-coverage-trace-compares',
  '--cfg', 'fuzzing',
  '-Cdebug-assertions',
  '-Coverflow-checks'
].join(' ')

const env = { ...process.env, CARGO_TARGET_DIR: targetDir, RUSTFLAGS: rustflags }
delete env.CARGO_ENCODED_RUSTFLAGS
delete env.CARGO_BUILD_TARGET

const t0 = Date.now()
const build = spawnSync('cargo', ['build', '--release', '--manifest-path', path.join(fuzzDir, 'Cargo.toml'),
  '--target', triple, '--bins'], { env, stdio: 'inherit' })
if (build.status !== 0) {
  console.error(`fuzz.js: build failed (${build.status ?? build.signal})`)
  process.exit(1)
}
console.log(`fuzz: built in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
if (buildOnly) process.exit(0)

function run (name) {
  return new Promise((resolve) => {
    const bin = path.join(targetDir, triple, 'release', name)
    // New inputs go to a scratch corpus (first directory); the committed
    // seeds are read only.
    const scratch = path.join(targetDir, 'corpus', name)
    const seeds = path.join(fuzzDir, 'corpus', name)
    const artifacts = path.join(fuzzDir, 'artifacts', name)
    fs.mkdirSync(scratch, { recursive: true })
    fs.mkdirSync(artifacts, { recursive: true })
    const dirs = [scratch].concat(fs.existsSync(seeds) ? [seeds] : [])
    const child = spawn(bin, [
      `-max_total_time=${secs}`, '-print_final_stats=1', '-max_len=4096', '-timeout=10',
      '-rss_limit_mb=2048', `-artifact_prefix=${artifacts}${path.sep}`, ...dirs
    ], { stdio: ['ignore', 'pipe', 'pipe'] })
    let log = ''
    child.stdout.on('data', (d) => { log += d })
    child.stderr.on('data', (d) => { log += d })
    child.on('close', (code, signal) => {
      const stat = (k) => { const m = new RegExp(`stat::${k}:\\s*(\\d+)`).exec(log); return m ? Number(m[1]) : NaN }
      const crashes = [...log.matchAll(/(?:Test unit|artifact_prefix=.*?;) ?written to (\S+)/g)].map((m) => m[1])
      const failed = code !== 0
      resolve({ name, execs: stat('number_of_executed_units'), rate: stat('average_exec_per_sec'), units: stat('new_units_added'), failed, crashes, code: code ?? signal, log })
    })
  })
}

;(async () => {
  const t1 = Date.now()
  let bad = 0
  for (const name of only ? [only] : targets) {
    const r = await run(name)
    const n = r.failed ? Math.max(1, r.crashes.length) : 0
    console.log(`fuzz ${r.name}: ${r.execs} executions, ${r.rate} exec/s, ${r.units} new units, ${n} crashes` +
      (r.failed ? ` (exit ${r.code}; input: ${r.crashes.join(', ') || 'see log'})` : ''))
    if (r.failed) {
      bad++
      // The panic and libFuzzer's report, without the progress lines.
      process.stderr.write(r.log.split('\n').filter((l) => !/^#\d+\s/.test(l)).slice(-60).join('\n') + '\n')
    }
  }
  console.log(`fuzz: ${bad ? bad + ' target(s) crashed' : 'no crashes'}; ran in ${((Date.now() - t1) / 1000).toFixed(1)} s, total ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  process.exit(bad ? 1 : 0)
})()

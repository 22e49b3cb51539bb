#!/usr/bin/env node
// `npm test`: the Rust suites (cargo test, release profile so the addon's
// build is reused) then the JS suites (node --test). Both runners' summary
// lines are printed; the exit code is non-zero if either failed.
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
console.log(`\nrust suites: ${rust ? 'ok' : 'FAILED'}; js suites: ${js ? 'ok' : 'FAILED'}`)
process.exit(rust && js ? 0 : 1)

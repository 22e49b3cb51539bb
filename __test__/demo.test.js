'use strict'
// The README's main-job command: `wxthirdparty demo` runs the whole flow on
// SQLite + the sandbox, prints each step, and exits 0 by itself.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('child_process')
const path = require('path')

test('wxthirdparty demo runs the whole flow and exits 0', () => {
  const r = spawnSync(process.execPath, [path.join(__dirname, '..', 'bin', 'wxthirdparty.js'), 'demo'], { encoding: 'utf8', timeout: 60000 })
  assert.equal(r.status, 0, r.stdout + r.stderr)
  for (const step of ['[1] starting the sandbox', '[3] start()', 'ready:', '[5] fetch_user_info', 'sent a text message', 'done in']) {
    assert.ok(r.stdout.includes(step), `missing "${step}" in:\n${r.stdout}`)
  }
  // The counted upstream calls: one component token, one code exchange.
  assert.match(r.stdout, /\s1\s+\/cgi-bin\/component\/api_component_token/)
  assert.match(r.stdout, /\s1\s+\/cgi-bin\/component\/api_query_auth/)
})

test('wxthirdparty with no command prints its usage', () => {
  const r = spawnSync(process.execPath, [path.join(__dirname, '..', 'bin', 'wxthirdparty.js')], { encoding: 'utf8' })
  assert.equal(r.status, 0)
  assert.match(r.stdout, /usage: wxthirdparty <command>/)
  const bad = spawnSync(process.execPath, [path.join(__dirname, '..', 'bin', 'wxthirdparty.js'), 'nope'], { encoding: 'utf8' })
  assert.equal(bad.status, 2)
})

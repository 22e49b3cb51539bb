'use strict'
// The CLI: --help everywhere, install --db, app add, and clear errors (exit
// code 1, one line, no stack trace) for bad URLs and unreachable databases.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const path = require('path')
const { spawnSync } = require('child_process')
const { startSandbox, startTokenService } = require('..')
const { tempSqlite } = require('./helpers/platform')

const BIN = path.join(__dirname, '..', 'bin', 'wxthirdparty.js')
const run = (...args) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60000 })
const noStack = (r) => assert.ok(!/\n\s+at /.test(r.stderr), `stack trace in: ${r.stderr}`)

test('--help on every command prints usage and exits 0', () => {
  for (const args of [['--help'], ['serve', '--help'], ['install', '--help'], ['app', '--help'], ['app', 'add', '--help'], ['demo', '--help'], ['sandbox', '--help']]) {
    const r = run(...args)
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`)
    assert.match(r.stdout, /usage: wxthirdparty/, args.join(' '))
  }
})

test('unknown command or flag: usage and a non-zero exit', () => {
  let r = run('frobnicate')
  assert.equal(r.status, 2)
  assert.match(r.stdout, /serve/)
  r = run('serve', '--colour', 'red')
  assert.equal(r.status, 1)
  assert.match(r.stderr, /--colour/)
  noStack(r)
})

test('install --db creates, then finds the schema current', () => {
  const db = tempSqlite()
  try {
    let r = run('install', '--db', db.url)
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /created the wxthirdparty tables \(schema version \d+\)/)
    r = run('install', '--db', db.url)
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /already current/)
  } finally {
    db.cleanup()
  }
})

test('bad URL, unreachable database, missing flags: one clear line, exit 1', () => {
  for (const [args, re] of [
    [['install'], /--db URL is required/],
    [['install', '--db', 'redis://localhost'], /mysql:\/\/, postgres:\/\/, sqlite:\/\//],
    [['install', '--db', 'mysql://root:hunter2@127.0.0.1:1/test'], /./],
    [['serve'], /--db is required/],
    [['serve', '--db', 'sqlite::memory:', '--port', 'x'], /--port/],
    [['serve', '--db', 'sqlite::memory:', '--host', '0.0.0.0'], /authToken/],
    [['app', 'add', '--db', 'sqlite::memory:', '--appid', 'wx1'], /--secret is required/],
    [['app', 'remove'], /unknown subcommand/],
  ]) {
    const r = run(...args)
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stdout} ${r.stderr}`)
    assert.match(r.stderr, re, args.join(' '))
    assert.ok(!r.stderr.includes('hunter2'), 'no password in errors')
    noStack(r)
  }
})

test('app add registers an account the token service then serves', async () => {
  const sandbox = await startSandbox()
  const db = tempSqlite()
  const app = { appid: 'wxcliapp00000001', secret: 'cli-secret-0001' }
  await sandbox.registerApp(app)
  try {
    const r = run('app', 'add', '--db', db.url, '--appid', app.appid, '--secret', app.secret)
    assert.equal(r.status, 0, r.stderr)
    assert.ok(!r.stdout.includes(app.secret))
    const svc = await startTokenService({ db: db.url, apiBase: sandbox.url })
    try {
      const res = await (await fetch(`${svc.url}/${app.appid}/wechat/token/get`)).json()
      assert.equal(res.errcode, 0)
      assert.equal((await sandbox.issued())['/cgi-bin/token'], 1)
    } finally {
      await svc.close()
    }
  } finally {
    await sandbox.close()
    db.cleanup()
  }
})

test('sandbox --host 0.0.0.0 prints the real bind address and warns that its control API is open', async () => {
  const { spawn } = require('child_process')
  // Everything the CLI printed until it is running, both streams read to
  // their end (stdout and stderr arrive in no fixed order).
  async function printed(args) {
    const child = spawn(process.execPath, [BIN, 'sandbox', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stderr.on('data', (d) => { err += d })
    const closed = new Promise((resolve) => child.once('close', resolve))
    try {
      for await (const chunk of child.stdout) {
        out += chunk
        if (/Ctrl-C/.test(out)) break
      }
    } finally {
      child.kill('SIGTERM')
    }
    await closed
    return { out, err }
  }
  const open = await printed(['--host', '0.0.0.0', '--port', '0'])
  assert.match(open.out, /listening on http:\/\/0\.0\.0\.0:\d+ \(local clients: http:\/\/127\.0\.0\.1:\d+\)/)
  assert.match(open.err, /WARNING: the sandbox's control API \(\/__sandbox\) has no authentication/)
  // On loopback: no warning.
  const quiet = await printed(['--port', '0'])
  assert.match(quiet.out, /listening on http:\/\/127\.0\.0\.1:\d+\n/)
  assert.doesNotMatch(quiet.err, /WARNING/)
})

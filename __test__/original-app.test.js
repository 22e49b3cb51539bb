'use strict'
// The original README's app.js, in a real node cluster (a master and two
// workers sharing a port), against the sandbox and a SQLite file.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawn } = require('child_process')
const net = require('net')
const path = require('path')
const { startSandbox } = require('..')
const { credentials, tempSqlite } = require('./helpers/platform')

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

test("the original README's cluster app runs unchanged but for the require line", { timeout: 60000 }, async () => {
  const sandbox = await startSandbox()
  const creds = credentials()
  const db = tempSqlite()
  const port = await freePort()
  await sandbox.registerComponent({ appid: creds.appid, secret: creds.secret, token: creds.token, encodingAESKey: creds.key, pushUrl: `http://127.0.0.1:${port}/auth_callback` })
  const app = spawn(process.execPath, [path.join(__dirname, 'fixtures', 'original-app.js')], {
    env: {
      ...process.env,
      WXTHIRDPARTY_API_BASE: sandbox.url,
      ORIGINAL_APP: JSON.stringify({ appid: creds.appid, appsecret: creds.secret, token: creds.token, key: creds.key, db: db.url, port }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  try {
    // The master asks WeChat for a ticket; the push lands on a worker's save_ticket.
    await new Promise((resolve, reject) => {
      app.stdout.on('data', (d) => { out += d; if (out.includes('master ready')) resolve() })
      app.on('exit', (code) => reject(new Error(`app exited (${code}): ${out}`)))
    })
    const { authorizerAppid, authCode } = await sandbox.authorize(creds.appid, { nickName: 'Original 号', followers: 2 })
    const authorized = await fetch(`http://127.0.0.1:${port}/authorized?auth_code=${authCode}`)
    assert.equal(await authorized.text(), 'Original 号')
    const cookie = authorized.headers.get('set-cookie').split(';')[0]
    assert.match(cookie, /^wx_token=[0-9a-f]{64}$/)

    const [openid] = await sandbox.followers(authorizerAppid)
    for (let i = 0; i < 4; i++) { // both workers answer
      const page = await (await fetch(`http://127.0.0.1:${port}/show_head_img?openid=${openid}`, { headers: { cookie } })).text()
      assert.match(page, /^<img src="https?:\/\/[^"]+"\/>$|has no head img$/, page)
    }
    const unknown = await (await fetch(`http://127.0.0.1:${port}/show_head_img?openid=${openid}`, { headers: { cookie: 'wx_token=nope' } })).text()
    assert.equal(unknown, '"not exist"')
    const counters = await sandbox.counters()
    assert.equal(counters['/cgi-bin/component/api_component_token'], 1, 'only the master fetched the component token')
  } finally {
    app.kill('SIGTERM')
    await new Promise((r) => (app.exitCode !== null ? r() : app.once('exit', r)))
    await sandbox.close()
    db.cleanup()
  }
})

'use strict'
// startConsole() and `serve --console` as a user calls them: options checked
// with TypeErrors naming the option, the console nested in the token service
// (its own login; the bearer token does not apply to it), the CLI's help.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('path')
const { execFileSync } = require('child_process')
const { startConsole, startTokenService } = require('..')
const { tempSqlite } = require('./helpers/platform')

test('startConsole checks its options before doing anything', async () => {
  await assert.rejects(startConsole(), { name: 'TypeError', message: /options: must be an object/ })
  await assert.rejects(startConsole({ db: 'sqlite::memory:' }), { name: 'TypeError', message: /options\.token: the console needs a login/ })
  await assert.rejects(startConsole({ db: 'sqlite::memory:', token: 'short' }), { name: 'TypeError', message: /options\.token: must be at least 8 characters/ })
  await assert.rejects(startConsole({ db: 'sqlite::memory:', token: 'long-enough-1', password: 'x' }), { name: 'TypeError', message: /options\.password: unknown option/ })
  await assert.rejects(startConsole({ db: 'sqlite::memory:', token: 'long-enough-1', port: 70000 }), { name: 'TypeError', message: /options\.port/ })
})

test('startConsole serves a login page, with a callback too', async (t) => {
  const db = tempSqlite()
  t.after(db.cleanup)
  const con = await new Promise((resolve, reject) => startConsole({ db: db.url, token: 'operator-token-1' }, (e, c) => (e ? reject(e) : resolve(c))))
  t.after(() => con.close())
  assert.match(con.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  const login = await fetch(`${con.url}/login`)
  assert.equal(login.status, 200)
  assert.match(await login.text(), /<form method="post"/)
  const page = await fetch(`${con.url}/authorizers`, { redirect: 'manual' })
  assert.equal(page.status, 303)
  assert.equal(page.headers.get('location'), '/login')
})

test('serve --console: the console at /console beside the token routes', async (t) => {
  const db = tempSqlite()
  t.after(db.cleanup)
  const svc = await startTokenService({ db: db.url, authToken: 'bearer-token-1-0123456789', console: { token: 'operator-token-1', viewerToken: 'viewer-token-1' } })
  t.after(() => svc.close())
  assert.equal((await fetch(`${svc.url}/healthz`)).status, 200)
  assert.equal((await fetch(`${svc.url}/console/login`)).status, 200)
  const res = await fetch(`${svc.url}/console/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'user=viewer&password=viewer-token-1',
  })
  assert.equal(res.status, 303)
  assert.equal(res.headers.get('location'), '/console/authorizers')
  const cookie = res.headers.get('set-cookie')
  assert.match(cookie, /Path=\/console; HttpOnly; SameSite=Strict/)
  const page = await fetch(`${svc.url}/console/authorizers`, { headers: { cookie: cookie.split(';')[0] } })
  assert.equal(page.status, 200)
  assert.match(await page.text(), /viewer \(viewer\)/)
  // The token routes still want their bearer token.
  assert.equal((await fetch(`${svc.url}/wxnotregistered/wechat/token/get`)).status, 401)
  await assert.rejects(startTokenService({ db: db.url, console: {} }), { name: 'TypeError', message: /options\.console\.token/ })
})

test('wxthirdparty console --help', () => {
  const out = execFileSync(process.execPath, [path.join(__dirname, '..', 'bin', 'wxthirdparty.js'), 'console', '--help'], { encoding: 'utf8' })
  assert.match(out, /usage: wxthirdparty console --db URL/)
})

test('messages counted for the console: a delivery whose handler throws, through the sandbox, on the messages page', async (t) => {
  const http = require('http')
  const { readyPlatform } = require('./helpers/platform')
  const { env, platform } = await readyPlatform()
  t.after(async () => { await platform.close(); await env.close() })
  const messages = platform.messages((m) => { if (m.Content === 'boom') throw new Error('handler broke') })
  platform.on('message_error', () => {})
  const push = env.receiver.box.handler
  env.receiver.box.handler = (req, res) => (req.url.startsWith('/wechat/auth') ? push(req, res) : messages(req, res))
  await env.sandbox.setMessageUrl(env.creds.appid, `${env.receiver.url}/wechat/$APPID$/callback`)
  const { authCode, authorizerAppid } = await env.sandbox.authorize(env.creds.appid, {})
  await platform.handleAuthCode(authCode)
  assert.equal((await env.sandbox.sendMessage(authorizerAppid, 'fine')).status, 200)
  assert.equal((await env.sandbox.sendMessage(authorizerAppid, 'boom')).status, 200)

  const con = await startConsole({ db: env.db.url, token: 'operator-token-1' })
  t.after(() => con.close())
  const res = await fetch(`${con.url}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'user=operator&password=operator-token-1' })
  const cookie = res.headers.get('set-cookie').split(';')[0]
  // Counts reach the store in the inbox's next batch (every 2 s).
  let page = ''
  for (let i = 0; i < 50 && !/id="m-handler-failures" class="bad">1</.test(page); i++) {
    await new Promise((r) => setTimeout(r, 200))
    page = await (await fetch(`${con.url}/messages`, { headers: { cookie } })).text()
  }
  assert.match(page, /<b id="m-deliveries">2<\/b>/)
  assert.match(page, /<b id="m-handler-failures" class="bad">1<\/b>/)
  assert.match(page, new RegExp(`<code>${authorizerAppid}</code></td><td>2</td><td>1</td>`), 'per authorizer')

  // Behind the token service on loopback, a foreign Host reaches no console page.
  const svc = await startTokenService({ db: env.db.url, console: { token: 'operator-token-1' } })
  t.after(() => svc.close())
  const status = (host) => new Promise((resolve, reject) => {
    http.get(`${svc.url}/console/login`, { headers: { host } }, (r) => { r.resume(); resolve(r.statusCode) }).on('error', reject)
  })
  assert.equal(await status('evil.example'), 403)
  assert.equal(await status(`localhost:${new URL(svc.url).port}`), 200)
})

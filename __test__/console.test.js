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

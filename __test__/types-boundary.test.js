'use strict'
// What crosses the Rust/JS boundary, as a user sees it: events and their
// errors, readiness flags, the error names the declarations promise.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const path = require('path')
const { once } = require('events')
const wx = require('..')
const { platformSetup } = require('./helpers/platform')

test('a starting master: refresh_failed carries a WeChatAPIError, then ready with no not_ready before it', async (t) => {
  const env = await platformSetup()
  t.after(() => env.close())
  const { appid, secret, token, key } = env.creds
  await env.sandbox.injectFault('/cgi-bin/component/api_component_token', { errcode: 40013 }, 1)
  const p = new wx.ThirdpartyServer(appid, secret, token, key, env.db.url, false, {
    apiBase: env.sandbox.url, maxTickMs: 300, pollIntervalMs: 100, pushTicketIntervalMs: 1000,
  })
  t.after(() => p.close())
  env.receiver.box.handler = p.middleware()
  const seen = []
  for (const name of ['ready', 'not_ready', 'outdated']) p.on(name, () => seen.push(name))
  const failed = once(p, 'refresh_failed')
  const ready = once(p, 'ready')
  p.start()
  const [err] = await failed
  assert.ok(err instanceof wx.WeChatAPIError, `got ${err && err.name}`)
  assert.equal(err.code, 40013)
  assert.equal(err.tokenKind, 'component_access_token')
  await ready
  assert.deepEqual(seen, ['ready'])
  assert.equal(p.ready && p.ticket_ready && p.access_token_ready && p.preauthcode_ready, true)
  // The authorizer access token comes without its profile.
  const auth = await env.sandbox.authorize(appid, { push: false })
  const user = await p.handleAuthCode(auth.authCode)
  assert.ok(user.access_token_expires_in instanceof Date)
  assert.equal(await p.getAuthorizerAccessToken(user.appid), user.access_token)
})

test('client.getUser(undefined) is a TypeError naming the argument', async (t) => {
  const sandbox = await wx.startSandbox()
  t.after(() => sandbox.close())
  await sandbox.registerApp('wxtypesgu', 'secret')
  const api = new wx.API('wxtypesgu', 'secret', { apiBase: sandbox.url })
  t.after(() => api.close())
  await assert.rejects(api.getUser(undefined), (e) => e instanceof TypeError && /^options: /.test(e.message) && !/serde|InvalidArg/.test(e.message))
})

test('the error names index.d.ts and the README promise are the classes the package raises', () => {
  const dts = fs.readFileSync(path.join(__dirname, '..', 'index.d.ts'), 'utf8')
  const union = /export type WxErrorName =([^\n]+\n(?:\s+\|[^\n]+\n)*)/.exec(dts)[1]
  const names = [...union.matchAll(/'(\w+)'/g)].map((m) => m[1]).sort()
  // The classes handed to the addon at load (lib/native.js).
  const raised = [...Object.keys(require('../lib/errors')), 'TypeError'].sort()
  assert.deepEqual(names, raised)
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8')
  for (const n of names) assert.ok(readme.includes(`\`${n}\``), `README names ${n}`)
})

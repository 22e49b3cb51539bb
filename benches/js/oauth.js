#!/usr/bin/env node
// OAuth side by side with wechat-oauth (a devDependency), in one node run:
// the authorize URLs, mini-program decryption, and getUser with a kept token
// against the sandbox (wechat-oauth's own request pointed at it).
// Run: npm run bench -- oauth   (or: node benches/js/oauth.js)
'use strict'
const assert = require('node:assert/strict')
const urllib = require('urllib')
const WechatOAuth = require('wechat-oauth')
const { OAuth, startSandbox } = require('../..')
const { measure, emit } = require('./_measure')


/** Calls per wall-second of a sequential async `fn` (best of `rounds`, interleaved by the caller). */
async function measureAsync(fn, n = 300) {
  for (let i = 0; i < 30; i++) await fn()
  const t = process.hrtime.bigint()
  for (let i = 0; i < n; i++) await fn()
  return n / (Number(process.hrtime.bigint() - t) / 1e9)
}

const rows = []
const fmt = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(0))

async function main() {
  const sandbox = await startSandbox()
  const appid = 'wxbenchoauth0001'
  const secret = 'benchsecret'
  await sandbox.registerApp(appid, secret)
  const ours = new OAuth(appid, secret, null, null, true, { apiBase: sandbox.url })
  const theirs = new WechatOAuth(appid, secret, null, null, true)
  // wechat-oauth has no base-URL option: route its own requests to the sandbox.
  theirs.request = (url, opts, cb) => urllib.request(url.replace('https://api.weixin.qq.com', sandbox.url), { ...opts, dataType: 'json' }, cb)

  // ---- authorize URL ----
  const redirect = 'https://example.com/oauth/callback?next=/orders/123&lang=zh_CN'
  assert.equal(ours.getAuthorizeURL(redirect, 'state', 'snsapi_userinfo'), theirs.getAuthorizeURL(redirect, 'state', 'snsapi_userinfo'))
  const u = [measure(() => ours.getAuthorizeURL(redirect, 'state', 'snsapi_userinfo')),
    measure(() => theirs.getAuthorizeURL(redirect, 'state', 'snsapi_userinfo'))]
  rows.push({ name: 'getAuthorizeURL', unit: 'ops/CPU-s', ours: u[0], theirs: u[1] })
  assert.equal(ours.getAuthorizeURLForWebsite(redirect, 'state'), theirs.getAuthorizeURLForWebsite(redirect, 'state'))
  const w = [measure(() => ours.getAuthorizeURLForWebsite(redirect, 'state')), measure(() => theirs.getAuthorizeURLForWebsite(redirect, 'state'))]
  rows.push({ name: 'getAuthorizeURLForWebsite', unit: 'ops/CPU-s', ours: w[0], theirs: w[1] })

  // ---- mini-program decryption ----
  const login = await sandbox.jsCode(appid, {})
  const args = { sessionKey: login.sessionKey, encryptedData: login.encryptedData, iv: login.iv }
  assert.deepEqual(ours.decryptMiniProgramUser(args), theirs.decryptMiniProgramUser(args))
  const d = [measure(() => ours.decryptMiniProgramUser(args)), measure(() => theirs.decryptMiniProgramUser(args))]
  rows.push({ name: 'decryptMiniProgramUser', unit: 'ops/CPU-s', ours: d[0], theirs: d[1] })

  // ---- getUser with a kept, valid token (one /sns/userinfo call each) ----
  const web = new OAuth(appid, secret, null, null, false, { apiBase: sandbox.url })
  const webTheirs = new WechatOAuth(appid, secret)
  webTheirs.request = theirs.request
  const a = await sandbox.oauthCode(appid, {})
  // Another user: WeChat keeps one live token per user, so the two must not share one.
  const b = await sandbox.oauthCode(appid, { openid: 'obenchtheirs0000000000000000' })
  await web.getAccessToken(a.code)
  await new Promise((resolve, reject) => webTheirs.getAccessToken(b.code, (e) => (e ? reject(e) : resolve())))
  const getTheirs = () => new Promise((resolve, reject) => webTheirs.getUser(b.openid, (e, r) => (e ? reject(e) : resolve(r))))
  assert.equal((await web.getUser(a.openid)).openid, a.openid)
  assert.equal((await getTheirs()).openid, b.openid)
  let best = [0, 0]
  for (let r = 0; r < 3; r++) {
    best = [Math.max(best[0], await measureAsync(() => web.getUser(a.openid))), Math.max(best[1], await measureAsync(getTheirs))]
  }
  rows.push({ name: 'getUser, kept token, sandbox over HTTP', unit: 'calls/s', ours: best[0], theirs: best[1] })

  console.log('| benchmark | wxthirdparty | wechat-oauth | ratio |')
  console.log('| --- | --- | --- | --- |')
  for (const r of rows) console.log(`| ${r.name} | ${fmt(r.ours)} ${r.unit} | ${fmt(r.theirs)} ${r.unit} | ${(r.ours / r.theirs).toFixed(2)}× |`)
  emit(rows.map((r) => ({ area: 'OAuth', case: r.name, ours: r.ours, theirs: r.theirs, unit: r.unit, against: 'wechat-oauth' })))
  await web.close()
  await ours.close()
  await sandbox.close()
}

main().catch((e) => { console.error(e); process.exit(1) })

'use strict'
// OAuth in a cluster and on behalf of an authorizer. Cluster: a token saved
// by one process is used by others (MariaDB and PostgreSQL), and an expired
// one is refreshed once however many processes ask at the same time.
// Component OAuth: the authorize URL carries component_appid, code exchange,
// refresh and mini-program login go through the component endpoints with the
// component_access_token, and a rejected component token is renewed.
const { test, describe, before, after } = require('node:test')
const assert = require('node:assert/strict')
const path = require('path')
const { fork } = require('child_process')
const { once } = require('events')
const WechatOAuth = require('wechat-oauth')
const { startSandbox } = require('..')
const { credentials, readyPlatform } = require('./helpers/platform')
const { MYSQL, POSTGRES, freshDatabase } = require('./helpers/databases')

const count = async (sandbox, p) => (await sandbox.counters())[p] || 0

function runChild(opts) {
  const child = fork(path.join(__dirname, 'oauth', 'child.js'), [], {
    env: { ...process.env, WXTP_OAUTH: JSON.stringify(opts) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  return once(child, 'message').then(([m]) => m)
}

for (const kind of ['mysql', 'postgres']) {
  describe(`cluster on ${kind}`, { timeout: 90000 }, () => {
    let sandbox, db, app
    before(async () => {
      sandbox = await startSandbox({ lifetimes: { oauth: 2 } })
      const { appid, secret } = credentials()
      app = { appid, secret }
      await sandbox.registerApp(appid, secret)
      db = freshDatabase(kind, kind === 'mysql' ? MYSQL : POSTGRES)
    })
    after(async () => {
      await sandbox.close()
      db.drop()
    })

    test('a token saved by one process is used by another; expired, it is refreshed once for three', async () => {
      const base = { ...app, db: db.url, sandbox: sandbox.url }
      const { code, openid } = await sandbox.oauthCode(app.appid, {})
      const saved = await runChild({ ...base, cmd: 'getAccessToken', code })
      assert.equal(saved.error, undefined, JSON.stringify(saved.error))
      assert.equal(saved.token.openid, openid)

      const used = await runChild({ ...base, cmd: 'getUser', openid })
      assert.equal(used.error, undefined, JSON.stringify(used.error))
      assert.equal(used.user.openid, openid)
      assert.equal(await count(sandbox, '/sns/oauth2/refresh_token'), 0)

      await new Promise((r) => setTimeout(r, 2200)) // the user token expires
      const all = await Promise.all([1, 2, 3].map(() => runChild({ ...base, cmd: 'getUser', openid })))
      for (const r of all) {
        assert.equal(r.error, undefined, JSON.stringify(r.error))
        assert.equal(r.user.openid, openid)
      }
      assert.equal(await count(sandbox, '/sns/oauth2/refresh_token'), 1)
      assert.equal(await count(sandbox, '/sns/oauth2/access_token'), 1)
      assert.equal((await sandbox.invalidTokenCalls()).length, 0)
    })
  })
}

describe('component OAuth (on behalf of an authorizer)', { timeout: 90000 }, () => {
  let env, platform, authorizerAppid
  before(async () => {
    ;({ env, platform } = await readyPlatform())
    ;({ authorizerAppid } = await env.sandbox.authorize(env.creds.appid, { followers: 2 }))
  })
  after(async () => {
    await platform.close()
    await env.close()
  })

  test('authorize URL: wechat-oauth\'s plus component_appid', () => {
    const oauth = platform.oauth(authorizerAppid)
    const url = oauth.getAuthorizeURL('https://example.com/cb?a=1', 'st', 'snsapi_userinfo')
    const plain = new WechatOAuth(authorizerAppid, 'x').getAuthorizeURL('https://example.com/cb?a=1', 'st', 'snsapi_userinfo')
    assert.equal(url, plain.replace('#wechat_redirect', `&component_appid=${env.creds.appid}#wechat_redirect`))
    assert.throws(() => platform.oauth(''), { name: 'TypeError', message: /authorizerAppid/ })
  })

  test('code exchange, getUser, refresh through the component endpoints', async () => {
    const oauth = platform.oauth(authorizerAppid)
    const { code, openid } = await env.sandbox.oauthCode(authorizerAppid, { componentAppid: env.creds.appid })
    const t = await oauth.getAccessToken(code)
    assert.equal(t.data.openid, openid)
    assert.equal(await count(env.sandbox, '/sns/oauth2/component/access_token'), 1)
    assert.equal(await count(env.sandbox, '/sns/oauth2/access_token'), 0)
    assert.equal((await oauth.getUser(openid)).openid, openid)
    const r = await oauth.refreshAccessToken(t.data.refresh_token)
    assert.notEqual(r.data.access_token, t.data.access_token)
    assert.equal(await count(env.sandbox, '/sns/oauth2/component/refresh_token'), 1)
    // A second OAuth object for the same authorizer finds the kept token.
    assert.equal((await platform.oauth(authorizerAppid).getUser(openid)).openid, openid)
    // Component OAuth codes are not good for the plain endpoint, and vice versa.
    const plainCode = await env.sandbox.oauthCode(authorizerAppid, {})
    await assert.rejects(oauth.getAccessToken(plainCode.code), (e) => e.name === 'WeChatAPIError' && e.code === 40029)
  })

  test('a rejected component_access_token is renewed and the exchange retried once', async () => {
    const oauth = platform.oauth(authorizerAppid)
    const { code, openid } = await env.sandbox.oauthCode(authorizerAppid, { componentAppid: env.creds.appid })
    const tokens = await count(env.sandbox, '/cgi-bin/component/api_component_token')
    await env.sandbox.invalidateTokens()
    const t = await oauth.getAccessToken(code)
    assert.equal(t.data.openid, openid)
    assert.equal(await count(env.sandbox, '/cgi-bin/component/api_component_token'), tokens + 1)
  })

  test('mini-program login on behalf of the authorizer', async () => {
    const oauth = platform.oauth(authorizerAppid, { isMiniProgram: true })
    const login = await env.sandbox.jsCode(authorizerAppid, { componentAppid: env.creds.appid })
    const user = await oauth.getUserByCode({ code: login.code, encryptedData: login.encryptedData, iv: login.iv })
    assert.equal(user.openId, login.openid)
    assert.equal(user.watermark.appid, authorizerAppid)
    assert.equal(await count(env.sandbox, '/sns/component/jscode2session'), 1)
    const again = await oauth.decryptMiniProgramUser({ openid: login.openid, encryptedData: login.encryptedData, iv: login.iv })
    assert.deepEqual(again, user)
  })
})

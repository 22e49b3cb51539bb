'use strict'
// ThirdpartyServer's administrative calls against the sandbox: authorizer
// options, every page of the authorizer list, the platform's quota,
// open-platform binding, and authorizer clients with the full API.
const { test, describe, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { readyPlatform } = require('./helpers/platform')

describe('platform administration', { timeout: 90000 }, () => {
  let env, platform
  before(async () => {
    ;({ env, platform } = await readyPlatform())
  })
  after(async () => {
    await platform.close()
    await env.close()
  })

  test('authorizer options: set, then read back', async () => {
    const { authCode, authorizerAppid } = await env.sandbox.authorize(env.creds.appid, {})
    await platform.handleAuthCode(authCode)
    const before = await platform.getAuthorizerOption(authorizerAppid, 'voice_recognize')
    assert.equal(before.option_value, '0')
    await platform.setAuthorizerOption(authorizerAppid, 'voice_recognize', '1')
    assert.equal((await platform.getAuthorizerOption(authorizerAppid, 'voice_recognize')).option_value, '1')
    await assert.rejects(platform.setAuthorizerOption('wxnotauthorized0', 'voice_recognize', '1'), (e) => e.name === 'WeChatAPIError')
    assert.throws(() => platform.getAuthorizerOption('', 'x'), /appid/)
  })

  test('getAuthorizerList: the whole list over several pages, as a promise and as an async iterator', async () => {
    // 501 + the earlier test's one: two pages of WeChat's 500.
    for (let i = 0; i < 501; i++) await env.sandbox.authorize(env.creds.appid, {})
    const all = await platform.getAuthorizerList()
    assert.equal(all.length, 502)
    assert.equal(new Set(all.map((a) => a.authorizer_appid)).size, 502)
    const seen = []
    for await (const a of platform.getAuthorizerList()) seen.push(a.authorizer_appid)
    assert.deepEqual(seen, all.map((a) => a.authorizer_appid))
    const pages = (await env.sandbox.requests('/cgi-bin/component/api_get_authorizer_list')).slice(-2)
    assert.deepEqual(pages.map((p) => p.body.offset), [0, 500])
    const viaCallback = await new Promise((resolve, reject) => platform.getAuthorizerList((err, list) => (err ? reject(err) : resolve(list))))
    assert.equal(viaCallback.length, 502)
  })

  test('clearComponentQuota posts the platform appid with its component token', async () => {
    await platform.clearComponentQuota()
    const r = (await env.sandbox.requests('/cgi-bin/component/clear_quota')).pop()
    assert.deepEqual(r.body, { component_appid: env.creds.appid })
    assert.deepEqual(r.query, {}) // the log leaves credentials out
  })

  test('open-platform account: create, get, unbind, bind; errors are WeChat\'s', async () => {
    const { authCode, authorizerAppid } = await env.sandbox.authorize(env.creds.appid, {})
    await platform.handleAuthCode(authCode)
    const { open_appid } = await platform.createOpenAccount(authorizerAppid)
    assert.match(open_appid, /^wxopen/)
    assert.equal((await platform.getOpenAccount(authorizerAppid)).open_appid, open_appid)
    await assert.rejects(platform.createOpenAccount(authorizerAppid), (e) => e.code === 89000)
    await platform.unbindOpenAccount(authorizerAppid, open_appid)
    await assert.rejects(platform.getOpenAccount(authorizerAppid), (e) => e.code === 89002)
    await platform.bindOpenAccount(authorizerAppid, open_appid)
    assert.equal((await platform.getOpenAccount(authorizerAppid)).open_appid, open_appid)
    const sent = (await env.sandbox.requests('/cgi-bin/open/bind')).pop()
    assert.deepEqual(sent.body, { appid: authorizerAppid, open_appid })
  })

  test('an authorizer client has the whole API (same type as API): modern endpoints and res', async () => {
    const { authCode, authorizerAppid } = await env.sandbox.authorize(env.creds.appid, { followers: 3 })
    const user = await platform.handleAuthCode(authCode)
    const client = platform.createClient(user)
    const { API } = require('..')
    assert.equal(Object.getPrototypeOf(API.prototype), Object.getPrototypeOf(client))
    const followers = (await client.getFollowers()).data.openid
    await client.batchBlacklist([followers[0]])
    assert.deepEqual((await client.getBlacklist()).data.openid, [followers[0]])
    const [, data, res] = await new Promise((resolve) => client.getApiQuota('/cgi-bin/message/custom/send', (...a) => resolve(a)))
    assert.equal(data.quota.daily_limit, 10000000)
    assert.equal(res.status, 200)
    const r = (await env.sandbox.requests('/cgi-bin/openapi/quota/get')).pop()
    assert.deepEqual(r.body, { cgi_path: '/cgi-bin/message/custom/send' })
    assert.equal(client.appid, authorizerAppid)
  })
})

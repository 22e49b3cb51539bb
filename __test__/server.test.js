'use strict'
// ThirdpartyServer as a user calls it: the original README's flow, the
// original callback shapes, the modern promise surface, pushes, revocation.
const { test, describe, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { once } = require('events')
const { ThirdpartyServer, WeChatAPIError } = require('..')
const { platformSetup, readyPlatform, readBody } = require('./helpers/platform')

const FAST = { apiBase: undefined, maxTickMs: 300, pollIntervalMs: 100, pushTicketIntervalMs: 1000 }

function newServer(env, isCluster, extra) {
  const { appid, secret, token, key } = env.creds
  return new ThirdpartyServer(appid, secret, token, key, env.db.url, isCluster, { ...FAST, apiBase: env.sandbox.url, ...extra })
}

describe('constructor', { timeout: 90000 }, () => {
  test('bad arguments throw TypeError naming the argument', () => {
    const key = 'a'.repeat(43)
    assert.throws(() => new ThirdpartyServer('', 's', 't', key, 'sqlite::memory:'), { name: 'TypeError', message: /appid/ })
    assert.throws(() => new ThirdpartyServer('wx1', '', 't', key, 'sqlite::memory:'), { name: 'TypeError', message: /appsecret/ })
    assert.throws(() => new ThirdpartyServer('wx1', 's', 't', 'short', 'sqlite::memory:'), { name: 'TypeError', message: /encodingAESKey/ })
    assert.throws(() => new ThirdpartyServer('wx1', 's', 't', key, 42), { name: 'TypeError', message: /db/ })
    // Values are checked by the one native validator, as WXBizMsgCrypt checks them.
    const notBase64 = '!'.repeat(43)
    assert.throws(() => new ThirdpartyServer('wx1', 's', 't', notBase64, 'sqlite::memory:'), { name: 'TypeError', message: /encodingAESKey: is not valid base64/ })
    assert.throws(() => new (require('..').WXBizMsgCrypt)('t', notBase64, 'wx1'), { name: 'TypeError', message: /encodingAESKey: is not valid base64/ })
    assert.throws(() => new ThirdpartyServer('wx1', 's', 't', key, 'redis://:pw@127.0.0.1:6379'), (e) => e instanceof TypeError && /^db: redis: URLs are not supported/.test(e.message) && !/pw/.test(e.message))
    assert.throws(() => new ThirdpartyServer('wx1', 's', 't', key, { write: 'sqlite::memory:', read: 'ftp://x' }), { name: 'TypeError', message: /^db: ftp: URLs are not supported/ })
  })

  test('get_user_info without a wx_token throws a TypeError naming wx_token', async () => {
    const s = new ThirdpartyServer('wx1', 's', 't', 'a'.repeat(43), 'sqlite::memory:')
    assert.throws(() => s.get_user_info(undefined, () => {}), { name: 'TypeError', message: /^wx_token / })
    await s.close()
  })

  test('an unreachable database is a db_error event and rejected calls, never a crash', async () => {
    const s = new ThirdpartyServer('wx1', 'secret', 'tok', 'a'.repeat(43), 'mysql://root@127.0.0.1:1/nothing')
    // No 'db_error' listener: must not throw.
    await assert.rejects(s.getComponentAccessToken(), (e) => e.name === 'StoreError' && !/secret/.test(e.message))
    const seen = new Promise((resolve) => s.secrets((v) => resolve(v)))
    const v = await seen
    assert.ok(v instanceof Error)
    await s.close()
  })

  test('a database that comes up after the process started: the platform opens by itself', async () => {
    const net = require('net')
    const { freshDatabase } = require('./helpers/fleet')
    const db = freshDatabase('mysql')
    const real = new URL(db.url)
    // A port nothing listens on yet; later a proxy to MariaDB takes it.
    const probe = net.createServer()
    await new Promise((r) => probe.listen(0, '127.0.0.1', r))
    const port = probe.address().port
    await new Promise((r) => probe.close(r))
    const s = new ThirdpartyServer('wx1', 'secret', 'tok', 'a'.repeat(43), `mysql://root@127.0.0.1:${port}${real.pathname}`, true)
    const errors = []
    s.on('db_error', (e) => errors.push(e))
    const proxy = net.createServer((c) => {
      const up = net.connect(Number(real.port || 3306), real.hostname)
      c.pipe(up).pipe(c)
      c.on('error', () => up.destroy())
      up.on('error', () => c.destroy())
    })
    try {
      await assert.rejects(s.getAuthorizer('wxnone'), (e) => e.name === 'StoreError' && e.message.includes(`127.0.0.1:${port}`) && /refused/.test(e.message))
      assert.equal(s.db_ready, false)
      await new Promise((r) => proxy.listen(port, '127.0.0.1', r))
      let last
      for (let i = 0; i < 100 && !s.db_ready; i++) await new Promise((r) => setTimeout(r, 100))
      assert.equal(s.db_ready, true, 'opened once the database answered')
      await assert.rejects(s.getAuthorizer('wxnone'), (e) => (last = e).name === 'NotFoundError')
      assert.equal(errors.length, 1, `one db_error for the outage, not one per attempt (${last && last.message})`)
    } finally {
      await s.close()
      proxy.close()
      db.drop()
    }
  })
})

describe('the original README flow (master + worker)', { timeout: 90000 }, () => {
  let env, master, worker
  before(async () => {
    env = await platformSetup()
    master = newServer(env, false)
    worker = newServer(env, true)
    // The original authorization-event handler: read the body, save_ticket(body).
    env.receiver.box.handler = async (req, res) => {
      const body = await readBody(req)
      const query = Object.fromEntries(new URL(req.url, 'http://x').searchParams)
      master.save_ticket(body, query)
      res.end('success')
    }
  })
  after(async () => {
    await master.close()
    await worker.close()
    await env.close()
  })

  test('secrets() says not_ready before the first ticket', async () => {
    const v = await new Promise((resolve) => master.secrets(resolve))
    assert.equal(v, 'not_ready')
  })

  test("master start() → 'ready'; the worker sees readiness through the store", async () => {
    const workerReady = once(worker, 'ready')
    const masterReady = once(master, 'ready')
    master.start()
    await masterReady
    await workerReady
    assert.equal(master.ready, true)
    assert.equal(worker.ready, true)
    for (const f of ['ticket_ready', 'access_token_ready', 'preauthcode_ready', 'db_ready']) assert.equal(worker[f], true, f)
    const counters = await env.sandbox.counters()
    assert.equal(counters['/cgi-bin/component/api_component_token'], 1)
  })

  test('secrets(cb) calls back with {ticket, preauthcode, access_token}; end is emitted', async () => {
    const ended = once(worker, 'end')
    const s = await new Promise((resolve) => worker.secrets(resolve))
    assert.deepEqual(Object.keys(s).sort(), ['access_token', 'preauthcode', 'ticket'])
    assert.equal(s.access_token, await master.getComponentAccessToken())
    assert.deepEqual((await ended)[0], s)
  })

  test('fetch_user_info → get_user_info → createClient(user).getUser(openid, cb)', async () => {
    const { authorizerAppid, authCode } = await env.sandbox.authorize(env.creds.appid, { nickName: '公众号 😀', followers: 4 })
    const info = await new Promise((resolve, reject) => worker.fetch_user_info(authCode, (err, u) => (err ? reject(err) : resolve(u))))
    assert.equal(info.appid, authorizerAppid)
    assert.equal(info.nick_name, '公众号 😀')
    assert.match(info.wx_token, /^[0-9a-f]{64}$/)
    assert.ok(info.access_token_expires_in instanceof Date && info.access_token_expires_in > new Date())

    const user = await new Promise((resolve, reject) => worker.get_user_info(info.wx_token, (err, u) => (err ? reject(err) : resolve(u))))
    const client = worker.createClient(user)
    const followers = await client.getFollowers()
    assert.equal(followers.data.openid.length, 4)
    const openid = followers.data.openid[0]
    const follower = await new Promise((resolve, reject) =>
      client.getUser(openid, (err, data) => (err ? reject(err) : resolve(data))))
    assert.equal(follower.openid, openid)
    assert.equal(typeof follower.nickname, 'string')
  })

  test("get_user_info of an unknown wx_token calls back with 'not exist'", async () => {
    const err = await new Promise((resolve) => worker.get_user_info('f'.repeat(64), (e) => resolve(e)))
    assert.equal(err, 'not exist')
  })

  test('refresh_token(appid, refresh_token, cb) calls back with WeChat\'s JSON text', async () => {
    const { authCode } = await env.sandbox.authorize(env.creds.appid, {})
    const u = await master.handleAuthCode(authCode)
    const text = await new Promise((resolve, reject) =>
      master.refresh_token(u.appid, u.refresh_token, (err, d) => (err ? reject(err) : resolve(d))))
    const data = JSON.parse(text)
    assert.equal(typeof data.authorizer_access_token, 'string')
    assert.ok(data.expires_in > 0)
  })
  test('get_user_info from memory: each call its own copy; a new token or a re-authorization is seen, never a held copy', async () => {
    const { authorizerAppid, authCode } = await env.sandbox.authorize(env.creds.appid, { nickName: 'first' })
    const info = await master.handleAuthCode(authCode)
    const a = await worker.get_user_info(info.wx_token)
    const b = await worker.get_user_info(info.wx_token)
    assert.notEqual(a, b)
    assert.deepEqual(a, b)
    a.nick_name = 'mutated'
    a.access_token_expires_in.setTime(0)
    const c = await worker.get_user_info(info.wx_token)
    assert.equal(c.nick_name, 'first')
    assert.ok(c.access_token_expires_in > new Date())

    // WeChat rejects every token: the worker's next call refreshes, and the
    // lookups that follow give the new token, not the copy built before.
    await env.sandbox.invalidateTokens()
    await worker.createClient(c).getFollowers()
    const d = await worker.get_user_info(info.wx_token)
    assert.notEqual(d.access_token, c.access_token)
    assert.equal(await worker.getAuthorizerAccessToken(authorizerAppid), d.access_token)

    // The admin authorizes again with a new profile, on the master: the
    // worker's answer changes once the feed brings the new record.
    const again = await env.sandbox.authorize(env.creds.appid, { appid: authorizerAppid, nickName: 'second' })
    await master.handleAuthCode(again.authCode)
    let seen
    for (let i = 0; i < 100 && (seen = await worker.getAuthorizer(authorizerAppid)).nick_name !== 'second'; i++) {
      await new Promise((r) => setTimeout(r, 50))
    }
    assert.equal(seen.nick_name, 'second')
  })
})

describe('modern surface', { timeout: 90000 }, () => {
  let env, platform
  before(async () => {
    ;({ env, platform } = await readyPlatform())
  })
  after(async () => {
    await platform.close()
    await env.close()
  })

  test('getAuthorizeUrl for PC and mobile', async () => {
    const pc = new URL(await platform.getAuthorizeUrl('https://example.com/cb', { authType: 1 }))
    assert.equal(pc.origin + pc.pathname, 'https://mp.weixin.qq.com/cgi-bin/componentloginpage')
    assert.equal(pc.searchParams.get('component_appid'), env.creds.appid)
    assert.equal(pc.searchParams.get('pre_auth_code'), await platform.getPreAuthCode())
    assert.equal(pc.searchParams.get('redirect_uri'), 'https://example.com/cb')
    assert.equal(pc.searchParams.get('auth_type'), '1')
    const mobile = await platform.getAuthorizeUrl('https://example.com/cb', { mobile: true, bizAppid: 'wxbiz' })
    assert.match(mobile, /^https:\/\/open\.weixin\.qq\.com\/wxaopen\/safe\/bindcomponent\?action=bindcomponent&no_scan=1&/)
    assert.match(mobile, /biz_appid=wxbiz#wechat_redirect$/)
    assert.throws(() => platform.getAuthorizeUrl(''), TypeError)
  })

  test('a code exchanged already returns the same authorizer; a code WeChat never issued is a WeChatAPIError', async () => {
    const { authCode } = await env.sandbox.authorize(env.creds.appid, {})
    const first = await platform.handleAuthCode(authCode)
    const before = await env.sandbox.counters()
    const again = await platform.handleAuthCode(authCode)
    assert.equal(again.wx_token, first.wx_token)
    assert.equal((await env.sandbox.counters())['/cgi-bin/component/api_query_auth'], before['/cgi-bin/component/api_query_auth'])
    await assert.rejects(platform.handleAuthCode(`never-issued-${authCode}`), (e) => e instanceof WeChatAPIError && e.name === 'WeChatAPIError' && typeof e.code === 'number' && e.code !== 0)
  })

  test('an authorized push stores the authorizer; unauthorized revokes it', async () => {
    const authorized = once(platform, 'authorized')
    const { authorizerAppid } = await env.sandbox.authorize(env.creds.appid, { push: true, followers: 2 })
    assert.deepEqual((await authorized)[0], { appid: authorizerAppid })
    const a = await platform.getAuthorizer(authorizerAppid)
    assert.equal(a.appid, authorizerAppid)
    assert.equal(await platform.getAuthorizerAccessToken(authorizerAppid), a.access_token)
    const client = platform.createClient(a)
    const [openid] = (await client.getFollowers()).data.openid
    await client.sendText(openid, 'hi')

    const revoked = once(platform, 'unauthorized')
    await env.sandbox.pushEvent(env.creds.appid, 'unauthorized', authorizerAppid)
    await revoked
    await assert.rejects(platform.getAuthorizer(authorizerAppid), { name: 'RevokedError' })
    await assert.rejects(client.getUser(openid), { name: 'RevokedError' })
  })

  test('the same authorized push twice (WeChat retries slow answers) changes nothing more', async () => {
    const seen = []
    const mw = platform.middleware()
    env.receiver.box.handler = (req, res) => {
      let body = ''
      req.on('data', (d) => { body += d })
      req.on('end', () => {
        seen.push({ body, query: Object.fromEntries(new URL(req.url, 'http://x').searchParams) })
        req.body = body
        mw(req, res)
      })
    }
    const authorized = once(platform, 'authorized')
    const { authorizerAppid } = await env.sandbox.authorize(env.creds.appid, { push: true })
    await authorized
    env.receiver.box.handler = mw
    const first = await platform.getAuthorizer(authorizerAppid)
    const before = await env.sandbox.counters()
    const push = seen.find((p) => p.body.includes('Encrypt'))
    const replay = await platform.handleEvent(push.body, push.query)
    assert.equal(replay.InfoType, 'authorized')
    const again = await platform.getAuthorizer(authorizerAppid)
    assert.equal(again.wx_token, first.wx_token)
    assert.equal(again.access_token, first.access_token)
    const after = await env.sandbox.counters()
    assert.equal(after['/cgi-bin/component/api_get_authorizer_info'], before['/cgi-bin/component/api_get_authorizer_info'], 'no second profile fetch')
  })

  test('a forged push is refused by the middleware and changes nothing', async () => {
    const before = await platform.secrets()
    const res = await fetch(`${env.receiver.url}/wechat/auth?timestamp=1&nonce=2&msg_signature=${'0'.repeat(40)}&encrypt_type=aes`, {
      method: 'POST',
      body: `<xml><AppId><![CDATA[${env.creds.appid}]]></AppId><Encrypt><![CDATA[AAAA]]></Encrypt></xml>`,
    })
    // Not authenticated: 401 (a malformed push is 400; README, "What WeChat is answered").
    assert.equal(res.status, 401)
    assert.equal(await res.text(), 'invalid push')
    const noSig = await fetch(`${env.receiver.url}/wechat/auth`, { method: 'POST', body: '<xml/>' })
    assert.equal(noSig.status, 400)
    assert.deepEqual(await platform.secrets(), before)
    // handleEvent rejects with a clear error and the process goes on.
    await assert.rejects(platform.handleEvent('<xml><Encrypt>nope</Encrypt></xml>', { timestamp: '1', nonce: '2', msg_signature: 'x' }), (e) => e.name === 'CryptoError' || e.name === 'ParseError')
  })

  test('a bad push handed to save_ticket and forgotten never becomes an unhandled rejection', async () => {
    const unhandled = []
    const onUnhandled = (e) => unhandled.push(e)
    process.on('unhandledRejection', onUnhandled)
    const rejected = once(platform, 'push_rejected')
    platform.save_ticket('<xml><Encrypt>garbage</Encrypt></xml>', { timestamp: '1', nonce: '2', msg_signature: 'x' })
    const [err] = await rejected
    assert.ok(err instanceof Error)
    await new Promise((r) => setTimeout(r, 100))
    process.off('unhandledRejection', onUnhandled)
    assert.deepEqual(unhandled, [])
  })

  test('a real ticket push through the middleware answers success', async () => {
    await env.sandbox.pushTicket(env.creds.appid)
    const pushes = await env.sandbox.pushes()
    const last = pushes[pushes.length - 1]
    assert.equal(last.infoType || last.info_type, 'component_verify_ticket')
    assert.equal(last.status, 200)
    assert.equal(last.response, 'success')
  })

  test('the client: users, remarks, menus, JS-SDK ticket and config', async () => {
    const { authCode } = await env.sandbox.authorize(env.creds.appid, { followers: 3 })
    const client = platform.createClient(await platform.handleAuthCode(authCode))
    const { data } = await client.getFollowers()
    const batch = await client.batchGetUsers(data.openid)
    assert.deepEqual(batch.user_info_list.map((u) => u.openid), data.openid)
    await client.updateRemark(data.openid[0], '老客户')
    assert.equal((await client.getUser({ openid: data.openid[0], lang: 'zh_CN' })).remark, '老客户')
    await assert.rejects(client.updateRemark(data.openid[0]), { name: 'TypeError', message: /remark/ })

    const menu = { button: [{ type: 'click', name: '今日歌曲', key: 'V1001_TODAY_MUSIC' }] }
    await client.createMenu(menu)
    // WeChat answers every button with its (here empty) sub_button list.
    assert.deepEqual((await client.getMenu()).menu.button[0], { ...menu.button[0], sub_button: [] })
    await client.removeMenu()
    await assert.rejects(client.getMenu(), { name: 'WeChatAPIError', code: 46003 })

    const t1 = await client.getLatestTicket()
    const t2 = await new Promise((resolve, reject) => client.getLatestTicket((err, t) => (err ? reject(err) : resolve(t))))
    assert.equal(t2.ticket, t1.ticket)
    assert.ok(t1.expireTime > Date.now())
    assert.equal((await env.sandbox.counters())['/cgi-bin/ticket/getticket'], 1, 'the ticket is cached in its cell')
    // getTicket asks WeChat for a new one, as wechat-api's does (callers renew with it).
    const renewed = await client.getTicket('jsapi')
    assert.equal((await env.sandbox.counters())['/cgi-bin/ticket/getticket'], 2)
    assert.equal((await client.getLatestTicket()).ticket, renewed.ticket)
    const cfg = await client.getJsConfig({ debug: false, jsApiList: ['chooseImage'], url: 'https://example.com/page?x=1#frag' })
    assert.equal(cfg.appId, client.appid)
    const raw = `jsapi_ticket=${renewed.ticket}&noncestr=${cfg.nonceStr}&timestamp=${cfg.timestamp}&url=https://example.com/page?x=1`
    assert.equal(cfg.signature, require('crypto').createHash('sha1').update(raw).digest('hex'))
    assert.deepEqual(cfg.jsApiList, ['chooseImage'])
  })

  test('hooks run around API calls, as in the original wxthirdparty', async () => {
    const { authCode } = await env.sandbox.authorize(env.creds.appid, { followers: 1 })
    const u = await platform.handleAuthCode(authCode)
    const client = platform.createClient(u)
    const calls = []
    client.hooks.getFollowers = {
      before(next, temp) { calls.push('before'); temp.t = 1; next() },
      after(err, data, next, temp) { calls.push(`after:${temp.t}:${err ? 'err' : data.total}`); next(null, data) },
    }
    const data = await client.getFollowers()
    assert.deepEqual(calls, [`before`, `after:1:${data.total}`])
  })
})

'use strict'
// The sandbox as a user drives it from JS: startSandbox(), pushes a platform
// can decrypt, WeChat's token rules over plain HTTP, faults, callbacks,
// connectSandbox() from another process, and the `wxthirdparty sandbox` CLI.
const test = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const path = require('node:path')
const net = require('node:net')
const { spawn, execFile } = require('node:child_process')
const { once } = require('node:events')
const WechatCrypto = require('wechat-crypto')
const { startSandbox, connectSandbox, WXBizMsgCrypt } = require('..')

const COMPONENT = { appid: 'wxjscomponent0001', secret: 'js-component-secret', token: 'jstoken', encodingAESKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' }
const APP = { appid: 'wxjsapp0000000001', secret: 'js-app-secret' }
const ROOT = path.join(__dirname, '..')

async function getJson(url) {
  const r = await fetch(url)
  return r.json()
}

async function postJson(url, body) {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return r.json()
}

/** A push receiver: collects { query, body }, answers "success". */
async function receiver() {
  const inbox = []
  const server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (d) => { body += d })
    req.on('end', () => {
      inbox.push({ query: Object.fromEntries(new URL(req.url, 'http://x').searchParams), body })
      res.end('success')
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { inbox, url: `http://127.0.0.1:${server.address().port}/wechat/auth`, close: () => new Promise((r) => server.close(r)) }
}

async function withSandbox(options, fn) {
  const sb = await startSandbox(options)
  try {
    await sb.registerComponent(COMPONENT)
    await sb.registerApp(APP.appid, APP.secret)
    return await fn(sb)
  } finally {
    await sb.close()
  }
}

async function componentToken(sb) {
  const ticket = await sb.pushTicket(COMPONENT.appid)
  const v = await postJson(`${sb.url}/cgi-bin/component/api_component_token`, {
    component_appid: COMPONENT.appid, component_appsecret: COMPONENT.secret, component_verify_ticket: ticket,
  })
  assert.equal(typeof v.component_access_token, 'string', JSON.stringify(v))
  return v.component_access_token
}

test('pushes decrypt and verify with WXBizMsgCrypt and with wechat-crypto', async () => {
  const rx = await receiver()
  try {
    await withSandbox({}, async (sb) => {
      await sb.registerComponent({ ...COMPONENT, pushUrl: rx.url })
      const ticket = await sb.pushTicket(COMPONENT.appid)
      assert.match(ticket, /^ticket@@@/)
      const { query, body } = rx.inbox[0]
      assert.equal(query.encrypt_type, 'aes')
      const msg = new WXBizMsgCrypt(COMPONENT.token, COMPONENT.encodingAESKey, COMPONENT.appid).decryptMessage(body, query)
      assert.equal(msg.InfoType, 'component_verify_ticket')
      assert.equal(msg.ComponentVerifyTicket, ticket)
      assert.equal(msg.AppId, COMPONENT.appid)

      // An independent implementation agrees on the signature and the plaintext.
      const encrypt = /<Encrypt><!\[CDATA\[(.*?)\]\]><\/Encrypt>/.exec(body)[1]
      const wc = new WechatCrypto(COMPONENT.token, COMPONENT.encodingAESKey, COMPONENT.appid)
      assert.equal(wc.getSignature(query.timestamp, query.nonce, encrypt), query.msg_signature)
      assert.equal(wc.decrypt(encrypt).id, COMPONENT.appid)

      const a = await sb.authorize(COMPONENT.appid, { nickName: '沙盒号', followers: 7, push: true })
      assert.deepEqual(Object.keys(a).sort(), ['authCode', 'authorizerAppid', 'expiresIn', 'infoType', 'preAuthCode'])
      const ev = new WXBizMsgCrypt(COMPONENT.token, COMPONENT.encodingAESKey, COMPONENT.appid).decryptMessage(rx.inbox[1].body, rx.inbox[1].query)
      assert.equal(ev.InfoType, 'authorized')
      assert.equal(ev.AuthorizerAppid, a.authorizerAppid)
      assert.equal(ev.AuthorizationCode, a.authCode)

      await sb.pushEvent(COMPONENT.appid, 'unauthorized', a.authorizerAppid)
      const pushes = await sb.pushes()
      assert.deepEqual(pushes.map((p) => p.infoType), ['component_verify_ticket', 'authorized', 'unauthorized'])
      assert.equal(pushes[2].authorizerAppid, a.authorizerAppid)
      assert.equal(pushes[0].status, 200)
      assert.equal(pushes[0].response, 'success')
    })
  } finally {
    await rx.close()
  }
})

test('token rules: 61006 without a ticket, grace, expiry, counters, invalid-token log', async () => {
  await withSandbox({ graceSecs: 10 }, async (sb) => {
    const bad = await postJson(`${sb.url}/cgi-bin/component/api_component_token`, {
      component_appid: COMPONENT.appid, component_appsecret: COMPONENT.secret, component_verify_ticket: 'ticket@@@never-pushed',
    })
    assert.equal(bad.errcode, 61006)
    const old = await componentToken(sb)
    const fresh = await componentToken(sb)
    const preauth = (t) => postJson(`${sb.url}/cgi-bin/component/api_create_preauthcode?component_access_token=${t}`, { component_appid: COMPONENT.appid })
    assert.equal(typeof (await preauth(old)).pre_auth_code, 'string', 'old token valid during grace')
    await sb.advanceClock(11)
    assert.equal((await preauth(old)).errcode, 40001)
    assert.equal((await preauth(fresh)).expires_in, 1800)
    await sb.advanceClock(7200)
    assert.equal((await preauth(fresh)).errcode, 42001)

    const counters = await sb.counters()
    assert.equal(counters['/cgi-bin/component/api_component_token'], 3)
    assert.equal(counters['/cgi-bin/component/api_create_preauthcode'], 4)
    const issued = await sb.issued()
    assert.equal(issued['/cgi-bin/component/api_component_token'], 2)
    const log = await sb.invalidTokenCalls()
    assert.deepEqual(log.map((c) => c.reason), ['invalid', 'expired'])
    assert.equal(log[0].path, '/cgi-bin/component/api_create_preauthcode')
    assert.equal(log[0].appid, COMPONENT.appid)
    assert.equal(typeof log[0].at, 'number')
    assert.ok(!JSON.stringify(log).includes(old), 'no token values in the log')
  })
})

test('an authorized account serves followers and refuses its token after invalidateTokens', async () => {
  await withSandbox({ lifetimes: { authorizerAccessToken: 100 } }, async (sb) => {
    const token = await componentToken(sb)
    const { authorizerAppid, authCode } = await sb.authorize(COMPONENT.appid, { followers: 4 })
    const q = await postJson(`${sb.url}/cgi-bin/component/api_query_auth?component_access_token=${token}`, {
      component_appid: COMPONENT.appid, authorization_code: authCode,
    })
    const info = q.authorization_info
    assert.equal(info.authorizer_appid, authorizerAppid)
    assert.equal(info.expires_in, 100)
    const users = await getJson(`${sb.url}/cgi-bin/user/get?access_token=${info.authorizer_access_token}`)
    assert.equal(users.total, 4)
    assert.deepEqual(users.data.openid, await sb.followers(authorizerAppid))
    await sb.invalidateTokens()
    assert.equal((await getJson(`${sb.url}/cgi-bin/user/get?access_token=${info.authorizer_access_token}`)).errcode, 40001)
  })
})

test('faults: errcode, HTTP 500, delay, reset and failure rate', async () => {
  await withSandbox({}, async (sb) => {
    const tokenUrl = `${sb.url}/cgi-bin/token?grant_type=client_credential&appid=${APP.appid}&secret=${APP.secret}`
    await sb.injectFault('/cgi-bin/token', 45009, 1)
    assert.deepEqual(await getJson(tokenUrl), { errcode: 45009, errmsg: 'reach max api daily quota limit' })
    await sb.injectFault('/cgi-bin/token', 'http500')
    assert.equal((await fetch(tokenUrl)).status, 500)
    await sb.injectFault('/cgi-bin/token', { delayMs: 300 })
    const t0 = Date.now()
    assert.equal(typeof (await getJson(tokenUrl)).access_token, 'string')
    assert.ok(Date.now() - t0 >= 290)
    await sb.injectFault('/cgi-bin/token', 'reset')
    await assert.rejects(fetch(tokenUrl))
    assert.equal(typeof (await getJson(tokenUrl)).access_token, 'string')

    await sb.setFailureRate(null, 1, { errcode: -1 })
    assert.equal((await getJson(tokenUrl)).errcode, -1)
    await sb.setFailureRate(null, 0)
    assert.equal(typeof (await getJson(tokenUrl)).access_token, 'string')

    assert.throws(() => sb.injectFault('/cgi-bin/token', 'explode'), TypeError)
    assert.throws(() => sb.setFailureRate(null, 2), /rate/)
  })
})

test('callbacks, config, reset and bad arguments', async () => {
  await withSandbox({ graceSecs: 5, lifetimes: { ticket: 60 } }, async (sb) => {
    const cfg = await sb.config()
    assert.equal(cfg.graceSecs, 5)
    assert.equal(cfg.lifetimes.ticket, 60)
    assert.equal(cfg.lifetimes.componentAccessToken, 7200)
    const updated = await sb.updateConfig({ rotateRefreshTokens: true, lifetimes: { oauth: 30 } })
    assert.equal(updated.rotateRefreshTokens, true)
    assert.equal(updated.lifetimes.ticket, 60)
    assert.equal(updated.lifetimes.oauth, 30)

    const counters = await new Promise((resolve, reject) => sb.counters((err, c) => (err ? reject(err) : resolve(c))))
    assert.deepEqual(counters, {})
    const err = await new Promise((resolve) => sb.pushTicket('wxnobody', (e) => resolve(e)))
    assert.equal(err.name, 'TypeError')
    assert.match(err.message, /component_appid/)

    await assert.rejects(sb.pushEvent(COMPONENT.appid, 'nonsense', 'wxsomeone'), /info_type/)
    assert.throws(() => sb.registerComponent({ ...COMPONENT, encodingAESKey: 'short' }), (e) => e instanceof TypeError && /encodingAESKey/.test(e.message) && !e.message.includes('short'))
    assert.throws(() => sb.authorize(''), TypeError)

    const code = await sb.oauthCode(APP.appid, { scope: 'snsapi_base' })
    const v = await getJson(`${sb.url}/sns/oauth2/access_token?appid=${APP.appid}&secret=${APP.secret}&code=${code.code}&grant_type=authorization_code`)
    assert.equal(v.openid, code.openid)

    await sb.reset()
    await assert.rejects(sb.pushTicket(COMPONENT.appid), /no component/)
  })
  assert.throws(() => startSandbox({ lifetimes: 5 }), TypeError)
  await assert.rejects(startSandbox({ graceSecs: 'soon' }), TypeError)
  await assert.rejects(startSandbox({ port: 70000 }), (e) => e instanceof TypeError && /port must be an integer from 0 to 65535 \(got 70000\)/.test(e.message))
})

test('close() lets the process exit', async () => {
  const script = "require('.').startSandbox().then(async (s) => { await fetch(s.url + '/cgi-bin/getcallbackip'); await s.close(); console.log('closed') })"
  const t0 = Date.now()
  const out = await new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { cwd: ROOT, timeout: 10000 }, (e, stdout) => (e ? reject(e) : resolve(stdout)))
  })
  assert.equal(out.trim(), 'closed')
  assert.ok(Date.now() - t0 < 5000)
})

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

test('`wxthirdparty sandbox --port N` prints its URL, is driven from another process, exits on SIGINT', async () => {
  const port = await freePort()
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'wxthirdparty.js'), 'sandbox', '--port', String(port)], { cwd: ROOT })
  try {
    let out = ''
    child.stdout.on('data', (d) => { out += d })
    const url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 10000)
      child.stdout.on('data', () => {
        const m = /listening on (http:\/\/\S+)/.exec(out)
        if (m) { clearTimeout(timer); resolve(m[1]) }
      })
      child.on('exit', (code) => reject(new Error(`exited early (${code}): ${out}`)))
    })
    assert.equal(url, `http://127.0.0.1:${port}`)

    // This process drives the CLI's sandbox over HTTP only.
    const remote = connectSandbox(url)
    await remote.registerComponent(COMPONENT)
    await remote.registerApp(APP)
    const ticket = await remote.pushTicket(COMPONENT.appid)
    const v = await postJson(`${url}/cgi-bin/component/api_component_token`, {
      component_appid: COMPONENT.appid, component_appsecret: COMPONENT.secret, component_verify_ticket: ticket,
    })
    assert.equal(v.expires_in, 7200)
    const a = await remote.authorize(COMPONENT.appid, { followers: 2 })
    assert.equal((await remote.followers(a.authorizerAppid)).length, 2)
    await remote.injectFault('/cgi-bin/getcallbackip', { errcode: -1 })
    assert.equal((await getJson(`${url}/cgi-bin/getcallbackip`)).errcode, -1)
    assert.deepEqual(await remote.counters(), { '/cgi-bin/component/api_component_token': 1, '/cgi-bin/getcallbackip': 1 })
    assert.equal((await remote.config()).graceSecs, 300)
    await assert.rejects(remote.pushEvent(COMPONENT.appid, 'bogus', 'wx1'), /sandbox: .*info_type/)
    // The mini-program controls, shown in the CLI's output and driven over HTTP.
    for (let i = 0; i < 100 && !/privacy detection after a commit: 1 s/.test(out); i++) await new Promise((r) => setTimeout(r, 20))
    assert.match(out, /mini programs: .*\/__sandbox\/wxa\/reviewer/)
    const mp = await remote.authorize(COMPONENT.appid, { miniProgram: true })
    assert.equal((await remote.setReviewer(mp.authorizerAppid, { verdict: 'fail', reason: 'r' })).verdict, 'fail')
    assert.equal((await remote.miniProgram(mp.authorizerAppid)).reviewer.verdict, 'fail')

    child.kill('SIGINT')
    const [code] = await once(child, 'exit')
    assert.equal(code, 0)
    await assert.rejects(fetch(`${url}/cgi-bin/token`))
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL')
  }
})

test('wechat-api 1.35, the original client, works unchanged against the sandbox', async () => {
  const WechatAPI = require('wechat-api')
  const fs = require('node:fs')
  const os = require('node:os')
  await withSandbox({}, async (sb) => {
    await sb.setFollowers(APP.appid, 5)
    const api = new WechatAPI(APP.appid, APP.secret)
    api.endpoint = sb.url
    const call = (name, ...args) => new Promise((resolve, reject) => api[name](...args, (err, data) => (err ? reject(err) : resolve(data))))

    const followers = await call('getFollowers')
    assert.equal(followers.total, 5)
    const openids = followers.data.openid
    assert.equal((await call('getUser', { openid: openids[1], lang: 'en' })).language, 'en')
    assert.equal((await call('batchGetUsers', openids.slice(0, 2))).user_info_list.length, 2)
    await assert.rejects(call('getUser', 'oNobody'), (e) => e.name === 'WeChatAPIError' && e.code === 40003)

    await call('createMenu', { button: [{ type: 'click', name: '今日歌曲', key: 'V1001' }] })
    assert.equal((await call('getMenu')).menu.button[0].key, 'V1001')
    const tag = await call('createTag', '星标用户')
    assert.equal(tag.tag.name, '星标用户')
    await call('sendText', openids[0], '你好')
    const sent = await sb.recordedCalls('/cgi-bin/message/custom/send')
    assert.deepEqual(sent[0].body, { touser: openids[0], msgtype: 'text', text: { content: '你好' } })
    assert.equal(typeof (await call('sendTemplate', openids[0], 'TEMPLATE_ID', 'http://x.example', { first: { value: 'v' } })).msgid, 'number')

    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wxtp-sb-')), 'pic.jpg')
    fs.writeFileSync(file, Buffer.from('fake jpeg bytes'))
    const media = await call('uploadMedia', file, 'image')
    assert.equal(media.type, 'image')
    assert.equal((await call('getMedia', media.media_id)).toString(), 'fake jpeg bytes')
    await assert.rejects(call('getMedia', 'nope'), /invalid media_id/)

    assert.equal((await call('createTmpQRCode', 123, 1800)).expire_seconds, 1800)
    assert.match((await call('shorturl', 'http://example.com/very/long')).short_url, /^https:\/\/w\.url\.cn\/s\//)
    assert.deepEqual((await call('getIp')).ip_list, ['127.0.0.1'])
    assert.equal(typeof (await call('getLatestTicket')).ticket, 'string')

    // WeChat voids every token: wechat-api 1.35 retries once on 40001 but with
    // the cached token (its known weakness), so both calls are refused and logged.
    await sb.invalidateTokens()
    await assert.rejects(call('getFollowers'), (e) => e.code === 40001)
    const log = await sb.invalidTokenCalls()
    assert.deepEqual(log.map((c) => [c.path, c.reason, c.appid]), [
      ['/cgi-bin/user/get', 'invalid', APP.appid],
      ['/cgi-bin/user/get', 'invalid', APP.appid],
    ])
    await call('getAccessToken')
    assert.equal((await call('getFollowers')).total, 5)
  })
})

'use strict'
// platform.messages(): the platform's 消息与事件接收URL over real HTTP, with
// the sandbox playing WeChat (encrypted, signed, retried, answers decrypted).
const { test, describe, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { once } = require('events')
const crypto = require('crypto')
const { readyPlatform, sealedRequest, textXml, waitFor } = require('./helpers/messages')

const MESSAGES = [
  { MsgType: 'text', Content: '你好 <&> ]]>' },
  { MsgType: 'image', PicUrl: 'http://mmbiz.qpic.cn/x/0', MediaId: 'media_img' },
  { MsgType: 'voice', MediaId: 'media_voice', Format: 'amr', Recognition: '语音' },
  { MsgType: 'video', MediaId: 'media_video', ThumbMediaId: 'thumb' },
  { MsgType: 'shortvideo', MediaId: 'media_sv', ThumbMediaId: 'thumb' },
  { MsgType: 'location', Location_X: 23.134521, Location_Y: 113.358803, Scale: 20, Label: '位置' },
  { MsgType: 'link', Title: 'title', Description: 'desc', Url: 'http://example.com/' },
  { MsgType: 'event', Event: 'subscribe', EventKey: 'qrscene_123' },
  { MsgType: 'event', Event: 'unsubscribe' },
  { MsgType: 'event', Event: 'SCAN', EventKey: '123', Ticket: 'tkt' },
  { MsgType: 'event', Event: 'LOCATION', Latitude: 23.1, Longitude: 113.3, Precision: 119.3 },
  { MsgType: 'event', Event: 'CLICK', EventKey: 'menu_1' },
  { MsgType: 'event', Event: 'VIEW', EventKey: 'http://example.com/' },
]

function assertReplyTo(d, content) {
  assert.equal(d.error, null, d.error)
  assert.equal(d.attempts.length, 1)
  assert.ok(d.reply, `expected a reply, got ${d.response}`)
  assert.equal(d.reply.MsgType, 'text')
  assert.equal(d.reply.Content, content)
  assert.equal(d.reply.ToUserName, d.message.FromUserName)
  assert.equal(d.reply.FromUserName, d.message.ToUserName)
}

describe('every MsgType and the common events', { timeout: 120000 }, () => {
  for (const framework of ['http', 'express', 'koa']) {
    test(`through ${framework}: handler(message, ctx), reply encrypted, decrypted by the sandbox`, async () => {
      const seen = []
      const t = await readyPlatform((p) => p.messages((m, ctx) => {
        seen.push({ m, appid: ctx.authorizerAppid, rec: ctx.authorizer.appid, client: ctx.client.appid })
        return `${m.MsgType}/${m.Event || ''}/${m.Content || m.MediaId || m.Label || m.Title || m.EventKey || ''}`
      }), { framework })
      try {
        for (const msg of MESSAGES) {
          const d = await t.env.sandbox.sendMessage(t.authorizer, msg)
          assertReplyTo(d, `${msg.MsgType}/${msg.Event || ''}/${msg.Content || msg.MediaId || msg.Label || msg.Title || msg.EventKey || ''}`)
        }
        assert.equal(seen.length, MESSAGES.length)
        for (const s of seen) {
          assert.equal(s.appid, t.authorizer)
          assert.equal(s.rec, t.authorizer)
          assert.equal(s.client, t.authorizer)
        }
        // Fields keep WeChat's names.
        assert.equal(seen[5].m.Label, '位置')
        assert.equal(String(seen[5].m.Location_X), '23.134521')
      } finally {
        await t.close()
      }
    })
  }

  test('a handler can call the API for the authorizer through ctx.client', async () => {
    const t = await readyPlatform((p) => p.messages(async (m, ctx) => {
      const u = await ctx.client.getUser(m.FromUserName)
      return `hello ${u.openid}`
    }))
    try {
      const d = await t.env.sandbox.sendMessage(t.authorizer, 'who am i')
      assertReplyTo(d, `hello ${d.message.FromUserName}`)
    } finally {
      await t.close()
    }
  })
})

describe('routing object and reply kinds', { timeout: 60000 }, () => {
  let t
  before(async () => {
    t = await readyPlatform((p) => p.messages({
      text: (m) => (m.Content === 'news' ? [{ title: 'T', description: 'D', picUrl: 'http://p/1.jpg', url: 'http://u/1' }] : `text:${m.Content}`),
      image: (m) => ({ type: 'image', content: { mediaId: m.MediaId } }),
      event: {
        subscribe: () => 'welcome',
        CLICK: (m) => `menu ${m.EventKey}`,
        default: (m) => `other event ${m.Event}`,
      },
      default: () => undefined,
    }), { framework: 'express' })
  })
  after(() => t.close())

  test('MsgType, Event and default routes', async () => {
    const s = t.env.sandbox
    assertReplyTo(await s.sendMessage(t.authorizer, { MsgType: 'text', Content: 'x' }), 'text:x')
    assertReplyTo(await s.sendMessage(t.authorizer, { MsgType: 'event', Event: 'subscribe' }), 'welcome')
    assertReplyTo(await s.sendMessage(t.authorizer, { MsgType: 'event', Event: 'CLICK', EventKey: 'k1' }), 'menu k1')
    assertReplyTo(await s.sendMessage(t.authorizer, { MsgType: 'event', Event: 'VIEW', EventKey: 'http://x' }), 'other event VIEW')
    const img = await s.sendMessage(t.authorizer, { MsgType: 'image', MediaId: 'm1', PicUrl: 'http://p' })
    assert.equal(img.reply.MsgType, 'image')
    assert.deepEqual(img.reply.Image, { MediaId: 'm1' })
    const news = await s.sendMessage(t.authorizer, { MsgType: 'text', Content: 'news' })
    assert.equal(news.reply.MsgType, 'news')
    assert.equal(String(news.reply.ArticleCount), '1')
    // The same over the control API (a sandbox in another process).
    const { connectSandbox } = require('..')
    const remote = connectSandbox(s.url)
    assertReplyTo(await remote.sendMessage(t.authorizer, { MsgType: 'text', Content: 'remote' }), 'text:remote')
    const log = await remote.messages()
    assert.equal(log.at(-1).reply.Content, 'text:remote')
    await assert.rejects(remote.sendMessage('wxnobody', 'hi'), /authorized no registered component/)
    // No route and no reply: `success`.
    const none = await s.sendMessage(t.authorizer, { MsgType: 'voice', MediaId: 'v' })
    assert.equal(none.response, 'success')
    assert.equal(none.reply, null)
  })
})

describe('retries', { timeout: 60000 }, () => {
  test('a retry of a slow message runs the handler once and gets the same reply', async () => {
    let runs = 0
    const t = await readyPlatform((p) => p.messages(async (m) => {
      runs++
      await new Promise((r) => setTimeout(r, 500))
      return `reply #${runs} to ${m.Content}`
    }), { sandbox: { messageTimeoutSecs: 0.3 } })
    try {
      const d = await t.env.sandbox.sendMessage(t.authorizer, 'slow')
      assert.equal(d.attempts.length, 2, JSON.stringify(d.attempts))
      assert.equal(d.attempts[0].status, null)
      assert.equal(runs, 1)
      assert.equal(d.reply.Content, 'reply #1 to slow')
      // A later duplicate (same MsgId) is answered from the store, the handler untouched.
      const again = await t.env.sandbox.sendMessage(t.authorizer, { ...d.message })
      assert.equal(runs, 1)
      assert.equal(again.reply.Content, 'reply #1 to slow')
      // Events dedup on FromUserName + CreateTime.
      const ev = { MsgType: 'event', Event: 'CLICK', EventKey: 'k', CreateTime: Math.floor(Date.now() / 1000) }
      await t.env.sandbox.sendMessage(t.authorizer, ev)
      await t.env.sandbox.sendMessage(t.authorizer, ev)
      assert.equal(runs, 2)
    } finally {
      await t.close()
    }
  })
})

describe('a MsgId past 2^32', { timeout: 60000 }, () => {
  // The sandbox's native control carried JS numbers past u32 as floats, so a
  // resent message got another MsgId (another dedup key) now and then:
  // seen as a flaky fleet test. These ids reach the handler and dedup as given.
  test('reaches the handler as given, and a resend of it is a duplicate', async () => {
    const ids = []
    const t = await readyPlatform((p) => p.messages((m) => { ids.push(String(m.MsgId)); return `got ${m.MsgId}` }))
    try {
      const sent = [4223298061748202, 8999999999999999, 4294967296, 6543210987654321]
      for (const MsgId of sent) {
        const d = await t.env.sandbox.sendMessage(t.authorizer, { MsgType: 'text', Content: 'x', MsgId })
        assert.equal(d.reply.Content, `got ${MsgId}`)
        const again = await t.env.sandbox.sendMessage(t.authorizer, { ...d.message })
        assert.equal(again.reply.Content, `got ${MsgId}`)
      }
      assert.deepEqual(ids, sent.map(String), 'each handled once, with its own MsgId')
    } finally {
      await t.close()
    }
  })
})

describe('a handler slower than the deadline', { timeout: 60000 }, () => {
  test('answers success in time, then sends the reply as a custom-service message', async () => {
    const t = await readyPlatform((p) => p.messages(async (m) => {
      await new Promise((r) => setTimeout(r, 400))
      return `late answer to ${m.Content}`
    }, { timeout: 100 }))
    try {
      const failed = []
      t.platform.on('reply_failed', (e) => failed.push(e))
      const d = await t.env.sandbox.sendMessage(t.authorizer, 'take your time')
      assert.equal(d.response, 'success')
      assert.equal(d.attempts.length, 1)
      const sent = await waitFor(async () => (await t.env.sandbox.recordedCalls('/cgi-bin/message/custom/send'))
        .find((c) => c.body.text && c.body.text.content === 'late answer to take your time'), 'the custom-service message')
      assert.equal(sent.appid, t.authorizer)
      assert.equal(sent.body.touser, d.message.FromUserName)

      // The send fails (not a follower: WeChat's 40003): a reply_failed event, the process serves on.
      await t.env.sandbox.sendMessage(t.authorizer, { Content: 'x', FromUserName: 'o_not_a_follower' })
      const err = await waitFor(() => failed[0], 'reply_failed')
      assert.equal(err.name, 'WeChatAPIError')
      assert.equal(err.code, 40003)
      assert.equal(err.openid, 'o_not_a_follower')
    } finally {
      await t.close()
    }
  })

  test('a handler that throws: success, a message_error event, nothing crashes', async () => {
    const t = await readyPlatform((p) => p.messages(() => { throw new Error('boom') }))
    try {
      const errors = []
      t.platform.on('message_error', (e) => errors.push(e))
      const d = await t.env.sandbox.sendMessage(t.authorizer, 'hi')
      assert.equal(d.response, 'success')
      assert.equal(errors[0].message, 'boom')
    } finally {
      await t.close()
    }
  })
})

describe('forged and unexpected requests', { timeout: 60000 }, () => {
  let t, runs
  before(async () => {
    runs = []
    t = await readyPlatform((p) => p.messages((m) => { runs.push(m); return 'ok' }))
  })
  after(() => t.close())

  async function post(path, query, body) {
    const res = await fetch(`${t.url}${path}?${query}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body })
    return { status: res.status, text: await res.text() }
  }

  test('wrong token, wrong key, other component appid, unsigned, tampered, garbage: 4xx, handler never runs', async () => {
    const c = t.env.creds
    const path = `/wechat/${t.authorizer}/callback`
    const inner = textXml('gh_x', 'o_forger', 'forged', 4242)
    const other = crypto.randomBytes(32).toString('base64').slice(0, 43)
    const cases = {
      wrongToken: sealedRequest({ token: 'not-the-token', key: c.key, appid: c.appid }, inner),
      wrongKey: sealedRequest({ token: c.token, key: other, appid: c.appid }, inner),
      otherAppid: sealedRequest({ token: c.token, key: c.key, appid: 'wxanothercomponent' }, inner),
    }
    for (const [name, r] of Object.entries(cases)) {
      const res = await post(path, r.query, r.body)
      assert.ok(res.status >= 400 && res.status < 500, `${name}: ${res.status}`)
    }
    const good = sealedRequest({ token: c.token, key: c.key, appid: c.appid }, inner)
    const unsigned = new URLSearchParams(good.query)
    unsigned.delete('msg_signature')
    unsigned.delete('encrypt_type')
    assert.equal((await post(path, unsigned, good.body)).status, 400)
    const tampered = good.body.replace(/<Encrypt><!\[CDATA\[(.)/, (_, ch) => `<Encrypt><![CDATA[${ch === 'A' ? 'B' : 'A'}`)
    assert.equal((await post(path, good.query, tampered)).status, 401)
    assert.equal((await post(path, good.query, 'not xml at all')).status, 400)
    assert.equal(runs.length, 0)

    // Nothing was remembered: the genuine message with that MsgId still runs.
    const d = await t.env.sandbox.sendMessage(t.authorizer, { Content: 'genuine', MsgId: 4242 })
    assert.equal(d.reply.Content, 'ok')
    assert.equal(runs.length, 1)
  })

  test('a message for an unknown or revoked authorizer: success and an event, no handler', async () => {
    const unknown = []
    t.platform.on('unknown_authorizer', (e) => unknown.push(e.appid))
    const c = t.env.creds
    const r = sealedRequest({ token: c.token, key: c.key, appid: c.appid }, textXml('gh_x', 'o1', 'hi', 77))
    const res = await post('/wechat/wxnotauthorized000/callback', r.query, r.body)
    assert.equal(res.status, 200)
    assert.equal(res.text, 'success')
    assert.deepEqual(unknown, ['wxnotauthorized000'])

    const before = runs.length
    const revoked = once(t.platform, 'unauthorized')
    await t.env.sandbox.pushEvent(c.appid, 'unauthorized', t.authorizer)
    await revoked
    // The authorizer cache holds for up to 10 s.
    const send = () => t.env.sandbox.sendMessage(t.authorizer, 'still there?', { componentAppid: c.appid })
    await waitFor(async () => (await send()).response === 'success' && unknown.includes(t.authorizer), 'revocation seen', 15000)
    const after = runs.length
    await send()
    assert.equal(runs.length, after)
    assert.ok(after >= before)
  })

  test('GET with echostr (URL verification) is answered; a bad signature is refused', async () => {
    const c = t.env.creds
    const { WXBizMsgCrypt } = require('..')
    const wx = new WXBizMsgCrypt(c.token, c.key, c.appid)
    const echostr = wx.encrypt('echo-123')
    const q = new URLSearchParams({ timestamp: '1', nonce: 'n', echostr, msg_signature: wx.getSignature('1', 'n', echostr) })
    const ok = await fetch(`${t.url}/wechat/${t.authorizer}/callback?${q}`)
    assert.equal(ok.status, 200)
    assert.equal(await ok.text(), 'echo-123')
    q.set('msg_signature', '0'.repeat(40))
    assert.equal((await fetch(`${t.url}/wechat/${t.authorizer}/callback?${q}`)).status, 401)
  })
})

describe("WeChat's release check", { timeout: 60000 }, () => {
  test('passes end to end without the handler seeing the test accounts', async () => {
    const seen = []
    const t = await readyPlatform((p) => p.messages((m) => { seen.push(m); return 'user handler' }))
    try {
      const report = await t.env.sandbox.runReleaseCheck(t.env.creds.appid)
      assert.equal(report.passed, true, JSON.stringify(report.cases))
      assert.equal(report.cases.length, 6)
      assert.equal(seen.length, 0)
      // api_query_auth stored the test account as an authorizer.
      const a = await t.platform.getAuthorizer('wx570bc396a51b8ff8')
      assert.equal(a.appid, 'wx570bc396a51b8ff8')
    } finally {
      await t.close()
    }
  })

  test('the CLI runs it over the control API of a running sandbox', async () => {
    const t = await readyPlatform((p) => p.messages(() => 'user handler'))
    const log = console.log
    const lines = []
    console.log = (...a) => lines.push(a.join(' '))
    try {
      const report = await require('../lib/cli/sandbox')(['--release-check', t.env.creds.appid, '--sandbox', t.env.sandbox.url])
      assert.equal(report.passed, true)
      assert.equal(lines.filter((l) => l.startsWith('PASS')).length, 6)
      assert.equal(lines.at(-1), 'release check passed')
    } finally {
      console.log = log
      await t.close()
    }
  })

  test('turned off, the user handler answers and the check fails with reasons', async () => {
    const t = await readyPlatform((p) => p.messages(() => 'user handler', { releaseCheck: false }))
    try {
      const report = await t.env.sandbox.runReleaseCheck(t.env.creds.appid)
      assert.equal(report.passed, false)
      const ev = report.cases.find((c) => c.case === 'event')
      assert.match(ev.reason, /LOCATIONfrom_callback/)
    } finally {
      await t.close()
    }
  })
})

describe('bad arguments', () => {
  test('TypeErrors name the argument', async () => {
    const { messages } = require('..')
    assert.throws(() => messages({}, () => {}), { name: 'TypeError', message: /config.token/ })
    assert.throws(() => messages({ token: 't', encodingAESKey: 'short' }, () => {}), { name: 'TypeError', message: /encodingAESKey/ })
    assert.throws(() => messages({ token: 't', encodingAESKey: 'a'.repeat(43) }, () => {}), { name: 'TypeError', message: /appid/ })
    assert.throws(() => messages({ token: 't' }, 42), { name: 'TypeError', message: /handler/ })
    assert.throws(() => messages({ token: 't' }, () => {}, { timeout: -1 }), { name: 'TypeError', message: /timeout/ })
  })
})

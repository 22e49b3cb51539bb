'use strict'
// handler.listen(port, host): the message URL served natively, the same
// pipeline as the middleware (replies, routing, dedup, release check,
// refusals, late replies), with the sandbox playing WeChat over real HTTP.
const { test, describe, before, after } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('crypto')
const { WXBizMsgCrypt } = require('..')
const { readyPlatform, sealedRequest, textXml, waitFor } = require('./helpers/messages')

describe('the native listener', { timeout: 90000 }, () => {
  let t, listener, runs, base
  const rejected = []
  const unknown = []
  before(async () => {
    runs = []
    t = await readyPlatform((p) => p.messages(() => 'middleware'), { sandbox: { messageTimeoutSecs: 1 } })
    const handler = t.platform.messages({
      text: async (m, ctx) => {
        runs.push(m)
        if (m.Content === 'slow') await new Promise((r) => setTimeout(r, 600))
        if (m.Content === 'late') await new Promise((r) => setTimeout(r, 400))
        if (m.Content === 'throw') throw new Error('boom')
        return `${ctx.authorizerAppid}:${ctx.authorizer.appid}:${m.Content}`
      },
      image: (m) => ({ type: 'image', content: { mediaId: m.MediaId } }),
      event: { CLICK: (m) => `clicked ${m.EventKey}` },
    }, { timeout: 300 })
    handler.on('message_rejected', (e) => rejected.push(e))
    handler.on('unknown_authorizer', (e) => unknown.push(e.appid))
    listener = await handler.listen(0, '127.0.0.1')
    assert.ok(listener.port > 0)
    base = `http://127.0.0.1:${listener.port}`
    await t.env.sandbox.setMessageUrl(t.env.creds.appid, `${base}/wechat/$APPID$/callback`)
  })
  after(async () => {
    await listener.close()
    await t.close()
  })

  test('replies (text, image, event routing), encrypted and decrypted by the sandbox', async () => {
    const d = await t.env.sandbox.sendMessage(t.authorizer, 'hello')
    assert.equal(d.error, null, d.error)
    assert.equal(d.reply.Content, `${t.authorizer}:${t.authorizer}:hello`)
    assert.equal(d.reply.ToUserName, d.message.FromUserName)
    const img = await t.env.sandbox.sendMessage(t.authorizer, { MsgType: 'image', MediaId: 'm1', PicUrl: 'http://p' })
    assert.deepEqual(img.reply.Image, { MediaId: 'm1' })
    const click = await t.env.sandbox.sendMessage(t.authorizer, { MsgType: 'event', Event: 'CLICK', EventKey: 'k1' })
    assert.equal(click.reply && click.reply.Content, 'clicked k1', JSON.stringify(click))
    const none = await t.env.sandbox.sendMessage(t.authorizer, { MsgType: 'voice', MediaId: 'v' })
    assert.equal(none.response, 'success')
  })

  test('a retry waits for the first reply; the handler runs once', async () => {
    const before = runs.length
    const d = await t.env.sandbox.sendMessage(t.authorizer, { Content: 'slow' }, { timeoutSecs: 0.2 })
    assert.ok(d.attempts.length >= 2, JSON.stringify(d.attempts))
    assert.equal(runs.length - before, 1)
    // Past the deadline (300 ms) `success` was answered; the retries got the same.
    assert.equal(d.response, 'success')
    const sent = await waitFor(async () => (await t.env.sandbox.recordedCalls('/cgi-bin/message/custom/send'))
      .find((c) => c.body.text && c.body.text.content.endsWith(':slow')), 'the late reply as a custom-service message')
    assert.equal(sent.body.touser, d.message.FromUserName)
  })

  test('a throwing handler: success, nothing crashes', async () => {
    const d = await t.env.sandbox.sendMessage(t.authorizer, 'throw')
    assert.equal(d.response, 'success')
  })

  test('forged requests: 4xx and a message_rejected event; unknown authorizer: success and an event; GET echostr', async () => {
    const c = t.env.creds
    const before = runs.length
    const forged = sealedRequest({ token: 'not-the-token', key: c.key, appid: c.appid }, textXml('gh_x', 'o_f', 'forged', 99))
    let res = await fetch(`${base}/wechat/${t.authorizer}/callback?${forged.query}`, { method: 'POST', body: forged.body })
    assert.equal(res.status, 401)
    res = await fetch(`${base}/wechat/${t.authorizer}/callback?timestamp=1&nonce=2`, { method: 'POST', body: 'garbage' })
    assert.equal(res.status, 400)
    assert.equal(runs.length, before)
    // Events cross from the native side on their own: waited for, not raced.
    await waitFor(() => rejected.length >= 2, 'two message_rejected events')
    assert.equal(rejected[0].name, 'CryptoError')

    const good = sealedRequest({ token: c.token, key: c.key, appid: c.appid }, textXml('gh_x', 'o1', 'hi', 77))
    res = await fetch(`${base}/wechat/wxnotauthorized000/callback?${good.query}`, { method: 'POST', body: good.body })
    assert.equal(await res.text(), 'success')
    await waitFor(() => unknown.length === 1, 'unknown_authorizer')
    assert.deepEqual(unknown, ['wxnotauthorized000'])

    const wx = new WXBizMsgCrypt(c.token, c.key, c.appid)
    const echostr = wx.encrypt('echo-123')
    const timestamp = '1700000000'
    const nonce = crypto.randomBytes(4).toString('hex')
    const q = new URLSearchParams({ timestamp, nonce, echostr, msg_signature: wx.getSignature(timestamp, nonce, echostr) })
    res = await fetch(`${base}/wechat/${t.authorizer}/callback?${q}`)
    assert.equal(await res.text(), 'echo-123')
  })

  test("WeChat's release check passes on it", async () => {
    const before = runs.length
    const report = await t.env.sandbox.runReleaseCheck(t.env.creds.appid)
    assert.equal(report.passed, true, JSON.stringify(report.cases))
    assert.equal(runs.length, before)
  })

  test('ctx.authorizer: each handler gets its own copy; a changed record reaches the handler', async () => {
    const seen = []
    const h = t.platform.messages((m, ctx) => {
      seen.push({ ...ctx.authorizer })
      ctx.authorizer.nickName = 'changed by a handler'
      return 'ok'
    })
    const own = await h.listen(0, '127.0.0.1')
    const appid = t.env.creds.appid
    await t.env.sandbox.setMessageUrl(appid, `http://127.0.0.1:${own.port}/wechat/$APPID$/callback`)
    try {
      await t.env.sandbox.sendMessage(t.authorizer, 'one')
      await t.env.sandbox.sendMessage(t.authorizer, 'two')
      assert.equal(seen.length, 2)
      assert.equal(seen[0].appid, t.authorizer)
      assert.ok(seen[0].wxToken)
      assert.deepEqual(seen[1], seen[0], 'the second message sees the record, not the first handler\'s change')
      // The one stored record (get_user_info's), in camelCase, null fields absent.
      const u = await t.platform.getAuthorizer(t.authorizer)
      const camel = (k) => k.replace(/_([a-z])/g, (_, c) => c.toUpperCase())
      const expected = {}
      // Every field of the stored record but the nested two and the tokens get_user_info adds.
      const tokenFields = ['access_token', 'access_token_updated_at', 'access_token_expires_in', 'refresh_token']
      for (const k of Object.keys(u).filter((k) => !['func_info', 'mini_program_info', ...tokenFields].includes(k))) {
        if (u[k] != null) expected[camel(k)] = u[k]
      }
      assert.deepEqual(seen[0], expected)
      assert.ok(seen[0].funcScopes.length > 0 && seen[0].appType, 'the sandbox authorizer has a type and permission sets')
      // The admin renames the account and re-authorizes: the platform hears it (updateauthorized).
      const nickName = `Renamed ${crypto.randomBytes(3).toString('hex')}`
      await t.env.sandbox.authorize(appid, { appid: t.authorizer, nickName, push: true })
      const until = Date.now() + 15000
      while (seen[seen.length - 1].nickName !== nickName && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 100))
        await t.env.sandbox.sendMessage(t.authorizer, 'again')
      }
      assert.equal(seen[seen.length - 1].nickName, nickName)
      assert.equal(seen[seen.length - 1].appid, t.authorizer)
    } finally {
      await t.env.sandbox.setMessageUrl(appid, `${base}/wechat/$APPID$/callback`)
      await own.close()
    }
  })

  test('bad arguments', async () => {
    const h = t.platform.messages(() => 'x')
    await assert.rejects(h.listen(-1), TypeError)
    await assert.rejects(h.listen(80, 3), TypeError)
  })
})

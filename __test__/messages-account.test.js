'use strict'
// messages({ token, encodingAESKey?, appid? }, handler): an account's own
// message URL in plain, compatible and safe mode; node-webot `wechat`
// handlers through wxthirdparty/wechat (the full comparison is
// wechat-differential.test.js).
const { test, describe, after, before } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('crypto')
const { messages, WXBizMsgCrypt, parseMessage } = require('..')
const { listen } = require('./helpers/platform')

const TOKEN = 'accounttoken'
const KEY = crypto.randomBytes(32).toString('base64').slice(0, 43)
const APPID = 'wxaccount0000001'

const sha1 = (s) => crypto.createHash('sha1').update(s).digest('hex')
const signature = (...parts) => sha1(parts.sort().join(''))

function inner(content, msgId, extra = '') {
  return `<xml><ToUserName><![CDATA[gh_account]]></ToUserName><FromUserName><![CDATA[o_user]]></FromUserName>` +
    `<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${content}]]></Content>` +
    `<MsgId>${msgId}</MsgId>${extra}</xml>`
}

/** A request as WeChat sends it in `mode` ('plain' | 'compatible' | 'safe'). */
const nowSecs = () => Math.floor(Date.now() / 1000)
const YEAR = 365 * 86400

/** A request as WeChat sends it in `mode` ('plain' | 'compatible' | 'safe'), signed at `at` (seconds). */
function request(mode, xml, at = nowSecs()) {
  const timestamp = String(at)
  const nonce = crypto.randomBytes(4).toString('hex')
  const q = new URLSearchParams({ signature: signature(TOKEN, timestamp, nonce), timestamp, nonce, openid: 'o_user' })
  if (mode === 'plain') return { q, body: xml }
  const c = new WXBizMsgCrypt(TOKEN, KEY, APPID)
  const encrypt = c.encrypt(xml)
  q.set('encrypt_type', 'aes')
  q.set('msg_signature', c.getSignature(timestamp, nonce, encrypt))
  const fields = mode === 'compatible' ? xml.replace(/^<xml>|<\/xml>$/g, '') : '<ToUserName><![CDATA[gh_account]]></ToUserName>'
  return { q, body: `<xml>${fields}<Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>` }
}

async function post(url, { q, body }) {
  const res = await fetch(`${url}/wechat?${q}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body })
  return { status: res.status, text: await res.text() }
}

function openReply(text, encrypted) {
  if (!encrypted) return parseMessage(text)
  return new WXBizMsgCrypt(TOKEN, KEY, APPID).decryptMessage(text)
}

describe('own server: plain, compatible and safe mode', { timeout: 60000 }, () => {
  let server, runs
  before(async () => {
    runs = 0
    const app = require('express')()
    server = await listen(app.all('/wechat', messages({ token: TOKEN, encodingAESKey: KEY, appid: APPID }, (m) => {
      runs++
      return `got ${m.Content}`
    })))
  })
  after(() => server.close())

  for (const mode of ['plain', 'compatible', 'safe']) {
    test(`${mode} mode: the reply comes back ${mode === 'plain' ? 'plain' : 'encrypted'}`, async () => {
      const r = await post(server.url, request(mode, inner(`hi ${mode}`, 1000 + mode.length)))
      assert.equal(r.status, 200)
      assert.equal(r.text.includes('<Encrypt>'), mode !== 'plain')
      const reply = openReply(r.text, mode !== 'plain')
      assert.equal(reply.Content, `got hi ${mode}`)
      assert.equal(reply.ToUserName, 'o_user')
      assert.equal(reply.FromUserName, 'gh_account')
    })
  }

  test('a retried delivery runs the handler once and gets the same reply', async () => {
    const before = runs
    const a = await post(server.url, request('safe', inner('twice', 555)))
    const b = await post(server.url, request('safe', inner('twice', 555)))
    assert.equal(runs - before, 1)
    assert.equal(openReply(a.text, true).Content, openReply(b.text, true).Content)
  })

  test('bad, missing or forged signatures are refused; the handler never runs', async () => {
    const before = runs
    const bad = request('plain', inner('x', 9))
    bad.q.set('signature', '0'.repeat(40))
    assert.equal((await post(server.url, bad)).status, 401)
    const unsigned = request('plain', inner('x', 9))
    unsigned.q.delete('signature')
    assert.equal((await post(server.url, unsigned)).status, 400)
    const forged = request('safe', inner('x', 9))
    forged.q.set('msg_signature', signature('other', '1', '2'))
    assert.equal((await post(server.url, forged)).status, 401)
    assert.equal(runs, before)
  })

  test('GET echostr (plain and safe)', async () => {
    const q = new URLSearchParams({ timestamp: '1', nonce: 'n', echostr: 'plain-echo', signature: signature(TOKEN, '1', 'n') })
    assert.equal(await (await fetch(`${server.url}/wechat?${q}`)).text(), 'plain-echo')
    const c = new WXBizMsgCrypt(TOKEN, KEY, APPID)
    const echostr = c.encrypt('safe-echo')
    const s = new URLSearchParams({ timestamp: '1', nonce: 'n', echostr, msg_signature: c.getSignature('1', 'n', echostr) })
    assert.equal(await (await fetch(`${server.url}/wechat?${s}`)).text(), 'safe-echo')
  })
})

test('a routing object dispatches on its own names only (MsgType=toString, Event=constructor)', async () => {
  const ours = messages(TOKEN, { text: (m) => `text ${m.Content}`, event: { CLICK: () => 'click', default: () => 'other event' }, default: (m) => `default ${m.MsgType}` })
  const b = await listen(ours)
  try {
    const as = (type, extra = '') => inner('x', Math.floor(Math.random() * 1e9)).replace('<MsgType><![CDATA[text]]>', `<MsgType><![CDATA[${type}]]>`).replace('</xml>', `${extra}</xml>`)
    for (const type of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      assert.equal(parseMessage((await post(b.url, request('plain', as(type)))).text).Content, `default ${type}`, type)
    }
    for (const ev of ['constructor', 'toString', 'valueOf']) {
      assert.equal(parseMessage((await post(b.url, request('plain', as('event', `<Event><![CDATA[${ev}]]></Event>`)))).text).Content, 'other event', ev)
    }
  } finally {
    await b.close()
    await ours.close()
  }
})

describe('node-webot wechat handlers work unchanged', { timeout: 60000 }, () => {
  // Written for node-webot's `wechat` middleware: req.weixin in, res.reply out.
  const webotHandler = (req, res, next) => {
    const m = req.weixin
    if (m.MsgType === 'event') return next()
    if (m.Content === 'music') {
      return res.reply({ title: 'song', description: 'd', musicUrl: 'http://m/1.mp3', hqMusicUrl: 'http://m/1hq.mp3' })
    }
    res.reply(`webot says ${m.Content}`)
  }

  test('the same handler under node-webot and under wxthirdparty/wechat: same replies', async () => {
    const wechat = require('wechat')
    const ours = require('wxthirdparty/wechat')(TOKEN, webotHandler)
    const express = require('express')
    const theirs = express()
    theirs.use('/wechat', wechat(TOKEN, webotHandler))
    const a = await listen(theirs)
    const b = await listen(ours)
    try {
      for (const content of ['hello', 'music']) {
        const req = request('plain', inner(content, content === 'music' ? 78 : 77))
        const [x, y] = [await post(a.url, req), await post(b.url, req)]
        const [rx, ry] = [parseMessage(x.text), parseMessage(y.text)]
        for (const k of ['ToUserName', 'FromUserName', 'MsgType', 'Content']) assert.equal(ry[k], rx[k], k)
        if (content === 'music') assert.deepEqual(ry.Music, rx.Music)
      }
      // next() with no next middleware (a plain http server): `success`.
      const ev = request('plain', inner('ignored', 1).replace('<MsgType><![CDATA[text]]>', '<MsgType><![CDATA[event]]>'))
      assert.equal((await post(b.url, ev)).text, 'success')
    } finally {
      await a.close()
      await b.close()
    }
  })
})

describe('the signed timestamp is checked for age (timestampWindowSecs)', { timeout: 60000 }, () => {
  test("a year-old signed message does not run its handler (plain, compatible, safe; http and the native listener); one within the window does", async () => {
    let runs = 0
    const rejected = []
    const handler = messages({ token: TOKEN, encodingAESKey: KEY, appid: APPID }, (m) => { runs++; return `got ${m.Content}` })
    handler.on('message_rejected', (e) => rejected.push(e))
    const server = await listen(handler)
    const native = await handler.listen(0, '127.0.0.1')
    try {
      for (const url of [server.url, `http://127.0.0.1:${native.port}`]) {
        for (const mode of ['plain', 'compatible', 'safe']) {
          const r = await post(url, request(mode, inner(`old ${mode}`, 4000 + mode.length), nowSecs() - YEAR))
          assert.equal(r.status, 401, `${url} ${mode}`)
        }
      }
      assert.equal(runs, 0)
      assert.ok(rejected.length >= 3, 'message_rejected, with the reason')
      assert.equal(rejected[0].name, 'CryptoError')
      assert.match(rejected[0].message, /timestamp \d+ is \d+ s old, outside the 300 s window/)
      // A minute old (a retry, a clock a little behind) is inside the default window.
      for (const mode of ['plain', 'safe']) {
        const r = await post(server.url, request(mode, inner(`recent ${mode}`, 4100 + mode.length), nowSecs() - 60))
        assert.equal(openReply(r.text, mode !== 'plain').Content, `got recent ${mode}`)
      }
      assert.equal(runs, 2)
    } finally {
      await native.close()
      await server.close()
      await handler.close()
    }
  })

  test('0 takes any age; a bad window is a TypeError', async () => {
    let runs = 0
    const handler = messages(TOKEN, (m) => { runs++; return `got ${m.Content}` }, { timestampWindowSecs: 0 })
    const server = await listen(handler)
    try {
      const r = await post(server.url, request('plain', inner('ancient', 4200), 1409304348))
      assert.equal(parseMessage(r.text).Content, 'got ancient')
      assert.equal(runs, 1)
    } finally {
      await server.close()
      await handler.close()
    }
    for (const bad of [-1, '300', NaN, Infinity]) {
      assert.throws(() => messages(TOKEN, () => 'x', { timestampWindowSecs: bad }), { name: 'TypeError', message: /options\.timestampWindowSecs: must be a number of seconds/ })
    }
  })

  test('wxthirdparty/wechat keeps node-webot (no age check) unless the option is given', async () => {
    const wechat = require('wxthirdparty/wechat')
    const as = wechat(TOKEN, (req, res) => res.reply(`webot ${req.weixin.Content}`))
    const strict = wechat(TOKEN, (req, res) => res.reply(`webot ${req.weixin.Content}`), { timestampWindowSecs: 300 })
    const a = await listen(as)
    const b = await listen(strict)
    try {
      const old = () => request('plain', inner('old', Math.floor(Math.random() * 1e9)), nowSecs() - YEAR)
      assert.equal(parseMessage((await post(a.url, old())).text).Content, 'webot old')
      assert.equal((await post(b.url, old())).status, 401)
    } finally {
      await a.close()
      await b.close()
    }
  })
})

describe('safeModeOnly', { timeout: 60000 }, () => {
  test('refuses plain-mode POSTs as message_rejected (400), takes compatible and safe mode; the handler runs only for those', async () => {
    let runs = 0
    const rejected = []
    const handler = messages({ token: TOKEN, encodingAESKey: KEY, appid: APPID }, (m) => { runs++; return `got ${m.Content}` }, { safeModeOnly: true })
    handler.on('message_rejected', (e) => rejected.push(e))
    const server = await listen(handler)
    try {
      const plain = await post(server.url, request('plain', inner('plain', 3001)))
      assert.equal(plain.status, 400)
      assert.equal(rejected.length, 1)
      assert.match(rejected[0].message, /plain-mode messages are refused \(safeModeOnly\)/)
      assert.equal(runs, 0)
      for (const mode of ['compatible', 'safe']) {
        const r = await post(server.url, request(mode, inner(mode, 3002 + mode.length)))
        assert.equal(openReply(r.text, true).Content, `got ${mode}`)
      }
      assert.equal(runs, 2)
    } finally {
      await server.close()
      await handler.close()
    }
    assert.throws(() => messages(TOKEN, () => 'x', { safeModeOnly: true }), { name: 'TypeError', message: /safeModeOnly needs config\.encodingAESKey/ })
    assert.throws(() => messages({ token: TOKEN, encodingAESKey: KEY, appid: APPID }, () => 'x', { safeModeOnly: 'yes' }), { name: 'TypeError', message: /safeModeOnly/ })
  })
})

describe('the URL check echo is never served as markup', { timeout: 60000 }, () => {
  test('plain mode: echostr answered text/plain with nosniff (http, Express and the native listener)', async () => {
    const handler = messages(TOKEN, () => 'x')
    const mounted = await listen(handler)
    const express = await listen(require('express')().all('/wechat', messages(TOKEN, () => 'x')))
    const native = await handler.listen(0, '127.0.0.1')
    try {
      const timestamp = String(Math.floor(Date.now() / 1000))
      const nonce = 'n1'
      // The signature covers token, timestamp and nonce only: anyone holding one can pick the echo.
      const echostr = '<html><script>alert(1)</script></html>'
      const q = new URLSearchParams({ signature: signature(TOKEN, timestamp, nonce), timestamp, nonce, echostr })
      for (const url of [`${mounted.url}/?${q}`, `${express.url}/wechat?${q}`, `http://127.0.0.1:${native.port}/wechat?${q}`]) {
        const res = await fetch(url)
        assert.equal(res.status, 200, url)
        assert.equal(await res.text(), echostr)
        assert.match(res.headers.get('content-type'), /^text\/plain/, url)
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff', url)
      }
    } finally {
      await native.close()
      await mounted.close()
      await express.close()
      if (handler.close) await handler.close()
    }
  })
})

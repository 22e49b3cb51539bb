'use strict'
// `require('wxthirdparty/wechat')` in node-webot wechat's module shape: the
// same middleware call, mounted the same way, answers WeChat's URL check and
// a text message as node-webot's does (every other case is in
// wechat-differential.test.js).
const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('crypto')
const http = require('http')
const webot = require('wechat')
const wechat = require('wxthirdparty/wechat')
const { parseMessage } = require('..')

const TOKEN = 'dropintoken'
const sha1 = (s) => crypto.createHash('sha1').update(s).digest('hex')

// As Express mounts a middleware: req.query parsed, next() ends the request.
function serve(t, middleware) {
  const server = http.createServer((req, res) => {
    req.query = Object.fromEntries(new URL(req.url, 'http://x').searchParams)
    middleware(req, res, (err) => {
      res.statusCode = err ? 500 : 404
      res.end()
    })
  })
  t.after(() => new Promise((resolve) => server.close(resolve)))
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`)))
}

function signed(extra = {}) {
  const timestamp = String(Math.floor(Date.now() / 1000))
  const nonce = crypto.randomBytes(4).toString('hex')
  return new URLSearchParams({ signature: sha1([TOKEN, timestamp, nonce].sort().join('')), timestamp, nonce, ...extra })
}

test("wechat(token, (req, res, next) => res.reply(…)): URL check and a text reply as node-webot's", async (t) => {
  const handler = (req, res, next) => (req.weixin ? res.reply(`echo: ${req.weixin.Content}`) : next())
  const urls = [await serve(t, webot(TOKEN, handler)), await serve(t, wechat(TOKEN, handler))]
  const xml = `<xml><ToUserName><![CDATA[gh_x]]></ToUserName><FromUserName><![CDATA[o_user]]></FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content><MsgId>${Date.now()}</MsgId></xml>`
  const answers = []
  for (const url of urls) {
    const check = await fetch(`${url}/?${signed({ echostr: 'echo-123' })}`)
    const bad = await fetch(`${url}/?${signed({ echostr: 'x' }).toString().replace(/signature=[0-9a-f]+/, 'signature=0')}`, { method: 'POST', body: xml })
    const reply = await fetch(`${url}/?${signed()}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: xml })
    const body = await reply.text()
    answers.push({ check: [check.status, await check.text()], bad: bad.status, reply: body.startsWith('<xml>') ? parseMessage(body) : body })
  }
  const [theirs, ours] = answers
  assert.deepEqual(ours.check, theirs.check)
  assert.equal(theirs.bad >= 400, true)
  assert.equal(ours.bad >= 400, true)
  for (const k of ['ToUserName', 'FromUserName', 'MsgType', 'Content']) assert.equal(ours.reply[k], theirs.reply[k], k)
  assert.equal(ours.reply.Content, 'echo: hi')
})

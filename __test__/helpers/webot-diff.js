'use strict'
// Differential harness for node-webot `wechat` 2.1 and `wxthirdparty/wechat`:
// the same Express app around each middleware, the same requests (plain,
// compatible, safe), answers compared as status + decrypted, parsed reply.
const crypto = require('crypto')
const express = require('express')
const session = require('express-session')
const { WXBizMsgCrypt, parseMessage, buildXml } = require('../..')
const { listen } = require('./platform')

const TOKEN = 'difftoken'
const KEY = crypto.createHash('sha256').update('webot-diff').digest('base64').slice(0, 43)
const APPID = 'wxdiff0000000001'
const CRYPT = new WXBizMsgCrypt(TOKEN, KEY, APPID)
const sha1 = (s) => crypto.createHash('sha1').update(s).digest('hex')

let seq = 0
/** A message as WeChat sends it (a new MsgId each; events carry none). */
function message(fields) {
  const m = { ToUserName: 'gh_diff', FromUserName: 'o_diff_user', CreateTime: Math.floor(Date.now() / 1000) + seq++, ...fields }
  if (m.MsgType !== 'event' && m.MsgType !== 'device_event' && !('MsgId' in m)) m.MsgId = String(Date.now() * 1000 + seq++)
  return buildXml(m)
}

/** `{ query, body }` of a POST in `mode` ('plain' | 'compatible' | 'safe'); `unsigned` drops the signature. */
function delivery(mode, xml, { unsigned = false, badSignature = false, crypt = CRYPT, body } = {}) {
  const timestamp = String(Math.floor(Date.now() / 1000))
  const nonce = crypto.randomBytes(4).toString('hex')
  const q = new URLSearchParams({ timestamp, nonce, openid: 'o_diff_user' })
  if (!unsigned) q.set('signature', badSignature ? '0'.repeat(40) : sha1([TOKEN, timestamp, nonce].sort().join('')))
  if (mode === 'plain') return { q, body: body === undefined ? xml : body }
  const encrypt = crypt.encrypt(xml)
  q.set('encrypt_type', 'aes')
  q.set('msg_signature', badSignature ? sha1('forged') : crypt.getSignature(timestamp, nonce, encrypt))
  const fields = mode === 'compatible' ? xml.replace(/^<xml>|<\/xml>$/g, '') : '<ToUserName><![CDATA[gh_diff]]></ToUserName>'
  return { q, body: `<xml>${fields}<Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>` }
}

/** The answer as `{ status, body }` where body is the reply opened (signature checked), or the text. */
function open(status, text) {
  if (!text.startsWith('<xml>')) return { status, body: text }
  let xml = text
  let encrypted = false
  if (text.includes('<Encrypt>')) {
    const env = parseMessage(text)
    if (env.MsgSignature !== CRYPT.getSignature(String(env.TimeStamp), String(env.Nonce), env.Encrypt)) throw new Error('reply envelope: bad MsgSignature')
    xml = CRYPT.decrypt(env.Encrypt).message
    encrypted = true
  }
  const reply = parseMessage(xml)
  // CreateTime differs by design (node-webot: ms; WeChat: seconds); kept apart.
  const createTime = String(reply.CreateTime)
  delete reply.CreateTime
  return { status, body: reply, encrypted, createTimeDigits: createTime.length }
}

/** An Express app: the middleware at /wechat, then a next middleware and an error handler. */
async function serve(middleware, { sessions = false } = {}) {
  const app = express()
  if (sessions) app.use(session({ secret: 'webot-diff', resave: false, saveUninitialized: false, store: new session.MemoryStore() }))
  app.use('/wechat', middleware)
  app.use((req, res) => res.status(404).send('next middleware'))
  // eslint-disable-next-line no-unused-vars
  app.use((err, req, res, next) => res.status(500).send(`error handler: ${err.message}`))
  const s = await listen(app)
  return {
    url: s.url,
    close: s.close,
    async post(mode, xml, opts) {
      const { q, body } = delivery(mode, xml, opts)
      const r = await fetch(`${s.url}/wechat?${q}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body })
      return open(r.status, await r.text())
    },
    async get(query) {
      const r = await fetch(`${s.url}/wechat?${new URLSearchParams(query)}`)
      return { status: r.status, body: await r.text() }
    },
  }
}

/** Both sides of a case: node-webot's middleware and ours, each its own app. */
async function pair(theirs, ours, opts) {
  const [a, b] = [await serve(theirs, opts), await serve(ours, opts)]
  return { theirs: a, ours: b, close: () => Promise.all([a.close(), b.close()]) }
}

module.exports = { TOKEN, KEY, APPID, CRYPT, WXBizMsgCrypt, message, delivery, serve, pair, sha1 }

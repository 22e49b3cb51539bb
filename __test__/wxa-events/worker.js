'use strict'
// One worker of the mini-program events fleet test: a cluster-role platform
// serving its push URL (/auth) and message URL (/wechat/$APPID$/callback) on
// one port. Tells the parent of every platform event and handler run;
// answers { ping } after its pending events are out, so the parent can count.
const http = require('http')
const { ThirdpartyServer } = require('../..')

const o = JSON.parse(process.env.WXTP_WXA_WORKER)
const platform = new ThirdpartyServer(o.appid, o.secret, o.token, o.key, o.db, true, { apiBase: o.sandbox, pollIntervalMs: 100 })
platform.on('db_error', () => {})
const EVENTS = ['fast_register', 'weapp_audit', 'wxa_nickname_audit', 'wxa_category_audit', 'wxa_privacy_apply', 'wxa_media_check', 'wxa_event', 'authorized']
for (const name of EVENTS) platform.on(name, (payload) => process.send({ event: { name, payload } }))
// freshMs 0: every delivery is claimed in the store first, so the same
// delivery reaching both workers at once is run by one of them.
const messages = platform.messages((m) => { process.send({ ran: { Event: m.Event, MsgType: m.MsgType } }) }, { freshMs: 0 })
const push = platform.middleware()
const server = http.createServer((req, res) => (req.url.startsWith('/auth') ? push(req, res) : messages(req, res)))
server.listen(0, '127.0.0.1', () => process.send({ ready: true, url: `http://127.0.0.1:${server.address().port}` }))
process.on('message', async (m) => {
  if (m.ping) {
    // Native events already queued reach the pump within a few turns.
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
    process.send({ pong: m.ping })
  }
  if (m.call) {
    // An API call for an authorizer, made in this process.
    const { id, appid, method, args } = m.call
    platform.createClient(appid)[method](...args).then(
      (result) => process.send({ answer: { id, result } }),
      (e) => process.send({ answer: { id, error: { name: e.name, code: e.code, message: e.message } } }),
    )
  }
  if (!m.stop) return
  server.close()
  await platform.close()
  process.exit(0)
})

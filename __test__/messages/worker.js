'use strict'
// One worker of the message-dedup fleet test: a cluster-role platform serving
// platform.messages() on its own port. Reports each handler run to the parent.
const http = require('http')
const { ThirdpartyServer } = require('../..')

const o = JSON.parse(process.env.WXTP_MSG_WORKER)
const platform = new ThirdpartyServer(o.appid, o.secret, o.token, o.key, o.db, true, { apiBase: o.sandbox, pollIntervalMs: 100 })
platform.on('db_error', () => {})
const handler = platform.messages(async (m) => {
  process.send({ ran: { pid: process.pid, content: m.Content } })
  await new Promise((r) => setTimeout(r, o.delayMs))
  return `handled by ${process.pid}: ${m.Content}`
}, { timeout: o.timeout })
const server = http.createServer(handler)
server.listen(0, '127.0.0.1', () => process.send({ ready: true, url: `http://127.0.0.1:${server.address().port}` }))
process.on('message', async (m) => {
  if (!m.stop) return
  server.close()
  await platform.close()
  process.exit(0)
})

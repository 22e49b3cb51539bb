'use strict'
// One process of the rollout crash test's fleet: a master (isCluster false,
// keeps the platform's tokens) or a worker (isCluster true) that may drive
// rollouts (it takes one over when its driver's lease runs out). With
// `messages`, it serves the platform's message URL (audit events land
// here) and sends its URL to the parent. The parent SIGKILLs whichever
// child drives.
const http = require('http')
const { ThirdpartyServer } = require('../..')

const o = JSON.parse(process.env.WXTP_ROLLOUT_CHILD)
const master = o.role === 'master'
const platform = new ThirdpartyServer(o.appid, o.secret, o.token, o.key, o.db, !master, {
  apiBase: o.sandbox, pollIntervalMs: 100, maxTickMs: 300, leaseTtlMs: o.leaseTtlMs, driveRollouts: o.drive !== false,
})
platform.on('db_error', () => {})
if (master) platform.start()

async function ready() {
  await platform.getComponentAccessToken()
  if (!o.messages) return {}
  const handler = platform.messages(() => {})
  const server = http.createServer(handler)
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${server.address().port}` }
}

ready().then((m) => process.send({ ready: process.pid, ...m }), (e) => process.send({ failed: e.message }))
process.on('message', async (m) => {
  if (!m.stop) return
  await platform.close()
  process.exit(0)
})

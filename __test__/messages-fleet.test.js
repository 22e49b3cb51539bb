'use strict'
// Dedup fleet-wide: two worker processes share one MySQL database; WeChat's
// retry of a slow message lands on the other process, which must not run
// the handler again and must answer with the first process's reply. The
// timings are WeChat's own (a retry 5 s after the first try): the first
// delivery is claimed in memory and written behind, the retry — older than
// the fresh window — is claimed in the store and finds that claim.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const path = require('path')
const { fork } = require('child_process')
const { once } = require('events')
const { ThirdpartyServer, startSandbox } = require('..')
const { credentials, listen, readBody } = require('./helpers/platform')
const { freshMysql } = require('./helpers/messages')

function worker(opts) {
  const child = fork(path.join(__dirname, 'messages', 'worker.js'), [], {
    env: { ...process.env, WXTP_MSG_WORKER: JSON.stringify(opts) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  child.runs = []
  child.on('message', (m) => { if (m.ran) child.runs.push({ ...m.ran, at: Date.now() % 100000 }) })
  child.readyP = new Promise((resolve) => child.on('message', (m) => m.ready && resolve(m.url)))
  return child
}

test('a retry landing on the other worker process runs nothing and gets the first reply', { timeout: 120000 }, async () => {
  const db = freshMysql()
  const sandbox = await startSandbox({ messageTimeoutSecs: 5 })
  const creds = credentials()
  const master = new ThirdpartyServer(creds.appid, creds.secret, creds.token, creds.key, db.url, false, { apiBase: sandbox.url, maxTickMs: 300 })
  const receiver = await listen(master.middleware())
  const workers = []
  let router
  try {
    await sandbox.registerComponent({ appid: creds.appid, secret: creds.secret, token: creds.token, encodingAESKey: creds.key, pushUrl: `${receiver.url}/auth` })
    const ready = once(master, 'ready')
    master.start()
    await ready
    const { authCode, authorizerAppid } = await sandbox.authorize(creds.appid, { followers: 2 })
    await master.handleAuthCode(authCode)

    const base = { appid: creds.appid, secret: creds.secret, token: creds.token, key: creds.key, db: db.url, sandbox: sandbox.url, delayMs: 6000, timeout: 8000 }
    workers.push(worker(base), worker(base))
    const urls = await Promise.all(workers.map((w) => w.readyP))

    // The load balancer: a body's first delivery goes to worker 0 (or to
    // `firstTo`), its retries to worker 1.
    const seen = new Map()
    let firstTo = 0
    router = await listen(async (req, res) => {
      const body = await readBody(req)
      const n = seen.get(body) || 0
      seen.set(body, n + 1)
      const target = urls[n === 0 ? firstTo : 1]
      try {
        const r = await fetch(`${target}${req.url}`, { method: 'POST', body, headers: { 'content-type': 'text/xml' } })
        res.statusCode = r.status
        res.end(await r.text())
      } catch (e) {
        res.statusCode = 502
        res.end()
      }
    })
    await sandbox.setMessageUrl(creds.appid, `${router.url}/wechat/$APPID$/callback`)

    const d = await sandbox.sendMessage(authorizerAppid, 'slow one')
    assert.equal(d.attempts.length, 2, JSON.stringify(d.attempts))
    assert.equal(d.attempts[0].status, null, 'the first try timed out')
    assert.equal(d.error, null, d.error)
    assert.equal(d.reply.Content, `handled by ${workers[0].pid}: slow one`)
    assert.deepEqual(workers[0].runs.map((r) => r.content), ['slow one'])
    assert.deepEqual(workers[1].runs, [], 'the retry did not run the handler')

    // A duplicate after the fact gets the first reply at once: from the
    // store on the worker that never ran it, from memory on the one that did.
    const first = { firstDelivery: d.attempts.map((a) => [a.status, a.elapsedMs]) }
    for (const to of [1, 0]) {
      firstTo = to
      const again = await sandbox.sendMessage(authorizerAppid, { ...d.message })
      const why = JSON.stringify({ to, attempts: again.attempts.map((a) => [a.status, a.elapsedMs, a.response.slice(0, 40)]), runs: workers.map((w) => w.runs), ...first })
      assert.equal(again.attempts.length, 1, why)
      assert.equal(again.reply.Content, d.reply.Content, why)
      assert.equal(workers[0].runs.length + workers[1].runs.length, 1, why)
    }
  } finally {
    for (const w of workers) w.send({ stop: true })
    await Promise.all(workers.map((w) => once(w, 'exit')))
    if (router) await router.close()
    await receiver.close()
    await master.close()
    await sandbox.close()
    db.drop()
  }
})

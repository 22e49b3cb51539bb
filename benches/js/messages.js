#!/usr/bin/env node
// Messages per second end to end over HTTP: platform.messages() with a
// trivial handler against node-webot's `wechat` middleware, on the same
// encrypted, signed traffic (safe mode, distinct MsgIds), both on plain
// http (WXTP_BENCH_FRAMEWORK=express: both under Express). Each server runs
// in its own child process; this process is the load generator (keep-alive,
// fixed concurrency). Rounds alternate so machine load hits both alike.
// Run: npm run bench -- messages   (or: node benches/js/messages.js)
// Env: WXTP_BENCH_DB (default: a fresh MariaDB database on WXTP_TEST_MYSQL),
//      WXTP_BENCH_SECS (4 per round), WXTP_BENCH_CONCURRENCY (32).
'use strict'
const http = require('http')
const crypto = require('crypto')
const path = require('path')
const { fork } = require('child_process')
const { freshMysql } = require('../../__test__/helpers/messages')

const SECS = Number(process.env.WXTP_BENCH_SECS || 4)
const CONCURRENCY = Number(process.env.WXTP_BENCH_CONCURRENCY || 32)
const ROUNDS = 2
const REPLY = 'hi'

// ---- the servers (children) --------------------------------------------------
async function serveOurs(o) {
  const { ThirdpartyServer, startSandbox } = require('../..')
  const { once } = require('events')
  const sandbox = await startSandbox()
  const pushes = http.createServer((req, res) => platform.middleware()(req, res))
  await new Promise((r) => pushes.listen(0, '127.0.0.1', r))
  await sandbox.registerComponent({ appid: o.appid, secret: 'benchsecret', token: o.token, encodingAESKey: o.key, pushUrl: `http://127.0.0.1:${pushes.address().port}/auth` })
  const platform = new ThirdpartyServer(o.appid, 'benchsecret', o.token, o.key, o.db, false, { apiBase: sandbox.url, maxTickMs: 300 })
  const ready = once(platform, 'ready')
  platform.start()
  await ready
  const { authCode } = await sandbox.authorize(o.appid, { appid: o.authorizer })
  const user = await platform.handleAuthCode(authCode)
  const server = http.createServer(frame(platform.messages(() => REPLY)))
  server.userName = user.user_name
  return server

}

function serveTheirs(o) {
  const wechat = require('wechat')
  const handler = wechat({ token: o.token, appid: o.appid, encodingAESKey: o.key }, (req, res) => res.reply(REPLY))
  // Plain http: node-webot reads req.query (Connect/Express put it there).
  const plain = (req, res) => { req.query = require('querystring').parse(req.url.split('?')[1] || ''); handler(req, res) }
  return http.createServer(frame(handler, plain))
}

/** WXTP_BENCH_FRAMEWORK=express mounts the handler in Express; default plain http. */
function frame(handler, plain) {
  if (process.env.WXTP_BENCH_FRAMEWORK !== 'express') return plain || handler
  const app = require('express')()
  app.post('/wechat/:appid/callback', handler)
  return app
}

if (process.env.WXTP_BENCH_SERVER) {
  const o = JSON.parse(process.env.WXTP_BENCH_SERVER)
  ;(o.side === 'ours' ? serveOurs(o) : Promise.resolve(serveTheirs(o))).then((server) => {
    server.keepAliveTimeout = 60000
    server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port, userName: server.userName }))
  }, (e) => { console.error(e); process.exit(1) })
  process.on('message', (m) => {
    if (m.stop) process.exit(0)
    if (m.cpu) process.send({ cpu: process.cpuUsage() })
  })
  return
}

// ---- the load generator (parent) ---------------------------------------------
/** Encrypted, signed deliveries as WeChat sends them; every one a new MsgId. */
function traffic(o, n, toUserName) {
  const { WXBizMsgCrypt } = require('../..')
  const c = new WXBizMsgCrypt(o.token, o.key, o.appid)
  const out = []
  for (let i = 0; i < n; i++) {
    const xml = `<xml><ToUserName><![CDATA[${toUserName}]]></ToUserName><FromUserName><![CDATA[o_bench_user_${i % 100}]]></FromUserName>` +
      `<CreateTime>${1700000000 + i}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello ${i}]]></Content>` +
      `<MsgId>${10000000000 + i}</MsgId></xml>`
    const encrypt = c.encrypt(xml)
    const timestamp = String(1700000000 + i)
    const nonce = String(100000 + i)
    const q = new URLSearchParams({ signature: c.getSignature(timestamp, nonce, ''), timestamp, nonce, openid: 'o_bench', encrypt_type: 'aes', msg_signature: c.getSignature(timestamp, nonce, encrypt) })
    out.push({ path: `/wechat/${o.authorizer}/callback?${q}`, body: `<xml><ToUserName><![CDATA[${toUserName}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>` })
  }
  return out
}

function post(agent, port, r) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: r.path, agent, headers: { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(r.body) } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d) => { body += d })
      res.on('end', () => resolve({ status: res.statusCode, body }))
    })
    req.on('error', reject)
    req.end(r.body)
  })
}

/** Checks that an answer is the encrypted reply `hi` to the delivery. */
function checkReply(o, res) {
  const { WXBizMsgCrypt } = require('../..')
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.body.slice(0, 200)}`)
  const m = new WXBizMsgCrypt(o.token, o.key, o.appid).decryptMessage(res.body)
  if (m.Content !== REPLY) throw new Error(`unexpected reply ${JSON.stringify(m)}`)
}

function cpuOf(child) {
  return new Promise((resolve) => {
    const on = (m) => { if (m.cpu) { child.off('message', on); resolve(m.cpu) } }
    child.on('message', on)
    child.send({ cpu: true })
  })
}

async function startServer(side, o) {
  const child = fork(__filename, [], { env: { ...process.env, WXTP_BENCH_SERVER: JSON.stringify({ ...o, side }) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const info = await new Promise((resolve, reject) => {
    child.once('message', resolve)
    child.once('exit', (code) => reject(new Error(`${side} server exited with ${code}`)))
  })
  return { child, port: info.port, userName: info.userName }
}

/** Deliveries per second over `secs` at fixed concurrency; every answer checked for the first 100. */
async function load(o, port, requests, start, secs = SECS) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY })
  let next = start
  let done = 0
  const t0 = process.hrtime.bigint()
  const until = t0 + BigInt(Math.round(secs * 1e9))
  async function worker() {
    while (process.hrtime.bigint() < until) {
      const r = requests[next++ % requests.length]
      const res = await post(agent, port, r)
      if (done < 100) checkReply(o, res)
      else if (res.status !== 200) throw new Error(`HTTP ${res.status}`)
      done++
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9
  agent.destroy()
  return { rate: done / elapsed, used: next - start }
}

async function main() {
  const db = process.env.WXTP_BENCH_DB ? { url: process.env.WXTP_BENCH_DB, drop() {} } : freshMysql('wxtp_bench')
  const o = {
    appid: 'wxbenchcomponent1',
    authorizer: 'wxbenchauthorizer',
    token: 'benchtoken',
    key: crypto.randomBytes(32).toString('base64').slice(0, 43),
    db: db.url,
  }
  // Both servers up for the whole run, loaded in turn.
  const servers = { ours: await startServer('ours', o), theirs: await startServer('theirs', o) }
  // Distinct MsgIds for every delivery of every round (no dedup hits for ours),
  // addressed to the account as WeChat does.
  const requests = traffic(o, 160000, servers.ours.userName)
  let offset = 0
  const best = { ours: 0, theirs: 0 }
  const cost = { ours: Infinity, theirs: Infinity }
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const side of ['ours', 'theirs']) {
        const s = servers[side]
        await load(o, s.port, requests, 140000 + round * 10000, 1) // warm-up on spare deliveries
        const cpu0 = await cpuOf(s.child)
        const { rate, used } = await load(o, s.port, requests, offset)
        const cpu1 = await cpuOf(s.child)
        offset += used
        const us = (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / used
        best[side] = Math.max(best[side], rate)
        cost[side] = Math.min(cost[side], us)
        console.log(`round ${round + 1} ${side.padEnd(6)} ${rate.toFixed(0)} messages/s, server CPU ${us.toFixed(0)} µs/message`)
      }
    }
  } finally {
    for (const s of Object.values(servers)) {
      s.child.send({ stop: true })
      await new Promise((r) => s.child.once('exit', r))
    }
    db.drop()
  }
  console.log('\n| server (%s) | messages/s (best of %d × %ss, concurrency %d) | server CPU µs/message (best) |', process.env.WXTP_BENCH_FRAMEWORK || 'http', ROUNDS, SECS, CONCURRENCY)
  console.log('|---|---:|---:|')
  console.log(`| platform.messages() | ${best.ours.toFixed(0)} | ${cost.ours.toFixed(0)} |`)
  console.log(`| node-webot wechat 2.x | ${best.theirs.toFixed(0)} | ${cost.theirs.toFixed(0)} |`)
  console.log(`ratio: ${(best.ours / best.theirs).toFixed(2)}× messages/s, ${(cost.theirs / cost.ours).toFixed(2)}× less server CPU per message`)
}

main().catch((e) => { console.error(e); process.exit(1) })

#!/usr/bin/env node
// Messages per second end to end over HTTP: platform.messages() with a
// trivial handler (as http middleware, and on its native listener) against
// node-webot's `wechat` middleware, on the same encrypted, signed traffic
// (safe mode, every delivery a new MsgId). Each server runs in its own child
// process; `wrk` (one thread, keep-alive, fixed connections) drives each in
// turn with pre-built deliveries (benches/js/messages.lua), so the load
// generator does no crypto and costs every side alike. Rounds alternate so
// machine load hits all alike.
// Run: npm run bench -- messages   (or: node benches/js/messages.js; needs wrk)
// Env: WXTP_BENCH_DB (default: a fresh MariaDB database on WXTP_TEST_MYSQL),
//      WXTP_BENCH_SECS (4 per round), WXTP_BENCH_CONCURRENCY (32),
//      WXTP_BENCH_ROUNDS (2), WXTP_BENCH_SIDES (ours,native,theirs; add
//      `floor` for node's http answering a constant, the ceiling of any
//      node middleware), WXTP_BENCH_FRAMEWORK=express (middleware in Express),
//      WXTP_BENCH_BASELINE=path/to/other.node (adds side `baseline`: the
//      native listener on another build of the addon, for A/B of a change),
//      WXTP_BENCH_NODE_ARGS (node flags for the servers, e.g. "--cpu-prof
//      --cpu-prof-dir=/tmp/prof" to profile the JS path).
'use strict'
const http = require('http')
const fs = require('fs')
const os = require('os')
const crypto = require('crypto')
const path = require('path')
const { fork, execFileSync } = require('child_process')
const { freshMysql } = require('../../__test__/helpers/messages')

const SECS = Number(process.env.WXTP_BENCH_SECS || 4)
const CONCURRENCY = Number(process.env.WXTP_BENCH_CONCURRENCY || 32)
const ROUNDS = Number(process.env.WXTP_BENCH_ROUNDS || 2)
const SIDES = (process.env.WXTP_BENCH_SIDES || 'ours,native,theirs').split(',')
const REPLY = 'hi'
/** Deliveries per run (default: half again what the side answered in its warm-up, so none repeats). */
const PER_RUN = Number(process.env.WXTP_BENCH_REQUESTS || 0)

const LABEL = {
  ours: 'platform.messages() as http middleware',
  native: 'platform.messages().listen() (native listener)',
  theirs: 'node-webot wechat 2.1 middleware',
  floor: "node http answering a constant (no crypto; any middleware's ceiling)",
  baseline: 'platform.messages().listen() on WXTP_BENCH_BASELINE',
}
if (process.env.WXTP_BENCH_BASELINE && !SIDES.includes('baseline')) SIDES.push('baseline')

// ---- the servers (children) --------------------------------------------------
async function readyPlatform(o) {
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
  return { platform, userName: user.user_name }
}

/** Each platform side is its own component (two masters of one component would share a lease). */
const appidOf = (o, side) => ({ native: `${o.appid}2`, baseline: `${o.appid}3` }[side] || o.appid)

async function serve(o) {
  o = { ...o, appid: appidOf(o, o.side) }
  if (o.side === 'theirs') {
    const wechat = require('wechat')
    const handler = wechat({ token: o.token, appid: o.appid, encodingAESKey: o.key }, (req, res) => res.reply(REPLY))
    // Plain http: node-webot reads req.query (Connect/Express put it there).
    const plain = (req, res) => { req.query = require('querystring').parse(req.url.split('?')[1] || ''); handler(req, res) }
    return listen(frame(handler, plain))
  }
  if (o.side === 'floor') return listen((req, res) => { req.resume(); req.on('end', () => res.end('success')) })
  const { platform, userName } = await readyPlatform(o)
  const handler = platform.messages(() => REPLY)
  if (o.side === 'native' || o.side === 'baseline') {
    const server = await handler.listen(0, '127.0.0.1')
    return { port: server.port, userName }
  }
  return { ...(await listen(frame(handler))), userName }
}

/** WXTP_BENCH_FRAMEWORK=express mounts the handler in Express; default plain http. */
function frame(handler, plain) {
  if (process.env.WXTP_BENCH_FRAMEWORK !== 'express') return plain || handler
  const app = require('express')()
  app.post('/wechat/:appid/callback', handler)
  return app
}

function listen(handler) {
  const server = http.createServer(handler)
  server.keepAliveTimeout = 60000
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: server.address().port })))
}

if (process.env.WXTP_BENCH_SERVER) {
  serve(JSON.parse(process.env.WXTP_BENCH_SERVER)).then((info) => process.send(info), (e) => { console.error(e); process.exit(1) })
  process.on('message', (m) => {
    if (m.stop) process.exit(0)
    if (m.cpu) process.send({ cpu: process.cpuUsage() })
  })
  return
}

// ---- the driver (parent) -----------------------------------------------------
let nextMsgId = 10000000000

let genMsPerDelivery = 0.05
/** What wrk takes to load a delivery from the file before it starts sending (measured in the warm-up). */
let loadMsPerDelivery = 0.01

/**
 * `n` encrypted, signed deliveries as WeChat sends them, each a new MsgId,
 * written for wrk. WeChat stamps CreateTime when it sends (a delivery is
 * well under a second old when it arrives): delivery i is stamped with when
 * it is about to be sent at `rate` deliveries/s (from the side's warm-up rate),
 * from when the file is written, so pre-built traffic is as fresh as live.
 * A stamp too old would send the delivery through the store as a possible
 * retry (a slower path than a live URL takes); see WXTP_BENCH_STALE.
 */
function traffic(o, n, toUserName, file, rate) {
  const { WXBizMsgCrypt } = require('../..')
  o = { ...o, appid: appidOf(o, o.side) }
  const c = new WXBizMsgCrypt(o.token, o.key, o.appid)
  const t0 = Date.now()
  // Sending starts once the file is written and wrk has loaded it.
  const start = t0 + n * (genMsPerDelivery + loadMsPerDelivery) + 50
  const lines = []
  for (let i = 0; i < n; i++) {
    const id = nextMsgId++
    const now = Math.floor((start + (i * 1000) / rate) / 1000)
    const xml = `<xml><ToUserName><![CDATA[${toUserName}]]></ToUserName><FromUserName><![CDATA[o_bench_user_${i % 100}]]></FromUserName>` +
      `<CreateTime>${now}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello ${id}]]></Content>` +
      `<MsgId>${id}</MsgId></xml>`
    const encrypt = c.encrypt(xml)
    const timestamp = String(now)
    const nonce = String(100000 + (id % 900000))
    const q = new URLSearchParams({ signature: c.getSignature(timestamp, nonce, ''), timestamp, nonce, openid: 'o_bench', encrypt_type: 'aes', msg_signature: c.getSignature(timestamp, nonce, encrypt) })
    lines.push(`/wechat/${o.authorizer}/callback?${q}\t<xml><ToUserName><![CDATA[${toUserName}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`)
  }
  fs.writeFileSync(file, lines.join('\n') + '\n')
  genMsPerDelivery = (Date.now() - t0) / n
  return lines
}

function post(port, line) {
  const [p, body] = line.split('\t')
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: p, headers: { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let b = ''
      res.setEncoding('utf8')
      res.on('data', (d) => { b += d })
      res.on('end', () => resolve({ status: res.statusCode, body: b }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** The answer is the encrypted reply `hi` to the delivery. */
function checkReply(o, side, res) {
  if (side === 'floor') return
  o = { ...o, appid: appidOf(o, side) }
  const { WXBizMsgCrypt } = require('../..')
  if (res.status !== 200) throw new Error(`${side}: HTTP ${res.status}: ${res.body.slice(0, 200)}`)
  const m = new WXBizMsgCrypt(o.token, o.key, o.appid).decryptMessage(res.body)
  if (m.Content !== REPLY) throw new Error(`${side}: unexpected reply ${JSON.stringify(m)}`)
}

function cpuOf(child) {
  return new Promise((resolve) => {
    const on = (m) => { if (m.cpu) { child.off('message', on); resolve(m.cpu) } }
    child.on('message', on)
    child.send({ cpu: true })
  })
}

async function startServer(side, o) {
  const env = { ...process.env, WXTP_BENCH_SERVER: JSON.stringify({ ...o, side }) }
  if (side === 'baseline') env.WXTHIRDPARTY_NATIVE_PATH = path.resolve(process.env.WXTP_BENCH_BASELINE)
  const execArgv = (process.env.WXTP_BENCH_NODE_ARGS || '').split(' ').filter(Boolean)
  const child = fork(__filename, [], { env, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const info = await new Promise((resolve, reject) => {
    child.once('message', resolve)
    child.once('exit', (code) => reject(new Error(`${side} server exited with ${code}`)))
  })
  return { child, ...info }
}

/** CPU seconds the local MariaDB server has used (null when not found): the database shares the cores. */
function dbCpu() {
  try {
    const pid = execFileSync('pidof', ['mariadbd'], { encoding: 'utf8' }).trim().split(/\s+/)[0]
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(f[11]) + Number(f[12])) / 100
  } catch {
    return null
  }
}

/** wrk against `port` with the deliveries in `file`: { rate, requests, errors }. */
function wrk(port, file, secs) {
  const out = execFileSync('wrk', ['-t1', '--latency', `-c${CONCURRENCY}`, `-d${secs}s`, '-s', path.join(__dirname, 'messages.lua'), `http://127.0.0.1:${port}`, '--', file], { encoding: 'utf8' })
  const num = (re) => { const m = out.match(re); return m ? Number(m[1]) : 0 }
  const requests = num(/(\d+) requests in/)
  const errors = num(/Non-2xx or 3xx responses: (\d+)/) + num(/Socket errors:.*?read (\d+)/)
  return { rate: num(/Requests\/sec:\s+([\d.]+)/), requests, errors, p99: (out.match(/99%\s+(\S+)/) || [])[1], out }
}

async function main() {
  try {
    execFileSync('wrk', ['-v'], { stdio: 'ignore' })
  } catch (e) {
    if (e.code === 'ENOENT') throw new Error('this benchmark needs wrk (Debian: apt-get install wrk)')
  }
  const db = process.env.WXTP_BENCH_DB ? { url: process.env.WXTP_BENCH_DB, drop() {} } : freshMysql('wxtp_bench')
  const o = {
    appid: 'wxbenchcomponent1',
    authorizer: 'wxbenchauthorizer',
    token: 'benchtoken',
    key: crypto.randomBytes(32).toString('base64').slice(0, 43),
    db: db.url,
  }
  const servers = {}
  for (const side of SIDES) servers[side] = await startServer(side, o)
  const userName = Object.values(servers).map((s) => s.userName).find(Boolean) || 'gh_bench'
  const file = path.join(os.tmpdir(), `wxtp-bench-messages-${process.pid}.txt`)
  const best = {}
  const cost = {}
  const dbCost = {}
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const side of SIDES) {
        const s = servers[side]
        // Warm-up on its own deliveries; the first answers checked.
        const so = { ...o, side }
        const warm = traffic(so, 20000, userName, file, 20000)
        for (const line of warm.slice(0, 50)) checkReply(o, side, await post(s.port, line))
        const w0 = Date.now()
        const warmRate = wrk(s.port, file, 1).rate
        loadMsPerDelivery = Math.max(0, Date.now() - w0 - 1000) / warm.length
        const lines = traffic(so, PER_RUN || Math.ceil(1.5 * warmRate * SECS) + 1000, userName, file, Math.max(warmRate, 1000))
        const cpu0 = await cpuOf(s.child)
        const db0 = dbCpu()
        const r = wrk(s.port, file, SECS)
        const db1 = dbCpu()
        const cpu1 = await cpuOf(s.child)
        if (r.requests > lines.length) console.warn(`${side}: ${r.requests} requests for ${lines.length} deliveries: some repeated (raise WXTP_BENCH_REQUESTS)`)
        if (r.errors) throw new Error(`${side}: ${r.errors} failed requests\n${r.out}`)
        const us = (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / r.requests
        // A database restarted meanwhile (another pid) gives no figure.
        const dbUs = db0 == null || db1 < db0 ? null : ((db1 - db0) * 1e6) / r.requests
        best[side] = Math.max(best[side] || 0, r.rate)
        cost[side] = Math.min(cost[side] || Infinity, us)
        dbCost[side] = Math.min(dbCost[side] ?? Infinity, dbUs ?? Infinity)
        console.log(`round ${round + 1} ${side.padEnd(6)} ${r.rate.toFixed(0)} messages/s, p99 ${r.p99}, server CPU ${us.toFixed(1)} µs/message` +
          (dbUs == null ? '' : `, database server CPU ${dbUs.toFixed(1)} µs/message`))
      }
    }
  } finally {
    for (const s of Object.values(servers)) {
      s.child.send({ stop: true })
      await new Promise((r) => s.child.once('exit', r))
    }
    fs.rmSync(file, { force: true })
    db.drop()
  }
  console.log('\n| server (%s, %d cores) | messages/s (best of %d × %ss, %d connections) | server CPU µs/message (best) | MariaDB CPU µs/message |', process.env.WXTP_BENCH_FRAMEWORK || 'http', os.cpus().length, ROUNDS, SECS, CONCURRENCY)
  console.log('|---|---:|---:|---:|')
  for (const side of SIDES) console.log(`| ${LABEL[side]} | ${best[side].toFixed(0)} | ${cost[side].toFixed(1)} | ${Number.isFinite(dbCost[side]) ? dbCost[side].toFixed(1) : '–'} |`)
  if (best.theirs) {
    require('./_measure').emit(['ours', 'native'].filter((side) => best[side]).map((side) => ({
      area: 'message handling over HTTP', case: `${LABEL[side]}, trivial handler, ${CONCURRENCY} connections (server CPU ${cost[side].toFixed(0)} vs ${cost.theirs.toFixed(0)} µs/message)`,
      ours: best[side], theirs: best.theirs, unit: 'messages/s', against: 'node-webot wechat 2.1', goal: '≥ 5×',
    })))
    for (const side of ['ours', 'native']) {
      if (best[side]) console.log(`${side}: ${(best[side] / best.theirs).toFixed(2)}× node-webot's messages/s, ${(cost.theirs / cost[side]).toFixed(2)}× less server CPU per message`)
    }
  }
}

main().catch((e) => { console.error(e); process.exit(1) })

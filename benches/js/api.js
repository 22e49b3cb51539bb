#!/usr/bin/env node
// API calls/s with 64 in flight against the sandbox (in its own process),
// through wxthirdparty's API and through wechat-api 1.35, alternating rounds
// in one run so machine load hits both alike. Reports wall-clock calls/s and
// calls per CPU-second of this node process.
'use strict'
const { spawn } = require('child_process')
const crypto = require('crypto')
const http = require('http')
const path = require('path')
const WechatAPI = require('wechat-api')
const { API, connectSandbox } = require('../..')
const { emit } = require('./_measure')

const IN_FLIGHT = 64
const ROUND_MS = 2000
const ROUNDS = 3

function startSandboxProcess() {
  const script = `require(${JSON.stringify(path.join(__dirname, '..', '..'))}).startSandbox().then((s) => { globalThis.sandbox = s; console.log(s.url); setInterval(() => {}, 1 << 30) })`
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve({ url: d.toString().trim(), child }))
    child.once('error', reject)
  })
}

async function measure(call) {
  const end = Date.now() + ROUND_MS
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  let done = 0
  const worker = async () => {
    while (Date.now() < end) {
      await call()
      done++
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
  const secs = Number(process.hrtime.bigint() - t0) / 1e9
  const cpu = process.cpuUsage(cpu0)
  return { perSec: done / secs, perCpuSec: done / ((cpu.user + cpu.system) / 1e6) }
}

async function main() {
  const { url, child } = await startSandboxProcess()
  try {
    const sandbox = connectSandbox(url)
    const appid = `wxbench${crypto.randomBytes(5).toString('hex')}`
    const secret = crypto.randomBytes(16).toString('hex')
    await sandbox.registerApp(appid, secret)
    const ours = new API(appid, secret, { apiBase: url })
    const theirs = new WechatAPI(appid, secret)
    theirs.endpoint = url
    // A keep-alive agent: without one, urllib opens a connection per call and
    // 64 in flight exhaust the listener; this is wechat-api at its best.
    theirs.setOpts({ agent: new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT }), timeout: 15000 })
    const callTheirs = () => new Promise((resolve, reject) => theirs.getTags((err, data) => (err ? reject(err) : resolve(data))))
    await ours.getTags()
    await callTheirs()
    const results = { ours: [], theirs: [] }
    for (let r = 0; r < ROUNDS; r++) {
      results.ours.push(await measure(() => ours.getTags()))
      results.theirs.push(await measure(callTheirs))
    }
    const best = (list, k) => Math.max(...list.map((x) => x[k]))
    const rows = [['calls/s (wall clock)', 'perSec'], ['calls per CPU-second of node', 'perCpuSec']]
    console.log(`getTags, ${IN_FLIGHT} in flight, best of ${ROUNDS} rounds of ${ROUND_MS} ms, sandbox in its own process`)
    console.log('| measure | wxthirdparty API | wechat-api 1.35 | ratio |')
    console.log('|---|---:|---:|---:|')
    for (const [label, k] of rows) {
      const a = best(results.ours, k)
      const b = best(results.theirs, k)
      console.log(`| ${label} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(a / b).toFixed(1)}× |`)
      emit([{ area: 'API call overhead', case: `getTags, ${IN_FLIGHT} in flight: ${label}`, ours: a, theirs: b, unit: k === 'perSec' ? 'calls/s' : 'calls/CPU-s', against: 'wechat-api 1.35', goal: k === 'perSec' ? '≥ 3×' : undefined }])
    }
    await ours.close()
  } finally {
    child.kill()
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})

#!/usr/bin/env node
// get_user_info(wx_token) in a worker, on MariaDB, PostgreSQL and SQLite:
// sequential and 32 in flight, p50/p99, and RSS with 10,000 authorizers
// cached. Beside it, the original library's query path on MariaDB: the npm
// `mysql` driver running the `SELECT … FROM wx_users_info WHERE wx_token = ?`
// that the original's orm issues (about three of them per get_user_info).
'use strict'
const { execFileSync } = require('child_process')
const crypto = require('crypto')
const fs = require('fs')
const os = require('os')
const path = require('path')
const { ThirdpartyServer, startSandbox } = require('../..')
const { freshDatabase } = require('../../__test__/helpers/fleet')
const { credentials } = require('../../__test__/helpers/platform')
const { emit } = require('./_measure')

const N = 10_000
const SECONDS = Number(process.env.BENCH_SECONDS || 2)

function localDatetime(ms) {
  const d = new Date(ms)
  const p = (n) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
}

function rowsSql(component) {
  const exp = localDatetime(Date.now() + 7000 * 1000)
  const now = localDatetime(Date.now())
  const tokens = []
  const values = []
  for (let i = 0; i < N; i++) {
    const wx = crypto.randomBytes(32).toString('hex')
    tokens.push(wx)
    values.push(`('wxbench${String(i).padStart(6, '0')}', '${component}', 'tok${i}', '${now}', '${exp}', 'rt${i}', 'Bench ${i}', '${wx}', 1)`)
  }
  const sql = []
  for (let i = 0; i < values.length; i += 1000) {
    sql.push(`INSERT INTO wx_users_info (appid, component_appid, access_token, access_token_updated_at, access_token_expires_in, refresh_token, nick_name, wx_token, authorized) VALUES ${values.slice(i, i + 1000).join(',')};`)
  }
  return { tokens, sql: sql.join('\n') }
}

function runSql(kind, url, sql) {
  if (kind === 'mysql') {
    const u = new URL(url)
    execFileSync('mariadb', ['-h', u.hostname, '-P', u.port || '3306', '-u', u.username || 'root', u.pathname.slice(1)], { input: sql })
  } else if (kind === 'postgres') {
    execFileSync('psql', [url, '-q'], { input: sql })
  } else {
    execFileSync('sqlite3', [url.replace('sqlite://', '')], { input: sql })
  }
}

async function timed(fn) {
  const lat = []
  const end = Date.now() + SECONDS * 1000
  const t0 = process.hrtime.bigint()
  while (Date.now() < end) {
    for (let i = 0; i < 200; i++) {
      const s = process.hrtime.bigint()
      await fn()
      lat.push(Number(process.hrtime.bigint() - s) / 1000)
    }
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9
  lat.sort((a, b) => a - b)
  return { perSec: lat.length / secs, p50: lat[Math.floor(lat.length / 2)], p99: lat[Math.floor(lat.length * 0.99)] }
}

async function inFlight(fn, width = 32) {
  let n = 0
  const end = Date.now() + SECONDS * 1000
  const t0 = process.hrtime.bigint()
  await Promise.all(Array.from({ length: width }, async () => { while (Date.now() < end) { await fn(); n++ } }))
  return n / (Number(process.hrtime.bigint() - t0) / 1e9)
}

const fmt = (r) => `${Math.round(r.perSec).toLocaleString('en')}/s, p50 ${r.p50.toFixed(1)} µs, p99 ${r.p99.toFixed(1)} µs`

async function benchDb(kind, sandbox) {
  const creds = credentials()
  let db
  if (kind === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxtp-bench-'))
    db = { url: `sqlite://${path.join(dir, 'b.db')}`, drop: () => fs.rmSync(dir, { recursive: true, force: true }) }
  } else {
    db = freshDatabase(kind)
  }
  const worker = new ThirdpartyServer(creds.appid, creds.secret, creds.token, creds.key, db.url, true, { apiBase: sandbox.url })
  try {
    await worker.getAuthorizer('wxnone').catch(() => {}) // opens and migrates
    const { tokens, sql } = rowsSql(creds.appid)
    runSql(kind, db.url, sql)
    await new Promise((r) => setTimeout(r, 500)) // the change feed is current
    const one = tokens[0]
    const user = await worker.get_user_info(one)
    if (user.wx_token !== one) throw new Error('wrong authorizer')
    // RSS first, before the timed runs leave garbage behind: every authorizer
    // looked up once (cached natively and its JS object held), then again.
    global.gc?.()
    const rss0 = process.memoryUsage().rss
    for (let round = 0; round < 2; round++) for (const t of tokens) await worker.get_user_info(t)
    global.gc?.()
    const rss1 = process.memoryUsage().rss
    const seq = await timed(() => worker.get_user_info(one))
    const par = await inFlight(() => worker.get_user_info(one))
    console.log(`${kind}: get_user_info sequential ${fmt(seq)}; 32 in flight ${Math.round(par).toLocaleString('en')}/s; ` +
      `RSS +${((rss1 - rss0) / 1048576).toFixed(1)} MiB for ${N} authorizers cached (total ${(rss1 / 1048576).toFixed(0)} MiB)`)
    const rssMiB = (rss1 - rss0) / 1048576
    emit([
      { area: 'get_user_info', case: `${kind}: sequential from memory (p99 ${seq.p99.toFixed(1)} µs)`, ours: seq.perSec, unit: 'lookups/s', goal: '≥ 130k/s, p99 < 50 µs' },
      { area: 'get_user_info', case: `${kind}: 32 in flight`, ours: par, unit: 'lookups/s' },
      { area: 'RSS', case: `${kind}: ${N} authorizers cached (native cache + kept JS objects)`, ours: rssMiB, unit: 'MiB', goal: '< 50 MiB', lowerIsBetter: true },
    ])
    return { kind, seq, par, db, tokens }
  } finally {
    await worker.close()
    if (kind !== 'mysql') db.drop()
  }
}

async function original(db, wxToken) {
  const mysql = require('mysql')
  const u = new URL(db.url)
  const conn = mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: u.username || 'root', database: u.pathname.slice(1) })
  const q = () => new Promise((resolve, reject) => conn.query('SELECT * FROM wx_users_info WHERE wx_token = ?', [wxToken], (e, r) => (e ? reject(e) : resolve(r))))
  await q()
  const seq = await timed(q)
  conn.end()
  return seq
}

// Each database in its own process (with --expose-gc), so one's freed memory
// does not hide the next one's RSS growth.
async function child(kind) {
  const sandbox = await startSandbox({})
  const r = await benchDb(kind, sandbox)
  if (kind === 'mysql') {
    const orig = await original(r.db, r.tokens[0])
    console.log(`original path (npm mysql, one SELECT by wx_token): ${fmt(orig)}`)
    console.log(`ratio mysql get_user_info / one original SELECT: ${(r.seq.perSec / orig.perSec).toFixed(1)}× sequential`)
    emit([{ area: 'get_user_info', case: 'mysql: sequential, against one of the original\'s SELECTs by wx_token (npm mysql)', ours: r.seq.perSec, theirs: orig.perSec, unit: 'lookups/s', against: 'npm mysql, one SELECT (the original makes ~3)' }])
    r.db.drop()
  }
  await sandbox.close()
}

function main() {
  if (process.env.WXTP_BENCH_KIND) return child(process.env.WXTP_BENCH_KIND)
  for (const kind of ['mysql', 'postgres', 'sqlite']) {
    execFileSync(process.execPath, ['--expose-gc', __filename], { stdio: 'inherit', env: { ...process.env, WXTP_BENCH_KIND: kind } })
  }
}

Promise.resolve().then(main).catch((e) => { console.error(e); process.exit(1) })

'use strict'
// The token service over real HTTP: wetoken's routes and JSON, auth, bad
// requests, single-flight of cold gets, compare-and-expire on the refresh
// route, WeChat failures, and several instances on one MariaDB / PostgreSQL
// database (one refresher; a SIGKILLed instance is taken over).
const { test, describe, before, after } = require('node:test')
const assert = require('node:assert/strict')
const path = require('path')
const crypto = require('crypto')
const { spawn } = require('child_process')
const { once } = require('events')
const { startSandbox, startTokenService } = require('..')
const { tempSqlite } = require('./helpers/platform')
const { freshDatabase, MYSQL, POSTGRES } = require('./helpers/databases')

const BIN = path.join(__dirname, '..', 'bin', 'wxthirdparty.js')
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const account = () => ({ appid: `wxsvc${crypto.randomBytes(6).toString('hex')}`, secret: crypto.randomBytes(16).toString('hex') })

const ADMIN = `admin-${crypto.randomBytes(12).toString('hex')}`

/** The admin route: POST, appid and secret in a JSON body, the admin bearer. */
function create(url, app, token = ADMIN, kind = 'app') {
  return call(`${url}/wechat/${kind}/create`, {
    method: 'POST', body: JSON.stringify(app), headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
  })
}

async function call(url, opts = {}) {
  const res = await fetch(url, opts)
  const text = await res.text()
  let json
  try { json = JSON.parse(text) } catch { json = undefined }
  return { status: res.status, json, text }
}

/** Whether WeChat (the sandbox) accepts `token` for appid's own API. */
async function accepted(sandbox, token) {
  const r = await call(`${sandbox.url}/cgi-bin/user/get?access_token=${encodeURIComponent(token)}`)
  return r.json.errcode === undefined || r.json.errcode === 0
}

describe('token service (SQLite)', () => {
  let sandbox, db, svc, app
  const issued = async () => (await sandbox.issued())['/cgi-bin/token'] || 0
  before(async () => {
    sandbox = await startSandbox()
    db = tempSqlite()
    app = account()
    await sandbox.registerApp(app)
    svc = await startTokenService({ db: db.url, apiBase: sandbox.url, adminToken: ADMIN })
  })
  after(async () => {
    await svc.close()
    await sandbox.close()
    db.cleanup()
  })

  test('create registers an app and never echoes the secret', async () => {
    const r = await create(svc.url, app)
    assert.equal(r.status, 200)
    assert.deepEqual(r.json, { errcode: 0, errmsg: 'success' })
    assert.ok(!r.text.includes(app.secret))
  })

  test('200 concurrent gets of a cold token make one upstream call', async () => {
    const before = await issued()
    const all = await Promise.all(Array.from({ length: 200 }, () => call(`${svc.url}/${app.appid}/wechat/token/get`)))
    assert.equal(await issued(), before + 1)
    const tokens = new Set(all.map((r) => r.json.access_token))
    assert.equal(tokens.size, 1)
    const [r] = all
    assert.equal(r.status, 200)
    assert.equal(r.json.errcode, 0)
    assert.equal(r.json.errmsg, 'success')
    assert.ok(r.json.expires_in > 7000 && r.json.expires_in <= 7200, String(r.json.expires_in))
    assert.match(r.json.expires_date, /^\d{14}$/)
    assert.ok(await accepted(sandbox, r.json.access_token), 'WeChat accepts the token served')
  })

  test('jsapi ticket has the same shape', async () => {
    const r = await call(`${svc.url}/${app.appid}/wechat/ticket/get`)
    assert.equal(r.status, 200)
    assert.equal(r.json.errcode, 0)
    assert.equal(typeof r.json.ticket, 'string')
    assert.ok(r.json.ticket.length > 10)
    assert.match(r.json.expires_date, /^\d{14}$/)
    const again = await call(`${svc.url}/${app.appid}/wechat/ticket/get`)
    assert.equal(again.json.ticket, r.json.ticket)
    assert.equal((await sandbox.issued())['/cgi-bin/ticket/getticket'], 1)
  })

  test('refresh is compare-and-expire', async () => {
    const current = (await call(`${svc.url}/${app.appid}/wechat/token/get`)).json.access_token
    const n = await issued()
    // A token that is no longer current: nothing happens.
    const stale = await call(`${svc.url}/${app.appid}/wechat/token/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ access_token: 'not-the-current-one' }) })
    assert.equal(stale.json.access_token, current)
    assert.equal(await issued(), n)
    // The current one, reported by many clients at once: one refresh.
    const reports = await Promise.all(Array.from({ length: 20 }, () => call(`${svc.url}/${app.appid}/wechat/token/refresh?access_token=${encodeURIComponent(current)}`, { method: 'POST' })))
    const fresh = new Set(reports.map((r) => r.json.access_token))
    assert.equal(fresh.size, 1)
    assert.ok(!fresh.has(current))
    assert.equal(await issued(), n + 1)
    assert.ok(await accepted(sandbox, [...fresh][0]))
  })

  test('new API(appid, null, { tokenService }) takes its tokens from the service; a rejected one is refreshed there once', async () => {
    const { API } = require('..')
    assert.throws(() => new API(app.appid, null), { name: 'TypeError', message: /appsecret/ })
    assert.throws(() => new API(app.appid, null, { tokenService: 42 }), { name: 'TypeError', message: /tokenService/ })
    const api = new API(app.appid, null, { tokenService: svc.url, apiBase: sandbox.url })
    await sandbox.setFollowers(app.appid, 3)
    const n = await issued()
    assert.equal((await api.getFollowers()).total, 3)
    assert.equal(await issued(), n, 'the client itself never asks WeChat for a token')
    const served = (await call(`${svc.url}/${app.appid}/wechat/token/get`)).json.access_token
    assert.equal((await api.getLatestToken()).accessToken, served)

    // WeChat drops every token: the client reports its token to the service,
    // which refreshes once; the call then succeeds.
    await sandbox.invalidateTokens()
    assert.equal((await api.getFollowers()).total, 3)
    assert.equal(await issued(), n + 1)
    const fresh = (await call(`${svc.url}/${app.appid}/wechat/token/get`)).json.access_token
    assert.notEqual(fresh, served)
    assert.ok(await accepted(sandbox, fresh))

    // The JS-SDK config is signed with the service's jsapi ticket.
    const ticket = (await call(`${svc.url}/${app.appid}/wechat/ticket/get`)).json.ticket
    const cfg = await api.getJsConfig({ url: 'https://example.com/page#frag' })
    const raw = `jsapi_ticket=${ticket}&noncestr=${cfg.nonceStr}&timestamp=${cfg.timestamp}&url=https://example.com/page`
    assert.equal(cfg.signature, crypto.createHash('sha1').update(raw).digest('hex'))
    await api.close()
  })

  test('unknown appid: 404 and a non-zero errcode', async () => {
    const r = await call(`${svc.url}/wxnotregistered000/wechat/token/get`)
    assert.equal(r.status, 404)
    assert.notEqual(r.json.errcode, 0)
    assert.match(r.json.errmsg, /not registered/)
  })

  test('bad requests get clear answers and change nothing', async () => {
    let r = await create(svc.url, { appid: app.appid })
    assert.equal(r.status, 400)
    assert.match(r.json.errmsg, /secret/)
    r = await create(svc.url, { appid: 'bad id', secret: 'x' })
    assert.equal(r.status, 400)
    assert.match(r.json.errmsg, /appid/)
    r = await call(`${svc.url}/${app.appid}/wechat/token/refresh`, { method: 'POST' })
    assert.equal(r.status, 400)
    assert.match(r.json.errmsg, /access_token/)
    r = await call(`${svc.url}/${app.appid}/wechat/token/refresh`, { method: 'POST', body: 'x'.repeat(64 * 1024) })
    assert.equal(r.status, 413)
    r = await call(`${svc.url}/nope`)
    assert.equal(r.status, 404)
    // The app still works with its original secret.
    r = await call(`${svc.url}/${app.appid}/wechat/token/get`)
    assert.equal(r.json.errcode, 0)
  })

  test('WeChat errors reach the client as errcodes; the service keeps serving', async () => {
    const other = account()
    await sandbox.registerApp(other)
    await create(svc.url, { appid: other.appid, secret: 'wrong-secret' })
    const bad = await call(`${svc.url}/${other.appid}/wechat/token/get`)
    assert.notEqual(bad.json.errcode, 0)
    assert.ok(!bad.text.includes('wrong-secret'))
    await create(svc.url, other)
    await sandbox.injectFault('/cgi-bin/token', 'http500', 1)
    const ok = await call(`${svc.url}/${other.appid}/wechat/token/get`)
    assert.equal(ok.json.errcode, 0, ok.text)
    assert.ok(await accepted(sandbox, ok.json.access_token))
  })

  test('healthz and metrics', async () => {
    const h = await call(`${svc.url}/healthz`)
    assert.equal(h.status, 200)
    assert.equal(h.json.store, 'ok')
    const m = await call(`${svc.url}/metrics`)
    assert.match(m.text, /wxtp_tokens_served_total\{kind="access_token"\} \d+/)
    assert.match(m.text, /wxtp_upstream_calls_total\{endpoint="\/cgi-bin\/token",result="ok"\} \d+/)
    assert.match(m.text, /wxtp_refresh_seconds_count \d+/)
    assert.ok(!m.text.includes(app.secret))
  })
})

describe('token service auth', () => {
  const CLIENT = `client-${crypto.randomBytes(12).toString('hex')}`
  let sandbox, db, svc, app
  before(async () => {
    sandbox = await startSandbox()
    db = tempSqlite()
    app = account()
    await sandbox.registerApp(app)
    svc = await startTokenService({ db: db.url, apiBase: sandbox.url, authToken: CLIENT, adminToken: ADMIN })
  })
  after(async () => {
    await svc.close()
    await sandbox.close()
    db.cleanup()
  })

  test('the admin routes need the admin token; the client token reads tokens only', async () => {
    assert.equal((await create(svc.url, app, CLIENT)).status, 401, 'the client token cannot re-key apps')
    assert.equal((await create(svc.url, app, ADMIN.slice(0, -1))).status, 401)
    assert.equal((await call(`${svc.url}/wechat/app/create`, { method: 'POST', body: JSON.stringify(app) })).status, 401)
    assert.equal((await create(svc.url, app)).json.errcode, 0)
    const denied = await call(`${svc.url}/${app.appid}/wechat/token/get`)
    assert.equal(denied.status, 401)
    assert.equal(denied.json.access_token, undefined)
    assert.equal((await call(`${svc.url}/${app.appid}/wechat/token/get`, { headers: { authorization: `Bearer ${ADMIN}` } })).status, 401)
    // The scheme in any case (RFC 7235).
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      assert.equal((await call(`${svc.url}/${app.appid}/wechat/token/get`, { headers: { authorization: `${scheme} ${CLIENT}` } })).json.errcode, 0, scheme)
    }
    assert.equal((await call(`${svc.url}/${app.appid}/wechat/token/get`, { headers: { authorization: CLIENT } })).status, 401)
    assert.equal((await call(`${svc.url}/metrics`)).status, 401)
    assert.equal((await call(`${svc.url}/healthz`)).status, 200)
  })

  test('re-keying is POST with a body: the GET form and a secret in the query are refused, nothing changes', async () => {
    const auth = { headers: { authorization: `Bearer ${ADMIN}` } }
    let r = await call(`${svc.url}/wechat/app/create?appid=${app.appid}&secret=ATTACKER`, auth)
    assert.equal(r.status, 405)
    assert.match(r.json.errmsg, /POST.*legacyCreateGet/)
    r = await call(`${svc.url}/wechat/app/create?appid=${app.appid}&secret=ATTACKER`, { method: 'POST', ...auth })
    assert.equal(r.status, 400)
    assert.match(r.json.errmsg, /body, not the query/)
    r = await call(`${svc.url}/${app.appid}/wechat/token/refresh`, { method: 'POST', body: JSON.stringify({ access_token: 'x' }), headers: { authorization: `Bearer ${CLIENT}` } })
    assert.equal(r.json.errcode, 0, 'the stored secret still works')
    // A form body works as well as JSON.
    r = await call(`${svc.url}/wechat/app/create`, { method: 'POST', body: new URLSearchParams(app).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', ...auth.headers } })
    assert.equal(r.json.errcode, 0, r.text)
  })

  test('bad options throw TypeError naming the option; a public address needs authToken; weak tokens are refused', async () => {
    await assert.rejects(startTokenService({}), { name: 'TypeError', message: /options\.db/ })
    await assert.rejects(startTokenService({ db: db.url, port: 70000 }), { name: 'TypeError', message: /options\.port/ })
    await assert.rejects(startTokenService({ db: db.url, colour: 1 }), { name: 'TypeError', message: /options\.colour/ })
    await assert.rejects(startTokenService({ db: db.url, host: '0.0.0.0' }), { name: 'TypeError', message: /authToken/ })
    await assert.rejects(startTokenService({ db: 'redis://x' }), { name: 'TypeError', message: /db/ })
    await assert.rejects(startTokenService({ db: db.url, authToken: '   \t ' }), { name: 'TypeError', message: /authToken.*whitespace/ })
    await assert.rejects(startTokenService({ db: db.url, authToken: 'short-token' }), { name: 'TypeError', message: /authToken.*too short.*16/ })
    await assert.rejects(startTokenService({ db: db.url, adminToken: 'short' }), { name: 'TypeError', message: /adminToken.*too short/ })
    await assert.rejects(startTokenService({ db: db.url, authToken: CLIENT, adminToken: CLIENT }), { name: 'TypeError', message: /adminToken.*differ/ })
    await assert.rejects(startTokenService({ db: db.url, legacyCreateGet: 'yes' }), { name: 'TypeError', message: /legacyCreateGet/ })
    await assert.rejects(startTokenService({ db: db.url, trustedProxies: '10.0.0.1' }), { name: 'TypeError', message: /trustedProxies/ })
    await assert.rejects(startTokenService({ db: db.url, trustedProxies: ['proxy.internal'] }), { name: 'TypeError', message: /trustedProxies.*not an IP address/ })
    await assert.rejects(startTokenService({ db: db.url, connectionLimits: { idleTimeoutMs: -1 } }), { name: 'TypeError', message: /connectionLimits\.idleTimeoutMs/ })
    await new Promise((resolve) => startTokenService({}, (err) => { assert.ok(err instanceof TypeError); resolve() }))
  })
})

describe('token service admin routes by default and with legacyCreateGet', () => {
  let sandbox, db
  before(async () => {
    sandbox = await startSandbox()
    db = tempSqlite()
  })
  after(async () => {
    await sandbox.close()
    db.cleanup()
  })

  test('without adminToken the create routes are off (403) and the stored secret is untouched', async () => {
    const app = account()
    await sandbox.registerApp(app)
    await require('../lib/native').binding.addServiceApp(db.url, app.appid, app.secret)
    const svc = await startTokenService({ db: db.url, apiBase: sandbox.url })
    try {
      let r = await call(`${svc.url}/wechat/app/create?appid=${app.appid}&secret=ATTACKER`)
      assert.equal(r.status, 403)
      assert.match(r.json.errmsg, /adminToken/)
      r = await call(`${svc.url}/wechat/app/create`, { method: 'POST', body: JSON.stringify({ appid: app.appid, secret: 'ATTACKER' }) })
      assert.equal(r.status, 403)
      assert.equal((await call(`${svc.url}/${app.appid}/wechat/token/get`)).json.errcode, 0)
    } finally {
      await svc.close()
    }
  })

  test('a loopback bind refuses another Host (DNS rebinding)', async () => {
    const svc = await startTokenService({ db: db.url, apiBase: sandbox.url })
    try {
      const get = (host) => new Promise((resolve, reject) => {
        require('http').get(`${svc.url}/healthz`, { headers: { host } }, (res) => { res.resume(); resolve(res.statusCode) }).on('error', reject)
      })
      assert.equal(await get('evil.example'), 403)
      assert.equal(await get('evil.example:8099'), 403)
      assert.equal(await get(`127.0.0.1:${svc.port}`), 200)
      assert.equal(await get(`localhost:${svc.port}`), 200)
      assert.equal(await get('[::1]'), 200)
    } finally {
      await svc.close()
    }
  })

  test('legacyCreateGet takes wetoken\'s GET form (still behind the admin token)', async () => {
    const app = account()
    await sandbox.registerApp(app)
    const svc = await startTokenService({ db: db.url, apiBase: sandbox.url, adminToken: ADMIN, legacyCreateGet: true })
    try {
      const url = `${svc.url}/wechat/app/create?appid=${app.appid}&secret=${app.secret}`
      assert.equal((await call(url)).status, 401)
      assert.equal((await call(url, { headers: { authorization: `Bearer ${ADMIN}` } })).json.errcode, 0)
      assert.equal((await call(`${svc.url}/${app.appid}/wechat/token/get`)).json.errcode, 0)
    } finally {
      await svc.close()
    }
  })
})

/** `wxthirdparty serve` in a child process; resolves with its URL. */
async function serveChild(dbUrl, apiBase) {
  const child = spawn(process.execPath, [BIN, 'serve', '--db', dbUrl, '--port', '0', '--api-base', apiBase, '--admin-token', ADMIN], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stderr.on('data', (d) => { out += d })
  for await (const chunk of child.stdout) {
    out += chunk
    const m = /listening on (http:\S+)\n/.exec(out)
    if (m) return { child, url: m[1], log: () => out }
  }
  throw new Error(`serve exited: ${out}`)
}

for (const kind of ['mysql', 'postgres']) {
  describe(`two instances on one ${kind} database`, () => {
    let sandbox, database
    before(async () => {
      // Tokens live 4 s; refreshed 5 % before expiry.
      sandbox = await startSandbox({ lifetimes: { accessToken: 4 } })
      database = freshDatabase(kind, kind === 'mysql' ? MYSQL : POSTGRES)
    })
    after(async () => {
      await sandbox.close()
      database.drop()
    })

    test('one refresher; a SIGKILLed instance is taken over', async () => {
      const app = account()
      await sandbox.registerApp(app)
      const a = await serveChild(database.url, sandbox.url)
      const b = await startTokenService({ db: database.url, apiBase: sandbox.url })
      try {
        assert.equal((await create(a.url, app)).json.errcode, 0)
        const t0 = Date.now()
        const seen = []
        // Both serve for ~9 s (two lifetimes and more): every token valid at WeChat.
        while (Date.now() - t0 < 9000) {
          const [ra, rb] = await Promise.all([call(`${a.url}/${app.appid}/wechat/token/get`), call(`${b.url}/${app.appid}/wechat/token/get`)])
          for (const r of [ra, rb]) {
            assert.equal(r.json.errcode, 0, r.text)
            seen.push(r.json.access_token)
          }
          await sleep(100)
        }
        const elapsed = (Date.now() - t0) / 1000
        const n = (await sandbox.issued())['/cgi-bin/token']
        // One fetch per lifetime (refreshed at 95 %), plus the first: never one per instance.
        assert.ok(n <= Math.ceil(elapsed / (4 * 0.95)) + 1, `issued ${n} tokens in ${elapsed}s`)
        assert.ok(n >= 2, 'tokens were refreshed while serving')
        assert.deepEqual(await sandbox.invalidTokenCalls(), [])

        a.child.kill('SIGKILL')
        await once(a.child, 'exit')
        const before = n
        await sleep(6000) // past the token A may have been about to refresh
        const r = await call(`${b.url}/${app.appid}/wechat/token/get`)
        assert.equal(r.json.errcode, 0, r.text)
        assert.ok(await accepted(sandbox, r.json.access_token), 'B keeps serving valid tokens after A died')
        assert.ok((await sandbox.issued())['/cgi-bin/token'] > before)
      } finally {
        if (a.child.exitCode === null) a.child.kill('SIGKILL')
        await b.close()
      }
    })
  })
}

describe('serve: graceful shutdown', () => {
  test('SIGTERM stops it with exit code 0', async () => {
    const sandbox = await startSandbox()
    const db = tempSqlite()
    try {
      const s = await serveChild(db.url, sandbox.url)
      assert.equal((await call(`${s.url}/healthz`)).status, 200)
      s.child.kill('SIGTERM')
      const [code] = await once(s.child, 'exit')
      assert.equal(code, 0, s.log())
      assert.match(s.log(), /"event":"stop"/)
    } finally {
      await sandbox.close()
      db.cleanup()
    }
  })
})

'use strict'
// Recovery across processes: WeChat rejects every token (appsecret reset,
// another environment fetched one) while a master and two workers hold them
// in memory; whoever meets the rejection first recovers for the fleet, with
// one api_component_token and one api_authorizer_token, and every user call
// succeeds — also with the master SIGKILLed. And a revocation reaches every
// worker within 1 s.
const { test, describe } = require('node:test')
const assert = require('node:assert/strict')
const { once } = require('events')
const { ThirdpartyServer, startSandbox } = require('..')
const { credentials, listen } = require('./helpers/platform')
const { freshDatabase, spawnChild } = require('./helpers/fleet')

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const path = (p) => `/cgi-bin/component/${p}`

/** 1 master + 2 workers serving getUser for one authorizer. */
async function startFleet(kind, workerOpts = {}) {
  const db = freshDatabase(kind)
  const sandbox = await startSandbox({})
  const creds = credentials()
  const receiverPlatform = new ThirdpartyServer(creds.appid, creds.secret, creds.token, creds.key, db.url, true, {
    apiBase: sandbox.url, pollIntervalMs: 100,
  })
  const receiver = await listen(receiverPlatform.middleware())
  await sandbox.registerComponent({ appid: creds.appid, secret: creds.secret, token: creds.token, encodingAESKey: creds.key, pushUrl: `${receiver.url}/auth` })
  const base = { appid: creds.appid, secret: creds.secret, token: creds.token, key: creds.key, db: db.url, sandbox: sandbox.url, leaseTtlMs: 5000, intervalMs: 50, record: true }
  const master = spawnChild({ ...base, role: 'master' })
  await master.readyP
  if (!receiverPlatform.ready) await once(receiverPlatform, 'ready')
  const { authCode } = await sandbox.authorize(creds.appid, { followers: 2 })
  const user = await receiverPlatform.handleAuthCode(authCode)
  const openid = (await receiverPlatform.createClient(user).getFollowers()).data.openid[0]
  const workers = [1, 2].map(() => spawnChild({ ...base, ...workerOpts, role: 'worker', openid, preAuth: true }))
  await Promise.all(workers.map((w) => w.readyP))
  for (const w of workers) w.send({ wxToken: user.wx_token })
  const close = async () => {
    await receiverPlatform.close()
    await receiver.close()
    await sandbox.close()
    db.drop()
  }
  const stop = async (alive, { keepOpen = false } = {}) => {
    for (const c of alive) c.send({ stop: true })
    const stats = await Promise.all(alive.map((c) => c.statsP))
    if (!keepOpen) await close()
    return stats
  }
  return { sandbox, creds, user, master, workers, stop, close }
}

function describeCalls(stats, since) {
  const after = stats.flatMap((s) => s.calls.filter((c) => c[0] >= since - 100))
  const slowest = after.reduce((m, c) => Math.max(m, c[1]), 0)
  return `${after.length} calls after the rejection, slowest ${slowest} ms`
}

async function invalidateAll(f, t, { killMaster }) {
  await sleep(1000) // workers serve with cached tokens
  let alive = [f.master, ...f.workers]
  if (killMaster) {
    f.master.kill('SIGKILL')
    await once(f.master, 'exit')
    alive = f.workers
  }
  const [before, issuedBefore] = [await f.sandbox.counters(), await f.sandbox.issued()]
  const at = Date.now()
  await f.sandbox.invalidateTokens()
  await sleep(4000)
  const [after, issuedAfter] = [await f.sandbox.counters(), await f.sandbox.issued()]
  const invalid = await f.sandbox.invalidTokenCalls()
  const stats = await f.stop(alive, { keepOpen: true })
  try {
    await checkRecovery(f, t, { stats, at, before, after, issuedBefore, issuedAfter, invalid })
  } finally {
    await f.close()
  }
}

async function checkRecovery(f, t, { stats, at, before, after, issuedBefore, issuedAfter, invalid }) {
  // Issued credentials; calls also count one the rejected component token failed.
  const delta = (p) => (issuedAfter[path(p)] || 0) - (issuedBefore[path(p)] || 0)
  const calls = (p) => (after[path(p)] || 0) - (before[path(p)] || 0)
  const workers = stats.filter((s) => s.role === 'worker')
  const report = JSON.stringify({ before, after, issuedBefore, issuedAfter, workers: workers.map((w) => ({ ok: w.ok, failed: w.failed, errors: w.errors })) })
  t.diagnostic(`issued: api_component_token +${delta('api_component_token')}, api_authorizer_token +${delta('api_authorizer_token')} (${calls('api_authorizer_token')} calls); ${describeCalls(workers, at)}; calls presenting a rejected token: ${invalid.length}`)
  assert.equal(workers.reduce((n, w) => n + w.failed, 0), 0, `every user call succeeds\n${report}`)
  assert.ok(workers.every((w) => w.calls.some((c) => c[0] > at + 1000 && c[2] === 'ok')), `workers kept serving\n${report}`)
  assert.equal(delta('api_component_token'), 1, `one api_component_token fleet-wide\n${report}`)
  assert.equal(delta('api_authorizer_token'), 1, `one api_authorizer_token for the authorizer\n${report}`)
  assert.ok(calls('api_component_token') === 1 && calls('api_authorizer_token') <= 2, `no more upstream token calls than the rejection costs\n${report}`)
  // The pre_auth_code too: the last one each worker handed out is one WeChat
  // accepts (the rejection took the old ones with it), fetched once fleet-wide.
  for (const w of workers) {
    const code = w.preAuthCodes[w.preAuthCodes.length - 1]
    const { authCode } = await f.sandbox.authorize(f.creds.appid, { preAuthCode: code })
    assert.ok(authCode, `pre_auth_code accepted (${w.pid})`)
  }
  assert.equal(delta('api_create_preauthcode'), 1, `one api_create_preauthcode fleet-wide\n${report}`)
}

for (const kind of ['mysql', 'postgres']) {
  describe(`recovery on ${kind}`, { timeout: 120_000 }, () => {
    test('every token rejected at WeChat while a master and 2 workers cache them', async (t) => {
      await invalidateAll(await startFleet(kind), t, { killMaster: false })
    })
    test('the same with the master SIGKILLed (failover workers)', async (t) => {
      await invalidateAll(await startFleet(kind, { failover: true }), t, { killMaster: true })
    })
    test('the same with the master SIGKILLed (plain workers)', async (t) => {
      await invalidateAll(await startFleet(kind), t, { killMaster: true })
    })
    test('a revocation reaches every worker within 1 s', async (t) => {
      const f = await startFleet(kind)
      await sleep(800)
      const at = Date.now()
      await f.sandbox.pushEvent(f.creds.appid, 'unauthorized', f.user.appid)
      await sleep(2000)
      const stats = (await f.stop([f.master, ...f.workers])).filter((s) => s.role === 'worker')
      for (const s of stats) {
        const late = s.calls.filter((c) => c[0] >= at + 1000)
        assert.ok(late.length > 0, 'the worker kept calling')
        assert.deepEqual([...new Set(late.map((c) => c[2]))], ['RevokedError'], `calls 1 s after the revocation fail with RevokedError: ${JSON.stringify(s.errors)}`)
        assert.ok(s.calls.some((c) => c[0] < at && c[2] === 'ok'), 'calls before it succeeded')
      }
    })
  })
}

for (const kind of ['mysql', 'postgres']) {
  test(`one authorization, three processes (${kind}): the push here, the redirect on two others at once`, { timeout: 60_000 }, async () => {
    const db = freshDatabase(kind)
    const sandbox = await startSandbox({})
    const creds = credentials()
    const pushSide = new ThirdpartyServer(creds.appid, creds.secret, creds.token, creds.key, db.url, false, { apiBase: sandbox.url })
    const receiver = await listen(pushSide.middleware())
    await sandbox.registerComponent({ appid: creds.appid, secret: creds.secret, token: creds.token, encodingAESKey: creds.key, pushUrl: `${receiver.url}/auth` })
    pushSide.start()
    if (!pushSide.ready) await once(pushSide, 'ready')
    const events = []
    pushSide.on('authorized', (e) => events.push(e))
    const base = { appid: creds.appid, secret: creds.secret, token: creds.token, key: creds.key, db: db.url, sandbox: sandbox.url, intervalMs: 50 }
    const redirects = [1, 2].map(() => spawnChild({ ...base, role: 'worker' }))
    try {
      await Promise.all(redirects.map((c) => c.readyP))
      const exchanged = redirects.map((c) => new Promise((resolve) => c.on('message', (m) => m.exchanged && resolve(m.exchanged))))
      const { authCode, authorizerAppid } = await sandbox.authorize(creds.appid, { push: true })
      for (const c of redirects) c.send({ authCode })
      const answers = await Promise.all(exchanged)
      const viaPush = await pushSide.getAuthorizer(authorizerAppid)
      for (const a of answers) assert.deepEqual(a, { wx_token: viaPush.wx_token, appid: authorizerAppid })
      assert.equal((await sandbox.issued())['/cgi-bin/component/api_query_auth'], 1, 'the code was exchanged once fleet-wide')
      await sleep(500)
      for (const c of redirects) c.send({ stop: true })
      const stats = await Promise.all(redirects.map((c) => c.statsP))
      const all = [...events, ...stats.flatMap((s) => s.authorized)]
      assert.deepEqual(all, [{ appid: authorizerAppid }], 'one authorized event fleet-wide')
    } finally {
      for (const c of redirects) if (c.exitCode === null) c.kill()
      await pushSide.close()
      await receiver.close()
      await sandbox.close()
      db.drop()
    }
  })
}

for (const kind of ['mysql', 'postgres']) {
  test(`one authorization, two messengers (${kind}): the push and the redirect exchange the code once`, { timeout: 60_000 }, async () => {
    const db = freshDatabase(kind)
    const sandbox = await startSandbox({})
    const creds = credentials()
    const open = () => new ThirdpartyServer(creds.appid, creds.secret, creds.token, creds.key, db.url, false, { apiBase: sandbox.url })
    const pushSide = open() // serves the authorization-event URL
    const redirectSide = open() // serves the admin's redirect_uri
    const receiver = await listen(pushSide.middleware())
    await sandbox.registerComponent({ appid: creds.appid, secret: creds.secret, token: creds.token, encodingAESKey: creds.key, pushUrl: `${receiver.url}/auth` })
    pushSide.start()
    if (!pushSide.ready) await once(pushSide, 'ready')
    const events = []
    for (const p of [pushSide, redirectSide]) p.on('authorized', (e) => events.push(e))
    try {
      const { authCode, authorizerAppid } = await sandbox.authorize(creds.appid, { push: true })
      const [a, b] = await Promise.all([redirectSide.handleAuthCode(authCode), redirectSide.handleAuthCode(authCode)])
      const viaPush = await pushSide.getAuthorizer(authorizerAppid)
      assert.equal(a.wx_token, b.wx_token)
      assert.equal(a.wx_token, viaPush.wx_token)
      const issued = await sandbox.issued()
      assert.equal(issued['/cgi-bin/component/api_query_auth'], 1, 'the code was exchanged once')
      await sleep(300)
      assert.deepEqual(events, [{ appid: authorizerAppid }], 'one authorized event')
    } finally {
      await pushSide.close()
      await redirectSide.close()
      await receiver.close()
      await sandbox.close()
      db.drop()
    }
  })
}

'use strict'
// The message ledger against a real database (MariaDB on WXTP_TEST_MYSQL):
// a claim left by a process that died is taken over by the retry that finds
// it; a reply that cannot be recorded is reported (`reply_failed`); and an
// authorizer revoked through one platform instance is seen by another within
// the change feed's poll, not after a cache's lifetime.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('crypto')
const { once } = require('events')
const { ThirdpartyServer, messages } = require('..')
const { readyPlatform, sealedRequest, textXml, waitFor, freshMysql } = require('./helpers/messages')
const { listen } = require('./helpers/platform')

const seconds = () => Math.floor(Date.now() / 1000)

test('a claim left pending by a dead process is taken over by the retry that finds it', { timeout: 90000 }, async () => {
  const db = freshMysql()
  const runs = []
  const t = await readyPlatform((p) => p.messages((m) => {
    runs.push(m.MsgId)
    return `handled ${m.Content}`
  }), { db: db.url })
  try {
    // A retry (CreateTime 10 s ago) of a message whose claimant died: its
    // claim is past its lease. Taken over at once.
    db.sql(`INSERT INTO wxtp_messages (scope, msg_key, owner, state, expires_at) VALUES ('${t.authorizer}', 'id:424201', 'deadowner', 0, ${Date.now() - 1000})`)
    const d = await t.env.sandbox.sendMessage(t.authorizer, { MsgType: 'text', Content: 'orphan', MsgId: 424201, CreateTime: seconds() - 10 })
    assert.equal(d.attempts.length, 1)
    assert.equal(d.reply.Content, 'handled orphan')
    assert.deepEqual(runs.map(String), ['424201'])
    await waitFor(() => db.sql(`SELECT state FROM wxtp_messages WHERE msg_key = 'id:424201'`) === '1', 'the reply recorded')

    // A claim whose lease ends while the retry waits for its reply: taken
    // over when it ends, within the same delivery.
    db.sql(`INSERT INTO wxtp_messages (scope, msg_key, owner, state, expires_at) VALUES ('${t.authorizer}', 'id:424202', 'dyingowner', 0, ${Date.now() + 1500})`)
    const late = await t.env.sandbox.sendMessage(t.authorizer, { MsgType: 'text', Content: 'orphan 2', MsgId: 424202, CreateTime: seconds() - 10 })
    assert.equal(late.attempts.length, 1, JSON.stringify(late.attempts))
    assert.equal(late.reply.Content, 'handled orphan 2')
    assert.deepEqual(runs.map(String), ['424201', '424202'])

    // A live claim (another process still handling it) is not taken over.
    db.sql(`INSERT INTO wxtp_messages (scope, msg_key, owner, state, expires_at) VALUES ('${t.authorizer}', 'id:424203', 'liveowner', 0, ${Date.now() + 60000})`)
    setTimeout(() => db.sql(`UPDATE wxtp_messages SET state = 1, reply = '' WHERE msg_key = 'id:424203'`), 300)
    const live = await t.env.sandbox.sendMessage(t.authorizer, { MsgType: 'text', Content: 'not mine', MsgId: 424203, CreateTime: seconds() - 10 })
    assert.equal(live.response, 'success')
    assert.equal(runs.length, 2, 'the handler did not run for a live claim')
  } finally {
    await t.close()
    db.drop()
  }
})

test('a reply that cannot be recorded for retries emits reply_failed (platform and own server)', { timeout: 90000 }, async () => {
  const db = freshMysql()
  const t = await readyPlatform((p) => p.messages((m) => `echo ${m.Content}`), { db: db.url })
  const own = freshMysql()
  const token = 'owntoken'
  const handler = messages({ token, appid: 'wxownaccount0001', db: own.url }, (m) => `own ${m.Content}`)
  const server = await listen(handler)
  try {
    const failed = []
    t.platform.on('reply_failed', (e) => failed.push(e))
    const first = await t.env.sandbox.sendMessage(t.authorizer, 'recorded')
    assert.equal(first.reply.Content, 'echo recorded')
    await waitFor(() => db.sql(`SELECT COUNT(*) FROM wxtp_messages WHERE state = 1`) === '1', 'the first reply recorded')

    db.sql('DROP TABLE wxtp_messages')
    const d = await t.env.sandbox.sendMessage(t.authorizer, 'not recorded')
    assert.equal(d.reply.Content, 'echo not recorded', 'WeChat still gets its answer')
    const err = await waitFor(() => failed[0], 'reply_failed')
    assert.match(err.message, /could not be recorded/)
    assert.equal(err.appid, t.authorizer)
    assert.equal(err.openid, d.message.FromUserName)

    // An account's own server: the event on the handler.
    const ownFailed = []
    handler.on('reply_failed', (e) => ownFailed.push(e))
    const post = async (content, msgId) => {
      const timestamp = String(seconds())
      const nonce = crypto.randomBytes(4).toString('hex')
      const signature = crypto.createHash('sha1').update([token, timestamp, nonce].sort().join('')).digest('hex')
      const xml = `<xml><ToUserName><![CDATA[gh_own]]></ToUserName><FromUserName><![CDATA[o_own]]></FromUserName><CreateTime>${timestamp}</CreateTime>` +
        `<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${content}]]></Content><MsgId>${msgId}</MsgId></xml>`
      const res = await fetch(`${server.url}/?signature=${signature}&timestamp=${timestamp}&nonce=${nonce}`, { method: 'POST', body: xml })
      return res.text()
    }
    assert.match(await post('one', 1), /own one/)
    await waitFor(() => own.sql('SELECT COUNT(*) FROM wxtp_messages WHERE state = 1') === '1', 'the own reply recorded')
    own.sql('DROP TABLE wxtp_messages')
    assert.match(await post('two', 2), /own two/)
    const ownErr = await waitFor(() => ownFailed[0], 'reply_failed on the own server')
    assert.equal(ownErr.name, 'StoreError')
    assert.equal(ownErr.openid, 'o_own')
    assert.equal(failed.length, 1, 'the platform heard only of its own')
  } finally {
    await server.close()
    await handler.close()
    await t.close()
    db.drop()
    own.drop()
  }
})

test('an authorizer revoked through one instance is refused by another as soon as its change feed shows it', { timeout: 90000 }, async () => {
  const db = freshMysql()
  // Instance A: the master receiving WeChat's pushes (and the unauthorized one).
  const t = await readyPlatform((p) => p.messages(() => 'from A'), { db: db.url })
  const c = t.env.creds
  // Instance B: a worker of the same platform serving the message URL.
  const b = new ThirdpartyServer(c.appid, c.secret, c.token, c.key, db.url, true, { apiBase: t.env.sandbox.url, pollIntervalMs: 100 })
  b.on('db_error', () => {})
  const unknown = []
  let runs = 0
  const handlerB = b.messages(() => { runs++; return 'from B' })
  handlerB.on('unknown_authorizer', (e) => unknown.push(e.appid))
  const serverB = await listen(handlerB)
  try {
    await t.env.sandbox.setMessageUrl(c.appid, `${serverB.url}/wechat/$APPID$/callback`)
    const send = async (n) => {
      const r = sealedRequest({ token: c.token, key: c.key, appid: c.appid }, textXml('gh_x', 'o_revoke', `hi ${n}`, 5000 + n))
      const res = await fetch(`${serverB.url}/wechat/${t.authorizer}/callback?${r.query}`, { method: 'POST', body: r.body })
      return res.text()
    }
    // B knows the authorizer (and caches it).
    const before = await t.env.sandbox.sendMessage(t.authorizer, 'before')
    assert.equal(before.reply.Content, 'from B')
    assert.equal(runs, 1)

    const revoked = once(t.platform, 'unauthorized')
    await t.env.sandbox.pushEvent(c.appid, 'unauthorized', t.authorizer)
    await revoked
    // B refuses it once its feed shows the change (one poll, 250 ms). Polled,
    // not timed; the bound only has to be shorter than the 10 s lifetime of
    // the cache this replaced, so that this test fails with it.
    let n = 0
    await waitFor(async () => (await send(++n)) === 'success' && unknown.includes(t.authorizer), 'B sees the revocation', 8000)
    const ran = runs
    assert.equal(await send(++n), 'success')
    assert.equal(runs, ran, 'no handler for a revoked authorizer')
  } finally {
    await serverB.close()
    await b.close()
    await t.close()
    db.drop()
  }
})

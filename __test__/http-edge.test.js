'use strict'
// The HTTP edge (src/http/, lib/http.js): one request parser and one table
// from what went wrong to the status, so every handler the package returns
// answers the same request the same way — plain http, Express, Koa and the
// native listener; the push middleware and message URLs.
const { test, describe, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { WXBizMsgCrypt } = require('..')
const { readyPlatform, sealedRequest, textXml, mount } = require('./helpers/messages')
const { listen } = require('./helpers/platform')

async function send(base, path, { method = 'POST', body } = {}) {
  const res = await fetch(`${base}${path}`, { method, body, headers: body ? { 'content-type': 'text/xml' } : {} })
  return { status: res.status, text: await res.text() }
}

describe('the same request gets the same status from every handler', { timeout: 120000 }, () => {
  let t
  const servers = {}
  const rejected = []
  const runs = []
  before(async () => {
    t = await readyPlatform((p) => p.messages((m) => { runs.push(m); return 'ok' }))
    t.handler.on('message_rejected', (e) => rejected.push(e))
    for (const framework of ['http', 'express', 'koa']) {
      servers[framework] = await listen(mount(framework, t.handler))
      servers[`push ${framework}`] = await listen(mount(framework, t.platform.middleware(), '/wechat/auth'))
    }
    const native = await t.handler.listen(0, '127.0.0.1')
    servers.native = { url: `http://127.0.0.1:${native.port}`, close: () => native.close() }
  })
  after(async () => {
    for (const s of Object.values(servers)) await s.close()
    await t.close()
  })

  const c = () => t.env.creds
  const good = (n) => sealedRequest(c(), textXml('gh_x', 'o_edge', 'edge', 90000 + n))
  const path = (q, appid = t.authorizer) => `/wechat/${appid}/callback?${q}`
  const forgedQuery = (r) => { r.query.set('msg_signature', 'f'.repeat(40)); return r.query }
  const MESSAGE_CASES = [
    { name: 'a forged signature (CryptoError)', status: 401, req: (n) => { const r = good(n); return { path: path(forgedQuery(r)), body: r.body } } },
    { name: 'malformed XML (ParseError)', status: 400, req: (n) => ({ path: path(good(n).query), body: 'not xml at all' }) },
    { name: 'no msg_signature (TypeError)', status: 400, req: (n) => { const r = good(n); r.query.delete('msg_signature'); r.query.delete('encrypt_type'); return { path: path(r.query), body: r.body } } },
    { name: 'a malformed percent-escape in the query', status: 400, req: (n) => { const r = good(n); return { path: path(`${r.query}&x=%zz`), body: r.body } } },
    { name: 'a malformed percent-escape in the path', status: 400, req: (n) => { const r = good(n); return { path: path(r.query, 'wx%zz'), body: r.body } } },
    { name: 'a body over 1 MB', status: 413, req: () => ({ path: path(good(0).query), body: `<xml>${'x'.repeat(1536 * 1024)}</xml>` }) },
    { name: 'a method other than GET, HEAD and POST', status: 405, req: () => ({ path: path(good(0).query), method: 'PUT', body: '<xml/>' }) },
  ]

  let n = 0
  for (const k of MESSAGE_CASES) {
    test(`message URL, ${k.name}: ${k.status} on http, Express, Koa and the native listener`, async () => {
      const got = {}
      for (const framework of ['http', 'express', 'koa', 'native']) {
        const r = k.req(++n)
        got[framework] = (await send(servers[framework].url, r.path, r)).status
      }
      assert.deepEqual(got, { http: k.status, express: k.status, koa: k.status, native: k.status })
      assert.equal(runs.length, 0, 'the handler never ran')
    })
  }

  test('a malformed percent-escape is rejected as a ParseError naming the part (message_rejected)', async () => {
    rejected.length = 0
    const r = good(++n)
    const res = await send(servers.http.url, path(`${r.query}&x=%4`), { body: r.body })
    assert.equal(res.status, 400)
    assert.equal(res.text, 'invalid message')
    assert.equal(rejected.length, 1)
    assert.equal(rejected[0].name, 'ParseError')
    assert.match(rejected[0].message, /query has a malformed percent-escape/)
  })

  const push = (query, body) => ({ path: `/wechat/auth?${query}`, body })
  const PUSH_CASES = [
    {
      name: 'a push signed with the wrong token (CryptoError)',
      status: 401,
      req: () => {
        const forger = new WXBizMsgCrypt('wrong-token', c().key, c().appid)
        const encrypt = forger.encrypt(`<xml><AppId><![CDATA[${c().appid}]]></AppId><InfoType><![CDATA[component_verify_ticket]]></InfoType><ComponentVerifyTicket><![CDATA[forged]]></ComponentVerifyTicket></xml>`)
        return push(`timestamp=1&nonce=n&msg_signature=${forger.getSignature('1', 'n', encrypt)}`, `<xml><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`)
      },
    },
    { name: 'a push that is not XML (ParseError)', status: 400, req: () => push(`timestamp=1&nonce=n&msg_signature=${'a'.repeat(40)}`, '{"json": true}') },
    { name: 'a push without msg_signature', status: 400, req: () => push('timestamp=1', '<xml/>') },
    { name: 'a push with a malformed percent-escape', status: 400, req: () => push(`timestamp=%zz&nonce=n&msg_signature=${'a'.repeat(40)}`, '<xml/>') },
    { name: 'a push over 1 MB', status: 413, req: () => push(`timestamp=1&nonce=n&msg_signature=${'a'.repeat(40)}`, `<xml>${'x'.repeat(1536 * 1024)}</xml>`) },
  ]
  for (const k of PUSH_CASES) {
    test(`push middleware, ${k.name}: ${k.status} on http, Express and Koa`, async () => {
      const before = await t.platform.secrets()
      const got = {}
      for (const framework of ['http', 'express', 'koa']) {
        const r = k.req()
        got[framework] = (await send(servers[`push ${framework}`].url, r.path, r)).status
      }
      assert.deepEqual(got, { http: k.status, express: k.status, koa: k.status })
      assert.deepEqual(await t.platform.secrets(), before, 'nothing stored')
    })
  }
})

'use strict'
// Every method of wechat-api 1.35's surface (reference/wechat-api-1.35-surface.tsv),
// called with the same arguments on wechat-api itself (its request captured
// before it leaves) and on our API against the sandbox (the request as it
// reached the sandbox): path, query and JSON body must agree.
const test = require('node:test')
const assert = require('node:assert')
const fs = require('fs')
const path = require('path')
const crypto = require('crypto')
const WechatAPI = require('wechat-api')
const { API, startSandbox } = require('..')

// shared/ stands beside the repository (in CI too); /work/shared on a developer machine.
const SURFACE = path.join(__dirname, '..', '..', 'shared', 'reference', 'wechat-api-1.35-surface.tsv')
const surfaceFile = fs.existsSync(SURFACE) ? SURFACE : '/work/shared/reference/wechat-api-1.35-surface.tsv'
const APPID = `wxsurf${crypto.randomBytes(5).toString('hex')}`
const rows = fs.readFileSync(surfaceFile, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'))

// Methods that send no request of their own, or whose request is checked elsewhere.
const LOCAL = new Set(['setEndpoint', 'setOpts', 'request', 'preRequest', 'getLatestToken', 'getAccessToken', 'registerTicketHandle', 'getRedirectUrl', 'showQRCodeURL', 'getShakehbConfig'])
const TICKETS = new Set(['getTicket', 'getJsConfig', 'getCardExt', 'getLatestTicket'])
const TWO_STEP = new Set(['massSendMPVideo', 'sendCard', 'sendCardFromCs'])
// wechat-api posts updateExpressTemplate to /merchant/express/del (a bug); ours goes to .../update.
const FIXED = { updateExpressTemplate: '/merchant/express/update' }
// Where wechat-api sends what WeChat's docs don't take, we send WeChat's form.
const ADJUST = {
  // WeChat's field is lang (zh_CN); wechat-api sends language: 'zh-CN'.
  batchGetUsers: (b) => ({ user_list: b.user_list.map((u) => ({ openid: u.openid, lang: 'zh_CN' })) }),
}

// A plausible value per parameter name, the same for both libraries.
function sample(method, name) {
  const arrays = { openids: ['oA', 'oB'], openList: ['oA', 'oB'], deviceIds: ['d1', 'd2'], devices: [{ id: 'd1' }], addProductList: ['p1'], delProductList: ['p2'], locations: [{ business_name: 'b' }], status_list: ['CARD_STATUS_VERIFY_OK'], productList: ['p1'], receivers: ['oA', 'oB'], code: ['c1', 'c2'] }
  if (name === 'code' && method !== 'importCustomizedCodes' && method !== 'checkCustomizedCodes') return 'code-1'
  if (arrays[name]) return arrays[name]
  if (name === 'info' && method === 'createCardQRCode') return { card: { card_id: 'pCard' } }
  if (name === 'sceneId') return method === 'createTmpQRCode' ? 42 : 'scene-str'
  if (['num', 'number', 'expire', 'offset', 'count', 'begin', 'limit', 'status', 'groupId', 'id', 'tagId', 'expire_seconds', 'balance', 'optype'].includes(name)) return 7
  if (name === 'beginTime') return new Date('2024-01-02T03:04:05Z')
  if (name === 'endTime') return new Date('2024-02-02T03:04:05Z')
  if (name === 'dest') return 'https://example.com/x'
  if (name === 'data' && method === 'sendTemplate') return { first: { value: 'hi', color: '#173177' } }
  if (name === 'options' && method === 'getUser') return { openid: 'oA', lang: 'zh_CN' }
  if (name === 'options' && method === 'addLotteryInfo') return { use_template: 1, logo_url: 'http://logo' }
  if (name === 'opts' && method === 'massSend') return { msgtype: 'text', text: { content: 'x' } }
  if (['opts', 'options', 'menu', 'news', 'poi', 'page', 'group', 'goods', 'shelf', 'express', 'template', 'query', 'data', 'info', 'card', 'music', 'articles', 'industryIds', 'body', 'cardInfo'].includes(name)) return { sample: `${method}.${name}`, n: 1 }
  if (name === 'cardType') return 'GROUPON'
  if (name === 'password') return 'pw'
  return `${name}-v`
}

function argNames(args) {
  return args.split(',').map((s) => s.trim()).filter((s) => s && !/^callback/.test(s))
}

// wechat-api's own request for `method(args)`: {path, query, body}.
function wechatApiRequest(method, args) {
  const api = new WechatAPI(APPID, 'secret', (cb) => cb(null, { accessToken: 'TOKEN', expireTime: Date.now() + 1e6 }))
  let seen
  api.request = (url, opts, cb) => {
    seen = { url, opts }
    ;(cb || opts)(null, { errcode: 0 }, { headers: { 'content-type': 'application/json' } })
  }
  api[method](...structuredClone(args).map((a, i) => (args[i] instanceof Date ? args[i] : a)), () => {})
  if (!seen) return null
  const u = new URL(seen.url)
  const query = {}
  for (const [k, v] of u.searchParams) if (k !== 'access_token') query[k] = v
  let body = seen.opts.data === undefined ? null : JSON.parse(JSON.stringify(seen.opts.data))
  if ((seen.opts.type || seen.opts.method || 'GET') === 'GET' && body && typeof body === 'object') {
    for (const [k, v] of Object.entries(body)) if (k !== 'access_token') query[k] = String(v)
    body = null
  }
  return { path: u.pathname, query, body }
}

test('every wechat-api 1.35 method sends the request wechat-api sends', { timeout: 120000 }, async (t) => {
  const sandbox = await startSandbox()
  t.after(() => sandbox.close())
  const appid = APPID
  const secret = crypto.randomBytes(16).toString('hex')
  await sandbox.registerApp(appid, secret)
  const api = new API(appid, secret, { apiBase: sandbox.url })
  t.after(() => api.close())

  let compared = 0
  const missing = []
  for (const [, method, argList] of rows) {
    if (LOCAL.has(method) || TICKETS.has(method) || TWO_STEP.has(method)) continue
    if (typeof api[method] !== 'function') {
      missing.push(method)
      continue
    }
    const names = argNames(argList)
    if (names.some((n) => n === 'filepath' || n === 'req')) continue // uploads: api.test.js
    const args = names.map((n) => sample(method, n))
    const expected = wechatApiRequest(method, args)
    assert.ok(expected, `${method}: wechat-api sent nothing`)
    const before = (await sandbox.requests()).length
    try {
      await api[method](...args)
    } catch (e) {
      // The sandbox may refuse sample data (unknown openid …); the request still reached it.
      assert.strictEqual(e.name, 'WeChatAPIError', `${method}: ${e.stack}`)
    }
    const reqs = (await sandbox.requests()).slice(before).filter((r) => !/\/cgi-bin\/(token|stable_token)$/.test(r.path))
    assert.strictEqual(reqs.length, 1, `${method}: ${JSON.stringify(reqs)}`)
    const got = reqs[0]
    const expectedPath = FIXED[method] || (expected.path.startsWith('/cgi-bin/media/uploadvideo') ? '/cgi-bin/media/uploadvideo' : expected.path)
    assert.strictEqual(got.path, expectedPath, method)
    assert.deepStrictEqual(got.query, expected.query, `${method} query`)
    assert.deepStrictEqual(got.body, ADJUST[method] ? ADJUST[method](expected.body) : expected.body, `${method} body`)
    compared++
  }
  assert.deepStrictEqual(missing, [], 'methods of the surface the client lacks')
  // 255 rows: 10 local, 4 ticket, 3 two-step, 24 uploads (checked in api.test.js).
  assert.ok(compared >= 210, `compared ${compared}`)
})

test('every surface method exists on API and on createClient clients', () => {
  const { Client } = require('../lib/client')
  const absent = rows.map((r) => r[1]).filter((m) => typeof Client.prototype[m] !== 'function' && typeof API.prototype[m] !== 'function')
  assert.deepStrictEqual(absent, [])
})

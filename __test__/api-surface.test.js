'use strict'
// Every method of wechat-api 1.35's surface (reference/wechat-api-1.35-surface.tsv),
// called the same way on wechat-api itself and on `require('wxthirdparty/api')`,
// both pointed at one recorder: the same requests must reach the wire and the
// callbacks must get the same (err, data, res). Also the argument forms a
// wechat-api user writes (optional arguments left out, numbers as strings,
// Dates) and WeChat's error answers. Where wechat-api is wrong, ours differs
// on purpose: KNOWN says how and why (the README's table lists them).
const test = require('node:test')
const assert = require('node:assert')
const crypto = require('crypto')
const fs = require('fs')
const os = require('os')
const path = require('path')
const { PassThrough } = require('stream')
const WechatAPI = require('wechat-api')
const API = require('wxthirdparty/api')
const { startRecorder } = require('./helpers/recorder')
const D = require('./helpers/differential')

// Local helpers and extension points: api-dropin.test.js.
const LOCAL = new Set(['setEndpoint', 'setOpts', 'request', 'preRequest', 'getLatestToken', 'getAccessToken', 'registerTicketHandle', 'getRedirectUrl', 'showQRCodeURL', 'getShakehbConfig'])

// method -> [diffs ours keeps on purpose (exact), why]
const KNOWN = {
  updateExpressTemplate: [['path: theirs /merchant/express/del, ours /merchant/express/update'], 'wechat-api posts an update to the delete URL'],
  batchGetUsers: [[/^body: theirs .*"language":"zh-CN".*, ours .*"lang":"zh_CN"/], "WeChat's field is lang (zh_CN); wechat-api sends language: 'zh-CN'"],
  getMaterial: [[/^data: theirs \{"buffer"/, 'res.data differs'], "WeChat answers a news or video material with JSON; wechat-api hands it over as a Buffer unless the content type is exactly application/json (WeChat's says `; encoding=utf-8`)"],
  setLotterySwitch: [[/^data: theirs \{"buffer"/, 'res.data differs'], 'wechat-api asks for no JSON and hands the answer over as a Buffer'],
  uploadPageIcon: [[/^theirs crashed/, /^requests: theirs \[\]/, 'never called back: theirs true, ours false'], "wechat-api throws inside fs.stat's callback (`this` is undefined there) and never calls back"],
  updateFeedback: [['contentType: theirs application/json, ours null'], 'wechat-api sends Content-Type: application/json on a GET without a body'],
  uploadVideoMaterial: [[], 'multipart parts are compared by name: wechat-api writes description first, ours the file first'],
}

const d1 = new Date('2024-01-02T03:04:05.600Z')
const d2 = new Date('2024-01-09T03:04:05Z')
// Argument forms beyond one plausible value per parameter: [method, args, known?].
const FORMS = [
  ['getUser', [12345]], ['getUser', ['oA']], ['getUser', [{ openid: 'oA', lang: 'zh_CN' }]],
  ['getUser', [{ openid: 'oA' }], [['query: theirs {"openid":"oA","lang":"undefined"}, ours {"openid":"oA","lang":"en"}'], "wechat-api puts `lang=undefined` in the URL when the options leave lang out; ours sends WeChat's default, en"]],
  ['getUser', [{ openid: 'o+A/B=', lang: 'zh_CN' }], [[/^query: theirs \{"openid":"o A\/B="/], 'wechat-api does not percent-encode the openid (a + reaches WeChat as a space)']],
  ['getFollowers', []], ['getFollowers', ['oNext']],
  ['getFollowers', ['o+N/='], [[/^query: theirs \{"next_openid":"o N\/="/], 'wechat-api does not percent-encode next_openid']],
  ['updateCardStock', ['C', '5']], ['updateCardStock', ['C', '-3']], ['updateCardStock', ['C', -3]], ['updateCardStock', ['C', 0]],
  ['updateStock', ['-3', 'p1', 's']], ['updateStock', [4, 'p1', 's']],
  ['getCode', ['c1']], ['unavailableCode', ['c1']], ['getCards', [0, 10]],
  ['createTmpQRCode', ['100', 60]], ['createTmpQRCode', ['scene', 60]], ['createTmpQRCode', [100, '60']], ['createTmpQRCode', [0, 60]],
  ['createLimitQRCode', [7]], ['createLimitQRCode', ['7']], ['createLimitQRCode', [0]],
  ['getOrdersByStatus', []], ['getOrdersByStatus', [2]], ['getOrdersByStatus', [d1]], ['getOrdersByStatus', [2, d1]], ['getOrdersByStatus', [2, d1, d2]],
  ['getUserSummary', ['2024-01-01', '2024-01-02']], ['getUserSummary', [d1, d2]], ['getTotalCardDataInfo', [d1, d2, 0]],
  ['getRecords', [{ starttime: d1, endtime: d2, pageindex: 1, pagesize: 10 }]],
  ['sendTemplate', ['oA', 'T', { url: 'https://x', miniprogram: { appid: 'wxm', pagepath: 'p' } }, { k: { value: 'v' } }]],
  ['sendTemplate', ['oA', 'T', null, { k: { value: 'v' } }]],
  ['sendTemplate', ['oA', 'T', 'https://x', '#FF0000', { k: { value: 'v' } }]],
  ['massSend', [{ msgtype: 'text', text: { content: 'x' } }, true]], ['massSend', [{ msgtype: 'text', text: { content: 'x' } }, 7]], ['massSend', [{ msgtype: 'text', text: { content: 'x' } }, '7']],
  ['massSendText', ['hi', true]], ['massSendText', ['hi', 7]], ['massSendText', ['hi', ['oA']]], ['massSendNews', ['m', false]],
  ['getMaterials', ['image', '0', '20']], ['deleteMass', ['1000000001']], ['deleteMass', [1000000001]], ['getMassMessageStatus', [5000000001]],
  ['getTagUsers', [7, 'oNext']], ['editTag', ['7', 'n']], ['deleteTag', ['7']],
  ['getMedia', ['m1']], ['removeMaterial', [7]], ['updateRemark', ['oA', '']], ['sendText', ['oA', 123]], ['sendText', ['oA', '']],
  ['getPois', [0, 10]], ['getPoi', ['123']], ['getPoi', [123]], ['shorturl', ['https://example.com/?a=1&b=中文']],
  ['semantic', ['uid', { query: 'q', category: 'flight', city: '北京' }]],
  ['getGoodsByStatus', ['1']], ['updateGoodsStatus', ['p1', '1']], ['getDeviceStatus', [123]], ['getWhichGroup', [123]],
  ['moveUserToGroup', ['oA', '7']], ['getCardExt', [{ card_id: 'C', balance: 5 }]], ['getCardExt', [{ card_id: 'C', code: 'c', openid: 'o' }]],
  ['getJsConfig', [{ url: 'https://example.com/page?x=1', jsApiList: ['chooseImage'], debug: true }]],
  ['getJsConfig', [{ url: 'https://example.com/page', jsApiList: ['openWXDeviceLib'], beta: true }]],
  ['getTicket', []], ['getTicket', ['wx_card']], ['getLatestTicket', []],
  ['getTicket', ['nope'], [['err: theirs null, ours {"name":"TypeError","message":"type: must be \'jsapi\' or \'wx_card\'"}', /^data: theirs \{"ticket":"TICKET_nope"/], "WeChat has jsapi and wx_card tickets: another type is a TypeError (wechat-api asks WeChat)"]],
]

// Values that depend on the moment (signatures, timestamps, expiries) are
// checked for what they must be, then made equal. A signature is valid when
// it signs the recorder's ticket (TICKET_<type>) over one of the call's own
// strings (the card_id, the page URL without its #fragment).
function settle(x, args) {
  const strings = []
  const collect = (v) => (typeof v === 'string' ? strings.push(v) : v && typeof v === 'object' && !Buffer.isBuffer(v) && Object.values(v).forEach(collect))
  collect(args)
  const sha1 = (s) => crypto.createHash('sha1').update(s).digest('hex')
  const valid = (o) => (o.nonceStr
    ? strings.some((u) => sha1(`jsapi_ticket=TICKET_jsapi&noncestr=${o.nonceStr}&timestamp=${o.timestamp}&url=${u.split('#')[0]}`) === o.signature)
    : strings.some((id) => sha1(['TICKET_wx_card', id, o.timestamp, o.code || '', o.openid || '', o.balance || ''].sort().join('')) === o.signature))
  const walk = (v) => {
    if (Array.isArray(v)) return v.map(walk)
    if (!v || typeof v !== 'object' || Buffer.isBuffer(v) || v instanceof Error) return v
    const o = {}
    for (const [k, x] of Object.entries(v)) o[k] = walk(x)
    if (typeof o.expireTime === 'number' && Math.abs(o.expireTime - (Date.now() + 7200e3)) < 30e3) o.expireTime = 'in ~7200 s'
    if (typeof o.endtime === 'number' && Math.abs(o.endtime - Date.now() / 1000) < 5) o.endtime = 'now'
    if (o.signature && o.timestamp) {
      o.signature = valid(o) ? 'valid' : `INVALID ${o.signature}`
      if (Math.abs(Number(o.timestamp) - Date.now() / 1000) < 5) o.timestamp = 'now'
    }
    if (typeof o.nonceStr === 'string' && /^[0-9a-z]{6,}$/.test(o.nonceStr)) o.nonceStr = 'nonce'
    if (Array.isArray(o.multipart)) o.multipart = [...o.multipart].sort((a, b) => (a.name < b.name ? -1 : 1))
    return o
  }
  return walk(x)
}

async function setup(t) {
  const rec = await startRecorder()
  t.after(() => rec.close())
  const theirs = new WechatAPI('wxsurface0001', 'secret')
  theirs.endpoint = rec.url
  theirs.fileServerPrefix = rec.url + '/cgi-bin/'
  const ours = new API('wxsurface0001', 'secret')
  ours.endpoint = rec.url
  t.after(() => ours.close())
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxtp-surface-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const image = path.join(dir, 'pic.jpg')
  fs.writeFileSync(image, Buffer.from('JPEGDATA'))
  // Both hold a token first, so that wechat-api runs each method synchronously
  // inside preRequest and a throw of its own reaches the caller.
  await new Promise((resolve) => theirs.getLatestToken(resolve))
  await ours.getLatestToken()
  return { rec, theirs, ours, image }
}

// A multipart upload as an incoming request (the *Stream methods' `req`).
function multipartRequest() {
  const boundary = 'wxtpboundary'
  const body = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="media"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\nJPEGDATA\r\n--${boundary}--\r\n`)
  const req = new PassThrough()
  req.headers = { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(body.length) }
  req.end(body)
  return req
}

/** Runs `method(args)` on both, each with its own copy of the arguments; every difference. */
async function compare(env, method, args, wait) {
  const { rec, theirs, ours } = env
  const made = (a) => a.map((x) => (x === REQ ? multipartRequest() : D.copy(x)))
  rec.take(true)
  // wechat-api throws inside some of its own callbacks: caught here, as what
  // it did, not as a failure of the test (whose runner listens too).
  let crashed
  const events = ['uncaughtException', 'unhandledRejection']
  const runners = events.map((e) => process.listeners(e))
  for (const e of events) {
    process.removeAllListeners(e)
    process.on(e, (err) => { crashed = err })
  }
  const t = await D.settleCallback((cb) => theirs[method](...made(args), cb), wait)
  events.forEach((e, i) => {
    process.removeAllListeners(e)
    for (const l of runners[i]) process.on(e, l)
  })
  const theirWire = rec.take()
  const o = await D.settleCallback((cb) => ours[method](...made(args), cb), wait)
  const ourWire = rec.take()
  const diffs = [...D.wireDiff(settle(theirWire, args), settle(ourWire, args)), ...D.callbackDiff(settle(t, args), settle(o, args))]
  if (crashed) diffs.unshift(`theirs crashed: ${crashed.message}`)
  return { diffs, theirs: t, ours: o, crashed, theirWire, ourWire }
}
const REQ = Symbol('multipart request')

function expectDiffs(label, diffs, known) {
  const [expected, why] = known || [[], '']
  const ok = diffs.length === expected.length && diffs.every((d, i) => (expected[i] instanceof RegExp ? expected[i].test(d) : d === expected[i]))
  assert.ok(ok, `${label}: ${why ? `known difference (${why}) changed` : 'differs from wechat-api'}:\n  ${diffs.join('\n  ') || '(none)'}`)
}

function fullArgs(env, method, names) {
  return names.map((n) => (n === 'filepath' ? env.image : n === 'req' ? REQ : D.sample(method, n)))
}

test('every wechat-api 1.35 method: the same requests on the wire and the same (err, data, res)', { timeout: 300000 }, async (t) => {
  const env = await setup(t)
  let compared = 0
  for (const [, method, argList] of D.SURFACE_ROWS) {
    if (LOCAL.has(method)) continue
    const { diffs } = await compare(env, method, fullArgs(env, method, D.argNames(argList)))
    expectDiffs(method, diffs, KNOWN[method])
    compared++
  }
  assert.strictEqual(compared, D.SURFACE_ROWS.length - LOCAL.size)
})

test('argument forms wechat-api users write: numbers as strings, Dates, optional arguments, both destination forms', { timeout: 120000 }, async (t) => {
  const env = await setup(t)
  for (const [method, args, known] of FORMS) {
    const { diffs } = await compare(env, method, args)
    expectDiffs(`${method}(${args.map((a) => JSON.stringify(a)).join(', ')})`, diffs, known || KNOWN[method])
  }
})

test('trailing arguments left out: where wechat-api answers, ours answers the same; where it hangs or throws, ours gives a TypeError naming the argument', { timeout: 600000 }, async (t) => {
  const env = await setup(t)
  let hangs = 0
  for (const [, method, argList] of D.SURFACE_ROWS) {
    if (LOCAL.has(method)) continue
    const full = fullArgs(env, method, D.argNames(argList))
    for (let n = 0; n < full.length; n++) {
      const args = full.slice(0, n)
      // A third of a second to call back: the recorder is local, and most of these never do on wechat-api.
      const r = await compare(env, method, args, 300)
      if (r.theirs.never || r.theirs.threw || r.crashed) {
        // wechat-api's callback landed in a parameter, or it threw: ours answers, with a TypeError naming the missing argument or WeChat's answer.
        hangs++
        assert.ok(r.ours.args || r.ours.threw, `${method}(${n} args): ours neither called back nor threw`)
        const [err] = r.ours.args || [r.ours.threw]
        assert.ok(!err || err.name === 'TypeError', `${method}(${n} args): ${err && err.stack}`)
        if (err) assert.match(err.message, /^[\w.]+\??: /, `${method}(${n} args): the TypeError names the argument`)
        continue
      }
      expectDiffs(`${method}(${n} args)`, r.diffs, KNOWN[method])
    }
  }
  // wechat-api 1.35 hangs or throws on most shortened forms (its callbacks are positional).
  assert.ok(hangs > 200, `hangs ${hangs}`)
})

test("WeChat's errors: (err, data, res) as wechat-api gives them", { timeout: 60000 }, async (t) => {
  const env = await setup(t)
  const answer = { errcode: 40003, errmsg: 'invalid openid rid: 6571a0b2-0f6c1e2d', hint: 'extra field' }
  for (const [method, args, p] of [['getUser', ['oA'], '/cgi-bin/user/info'], ['sendText', ['oA', 'x'], '/cgi-bin/message/custom/send'], ['getFollowers', [], '/cgi-bin/user/get'], ['uploadMedia', [env.image, 'image'], '/cgi-bin/media/upload'], ['getMedia', ['m1'], '/cgi-bin/media/get']]) {
    env.rec.answer(p, { body: answer }, { body: answer })
    const r = await compare(env, method, args)
    // wechat-api reads an error answer to getMedia as the media file (the content type is not exactly application/json).
    const known = method === 'getMedia' ? [[/^err: theirs null, ours \{"name":"WeChatAPIError","code":40003/, /^data: theirs \{"buffer"/, 'res.data differs'], 'getMedia'] : undefined
    expectDiffs(`${method} answered 40003`, r.diffs, known)
    const [err, data, res] = r.ours.args
    assert.strictEqual(err.name, 'WeChatAPIError')
    assert.strictEqual(err.code, 40003)
    if (method !== 'getMedia') {
      assert.deepStrictEqual(data, answer, method)
      assert.strictEqual(res.statusCode, 200)
      assert.deepStrictEqual(res.data, answer)
      assert.strictEqual(typeof res.rt, 'number')
      assert.strictEqual(err.wxAnswer, undefined, 'the native answer is taken off the error')
    }
  }
})

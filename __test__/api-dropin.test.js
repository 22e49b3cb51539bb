'use strict'
// wechat-api's extension points and token / ticket machinery, differentially:
// wechat-api 1.35 and `require('wxthirdparty/api')` pointed at one recorder,
// doing what code written for wechat-api does (mixins in its own style,
// registerTicketHandle, api.token, the prefixes, request(url, opts)).
const test = require('node:test')
const assert = require('node:assert')
const crypto = require('crypto')
const fs = require('fs')
const os = require('os')
const path = require('path')
const { Readable } = require('stream')
const WechatAPI = require('wechat-api')
const API = require('wxthirdparty/api')
const { startRecorder } = require('./helpers/recorder')
const D = require('./helpers/differential')

const sha1 = (s) => crypto.createHash('sha1').update(s).digest('hex')
const call = (fn) => new Promise((resolve) => fn((...args) => resolve(args)))

async function setup(t, opts = {}) {
  const rec = await startRecorder()
  t.after(() => rec.close())
  const theirs = new WechatAPI('wxdropin0001', 'secret', opts.getToken, opts.saveToken)
  theirs.endpoint = rec.url
  theirs.fileServerPrefix = rec.url + '/cgi-bin/'
  const ours = new API('wxdropin0001', 'secret', opts.getToken, opts.saveToken)
  ours.endpoint = rec.url
  t.after(() => ours.close())
  return { rec, theirs, ours }
}

test('the require line: wxthirdparty/api, /oauth and /wechat are the modules wechat-api, wechat-oauth and wechat export', () => {
  const root = require('..')
  assert.strictEqual(API, root.API)
  assert.strictEqual(require('wxthirdparty/oauth'), root.OAuth)
  assert.strictEqual(typeof require('wxthirdparty/wechat'), 'function')
  assert.strictEqual(typeof require('wechat'), 'function')
  // wechat-api's statics.
  for (const k of Object.keys(WechatAPI)) assert.strictEqual(typeof API[k], typeof WechatAPI[k], `API.${k}`)
  const token = API.AccessToken('t', Date.now() + 1000)
  assert.ok(token instanceof API.AccessToken)
  assert.strictEqual(token.isValid(), true)
  assert.strictEqual(new API.AccessToken('t', Date.now() - 1).isValid(), false)
  assert.strictEqual(new API.AccessToken('', Date.now() + 1000).isValid(), new WechatAPI.AccessToken('', Date.now() + 1000).isValid())
})

test("api.endpoint, mpPrefix, fileServerPrefix, defaults and token: wechat-api's values, and setting them reroutes", async (t) => {
  const fresh = [new WechatAPI('wxa', 's'), new API('wxa', 's')]
  t.after(() => fresh[1].close())
  assert.strictEqual(fresh[1].endpoint, fresh[0].endpoint)
  assert.strictEqual(fresh[1].mpPrefix, fresh[0].mpPrefix)
  assert.deepStrictEqual(fresh[1].defaults, fresh[0].defaults)
  assert.strictEqual(fresh[1].token, fresh[0].token)
  // Ours is https: the query carries the access token (wechat-api's is http://file.api.weixin.qq.com/cgi-bin/).
  assert.strictEqual(fresh[1].fileServerPrefix, fresh[0].fileServerPrefix.replace('http:', 'https:'))

  const { rec, theirs, ours } = await setup(t)
  for (const api of [theirs, ours]) {
    await call((cb) => api.getIp(cb))
    assert.ok(api.token instanceof (api === ours ? API : WechatAPI).AccessToken)
    assert.strictEqual(api.token.accessToken, 'ACCESS_TOKEN')
    assert.strictEqual(api.token.isValid(), true)
  }
  const other = await startRecorder()
  t.after(() => other.close())
  for (const api of [theirs, ours]) {
    rec.take(true)
    api.endpoint = other.url
    await call((cb) => api.getIp(cb))
    assert.deepStrictEqual(rec.take(true), [])
    assert.deepStrictEqual(other.take().map((r) => r.path), ['/cgi-bin/getcallbackip'])
    api.setEndpoint(rec.url.replace('http://', '')) // setEndpoint(domain) means https://domain
    assert.strictEqual(api.endpoint, rec.url.replace('http://', 'https://'))
    api.endpoint = rec.url
  }
  assert.throws(() => { ours.endpoint = 'ftp://x' }, { name: 'TypeError', message: /endpoint/ })
  assert.throws(() => { ours.fileServerPrefix = 5 }, { name: 'TypeError', message: /fileServerPrefix/ })
  assert.strictEqual(ours.endpoint, rec.url, 'a refused value changes nothing')
  await call((cb) => ours.getIp(cb))
})

test('uploadMPVideo, massSendMPVideo and uploadLogo go to fileServerPrefix; showQRCodeURL uses mpPrefix', async (t) => {
  const { rec, theirs, ours } = await setup(t)
  const files = await startRecorder()
  t.after(() => files.close())
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxtp-logo-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const logo = path.join(dir, 'logo.png')
  fs.writeFileSync(logo, 'PNG')
  const seen = []
  for (const api of [theirs, ours]) {
    api.fileServerPrefix = files.url + '/cgi-bin/'
    rec.take(true)
    const up = await call((cb) => api.uploadMPVideo({ media_id: 'm', title: 't' }, cb))
    const sent = await call((cb) => api.massSendMPVideo({ media_id: 'm' }, ['oA'], cb))
    const logoUp = await call((cb) => api.uploadLogo(logo, cb))
    assert.ifError(up[0] || sent[0] || logoUp[0])
    seen.push({ files: files.take().map(D.wire), api: rec.take().map(D.wire) })
  }
  assert.deepStrictEqual(seen[1].files.map((r) => r.path), ['/cgi-bin/media/uploadvideo', '/cgi-bin/media/uploadvideo', '/cgi-bin/media/uploadimg'])
  assert.deepStrictEqual(seen[1].api.map((r) => r.path), ['/cgi-bin/message/mass/send'])
  assert.deepStrictEqual(D.wireDiff(seen[0].files, seen[1].files), [])
  assert.deepStrictEqual(D.wireDiff(seen[0].api, seen[1].api), [])

  const ticket = 'gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2taZ2Z3TVRtNzJXV1Brb3ZhYmJJAAIEZ23sUwMEmm3sUw=='
  ours.mpPrefix = theirs.mpPrefix = 'https://mp.example.com/cgi-bin/'
  // WeChat asks for the ticket to be URL-encoded (base64 has + / =); wechat-api leaves it raw.
  assert.strictEqual(ours.showQRCodeURL(ticket), theirs.showQRCodeURL(encodeURIComponent(ticket)))
  assert.notStrictEqual(theirs.showQRCodeURL(ticket), ours.showQRCodeURL(ticket))
})

test('registerTicketHandle: a valid kept ticket signs getJsConfig, getCardExt and sendCard with no fetch; an expired one is fetched and saved', async (t) => {
  const { rec, theirs, ours } = await setup(t)
  for (const api of [theirs, ours]) {
    const kept = { jsapi: { ticket: 'KEPT_jsapi', expireTime: Date.now() + 60000 }, wx_card: { ticket: 'KEPT_wx_card', expireTime: Date.now() + 60000 } }
    const selves = []
    api.registerTicketHandle(function (type, cb) { selves.push(this); cb(null, kept[type]) }, function (type, ticket, cb) { selves.push(this); kept[type] = ticket; cb(null) })
    rec.take(true)
    const [e1, cfg] = await call((cb) => api.getJsConfig({ url: 'https://example.com/a?b=1', jsApiList: ['scanQRCode'] }, cb))
    const [e2, ext] = await call((cb) => api.getCardExt({ card_id: 'pCard', openid: 'oA' }, cb))
    const [e3] = await call((cb) => api.sendCard('oA', { card_id: 'pCard', code: 'c1' }, cb))
    assert.ifError(e1 || e2 || e3)
    const wire = rec.take(true).filter((r) => r.path !== '/cgi-bin/token') // sendCard needs the access token
    assert.deepStrictEqual(wire.map((r) => r.path), ['/cgi-bin/message/custom/send'], 'no ticket fetched')
    assert.strictEqual(cfg.signature, sha1(`jsapi_ticket=KEPT_jsapi&noncestr=${cfg.nonceStr}&timestamp=${cfg.timestamp}&url=https://example.com/a?b=1`))
    assert.strictEqual(ext.signature, sha1(['KEPT_wx_card', 'pCard', ext.timestamp, '', 'oA', ''].sort().join('')))
    const sent = wire[0].body.wxcard.card_ext
    assert.strictEqual(sent.signature, sha1(['KEPT_wx_card', 'pCard', sent.timestamp, 'c1', '', ''].sort().join('')))
    assert.ok(selves.length > 0 && selves.every((s) => s === api), 'the handle is called with the API as `this`')

    // Expired: fetched from WeChat, saved, used.
    kept.jsapi = { ticket: 'OLD', expireTime: Date.now() - 1 }
    const [e4, cfg2] = await call((cb) => api.getJsConfig({ url: 'https://example.com/', jsApiList: [] }, cb))
    assert.ifError(e4)
    assert.strictEqual(kept.jsapi.ticket, 'TICKET_jsapi')
    assert.strictEqual(typeof kept.jsapi.isValid, 'function')
    assert.strictEqual(cfg2.signature, sha1(`jsapi_ticket=TICKET_jsapi&noncestr=${cfg2.nonceStr}&timestamp=${cfg2.timestamp}&url=https://example.com/`))
  }
})

test('getAccessToken and getTicket fetch anew (callers refresh with them) and give AccessToken / Ticket objects', async (t) => {
  const { rec, theirs, ours } = await setup(t)
  const counts = []
  for (const api of [theirs, ours]) {
    rec.take(true)
    const [e1, a] = await call((cb) => api.getAccessToken(cb))
    const [e2, b] = await call((cb) => api.getAccessToken(cb))
    const [e3, tk] = await call((cb) => api.getTicket(cb))
    const [e4, tk2] = await call((cb) => api.getTicket('jsapi', cb))
    const [e5, latest] = await call((cb) => api.getLatestToken(cb))
    assert.ifError(e1 || e2 || e3 || e4 || e5)
    for (const x of [a, b, latest]) assert.ok(x instanceof (api === ours ? API : WechatAPI).AccessToken && x.isValid())
    for (const x of [tk, tk2]) assert.ok(x.isValid() && x.ticket === 'TICKET_jsapi')
    counts.push(rec.take(true).map((r) => r.path))
  }
  assert.deepStrictEqual(counts[1], counts[0])
  assert.deepStrictEqual(counts[0].filter((p) => p === '/cgi-bin/token').length, 2)
})

test('getToken / saveToken: called with the API as `this`, with wechat-api token objects', async (t) => {
  const stores = []
  const make = () => {
    const s = { token: null, selves: [] }
    stores.push(s)
    return [function (cb) { s.selves.push(this); cb(null, s.token) }, function (token, cb) { s.selves.push(this); s.token = token; cb(null) }]
  }
  const rec = await startRecorder()
  t.after(() => rec.close())
  const [g1, s1] = make()
  const [g2, s2] = make()
  const theirs = new WechatAPI('wxdropin0002', 'secret', g1, s1)
  theirs.endpoint = rec.url
  const ours = new API('wxdropin0002', 'secret', g2, s2)
  ours.endpoint = rec.url
  t.after(() => ours.close())
  for (const [api, s] of [[theirs, stores[0]], [ours, stores[1]]]) {
    const [err] = await call((cb) => api.getIp(cb))
    assert.ifError(err)
    assert.ok(s.selves.length >= 2 && s.selves.every((x) => x === api))
    assert.deepStrictEqual(Object.keys(s.token).sort(), ['accessToken', 'expireTime'])
    assert.strictEqual(s.token.accessToken, 'ACCESS_TOKEN')
    assert.ok(Math.abs(s.token.expireTime - (Date.now() + 7190e3)) < 5000)
  }
})

test('API.mixin: a module written for wechat-api (preRequest, this.token, this.endpoint, this.request) runs unchanged', async (t) => {
  const { rec, theirs, ours } = await setup(t)
  // wechat-api's own util.wrapper, as mixin modules copy it.
  const wrapper = (callback) => (err, data, res) => {
    if (err) { err.name = 'WeChatAPI' + err.name; return callback(err, data, res) }
    if (data && data.errcode) { err = new Error(data.errmsg); err.name = 'WeChatAPIError'; err.code = data.errcode; return callback(err, data, res) }
    callback(null, data, res)
  }
  const mixin = {
    getDropinThing: function (id, callback) { this.preRequest(this._getDropinThing, arguments) },
    _getDropinThing: function (id, callback) {
      const url = this.endpoint + '/cgi-bin/dropin/thing?access_token=' + this.token.accessToken
      this.request(url, { type: 'POST', dataType: 'json', contentType: 'json', data: { id } }, wrapper(callback))
    },
  }
  WechatAPI.mixin(mixin)
  API.mixin(mixin)
  assert.throws(() => API.mixin({ getDropinThing() {} }), { message: "Don't allow override existed prototype method. method: getDropinThing" })
  assert.throws(() => API.mixin({ getUser() {} }), /method: getUser/)
  assert.throws(() => WechatAPI.mixin({ getUser() {} }), /method: getUser/)
  assert.throws(() => API.mixin(null), { name: 'TypeError' })

  const runs = []
  for (const api of [theirs, ours]) {
    rec.take(true)
    rec.answer('/cgi-bin/dropin/thing', { body: { errcode: 45009, errmsg: 'reach max api daily quota limit' } })
    const failed = await D.settleCallback((cb) => api.getDropinThing(7, cb))
    const ok = await D.settleCallback((cb) => api.getDropinThing(8, cb))
    runs.push({ failed, ok, wire: rec.take() })
  }
  assert.deepStrictEqual(D.wireDiff(runs[0].wire, runs[1].wire), [])
  assert.deepStrictEqual(D.callbackDiff(runs[0].failed, runs[1].failed), [])
  assert.deepStrictEqual(D.callbackDiff(runs[0].ok, runs[1].ok), [])
  assert.strictEqual(runs[1].failed.args[0].code, 45009)

  // A rejected token: wechat-api retries with the same token (its getToken gives it back);
  // ours drops it (compare-and-expire) and retries once with a new one.
  const tokens = []
  for (const api of [theirs, ours]) {
    rec.take(true)
    if (api === ours) rec.answer('/cgi-bin/token', { body: { access_token: 'NEW_TOKEN', expires_in: 7200 } })
    rec.answer('/cgi-bin/dropin/thing', { body: { errcode: 40001, errmsg: 'invalid credential' } })
    const [err, data] = await call((cb) => api.getDropinThing(9, cb))
    assert.ifError(err)
    assert.strictEqual(data.errcode, 0)
    tokens.push(rec.take(true).map((r) => `${r.path} ${r.query.access_token || ''}`))
  }
  assert.deepStrictEqual(tokens[0], ['/cgi-bin/dropin/thing ACCESS_TOKEN', '/cgi-bin/dropin/thing ACCESS_TOKEN'])
  assert.deepStrictEqual(tokens[1], ['/cgi-bin/dropin/thing ACCESS_TOKEN', '/cgi-bin/token ', '/cgi-bin/dropin/thing NEW_TOKEN'])
  // Built-in methods are not mixins but do the same on 40001.
  rec.take(true)
  rec.answer('/cgi-bin/token', { body: { access_token: 'NEWER_TOKEN', expires_in: 7200 } })
  rec.answer('/cgi-bin/tags/get', { body: { errcode: 40001, errmsg: 'invalid credential' } })
  assert.ifError((await call((cb) => ours.getTags(cb)))[0])
  assert.deepStrictEqual(rec.take(true).map((r) => `${r.path} ${r.query.access_token || ''}`), ['/cgi-bin/tags/get NEW_TOKEN', '/cgi-bin/token ', '/cgi-bin/tags/get NEWER_TOKEN'])
})

test('getJsConfig: beta passes through; the signature covers the URL without its #fragment, as the JS-SDK checks it', async (t) => {
  const { theirs, ours } = await setup(t)
  const param = { url: 'https://example.com/page?x=1#/route', jsApiList: ['openWXDeviceLib'], beta: true, debug: true }
  const [, a] = await call((cb) => theirs.getJsConfig({ ...param }, cb))
  const [, b] = await call((cb) => ours.getJsConfig({ ...param }, cb))
  assert.deepStrictEqual(Object.keys(b), Object.keys(a))
  assert.strictEqual(b.beta, true)
  assert.strictEqual(b.debug, true)
  const signed = (cfg, url) => sha1(`jsapi_ticket=TICKET_jsapi&noncestr=${cfg.nonceStr}&timestamp=${cfg.timestamp}&url=${url}`) === cfg.signature
  assert.ok(signed(b, 'https://example.com/page?x=1'))
  // wechat-api signs the fragment too, which the page's wx.config then refuses.
  assert.ok(signed(a, param.url))
})

test("request(url, opts): urllib's options and callback, as wechat-api's request", async (t) => {
  const { rec, theirs, ours } = await setup(t)
  const cases = [
    [rec.url + '/raw/get?a=1', { data: { b: 2, c: '中文' }, dataType: 'json' }],
    [rec.url + '/raw/form', { type: 'POST', data: { a: 1, b: 'x y' }, dataType: 'json' }],
    [rec.url + '/raw/json', { method: 'POST', data: { a: [1, 2] }, contentType: 'json', dataType: 'text' }],
    [rec.url + '/raw/content', { type: 'POST', content: 'plain body', headers: { 'Content-Type': 'text/plain' } }],
    [rec.url + '/raw/buffer', { type: 'POST', content: Buffer.from([1, 2, 3]), headers: { 'Content-Type': 'application/octet-stream' } }],
    [rec.url + '/raw/stream', { type: 'POST', stream: 'STREAM', headers: { 'Content-Type': 'application/octet-stream' }, dataType: 'json' }],
    [rec.url + '/raw/notjson', { dataType: 'json' }],
  ]
  rec.answer('/raw/notjson', { type: 'text/html', body: '<html>' }, { type: 'text/html', body: '<html>' })
  for (const [url, opts] of cases) {
    const runs = []
    for (const api of [theirs, ours]) {
      api.setOpts({ headers: { 'X-Default': 'd' }, timeout: 4000 })
      const o = { ...opts }
      if (o.stream) o.stream = Readable.from([Buffer.from('chunk1'), Buffer.from('chunk2')])
      rec.take(true)
      const r = await D.settleCallback((cb) => api.request(url, o, cb))
      runs.push({ r, wire: rec.take(true) })
    }
    assert.deepStrictEqual(D.wireDiff(runs[0].wire, runs[1].wire), [], url)
    const diffs = D.callbackDiff(runs[0].r, runs[1].r)
    if (url.endsWith('/notjson')) {
      // Both fail parsing with urllib's error name; ours leaves the URL out of the message.
      assert.strictEqual(runs[1].r.args[0].name, 'JSONResponseFormatError')
      assert.deepStrictEqual(diffs.filter((d) => !d.startsWith('err:')), [])
    } else assert.deepStrictEqual(diffs, [], url)
  }
  // wechat-api merges its defaults' headers object itself into each request,
  // and urllib writes Content-Type into it: after one form POST, every later
  // request of that API carries the form's Content-Type. Ours copies.
  for (const api of [theirs, ours]) {
    api.setOpts({ headers: { 'X-Default': 'd' } })
    await call((cb) => api.request(rec.url + '/raw/form', { type: 'POST', data: { a: 1 } }, cb))
  }
  assert.strictEqual(theirs.defaults.headers['Content-Type'], 'application/x-www-form-urlencoded')
  assert.deepStrictEqual(ours.defaults.headers, { 'X-Default': 'd' })

  // What wechat-api would write into an error message, the URL with its access_token, ours leaves out.
  const [err] = await call((cb) => ours.request('http://127.0.0.1:1/cgi-bin/x?access_token=SECRET', { timeout: 500 }, cb))
  assert.ok(err && !err.message.includes('SECRET'), err && err.message)
})

test('bad input: a TypeError naming the argument, nothing sent, the API keeps working', async (t) => {
  const { rec, ours } = await setup(t)
  assert.throws(() => ours.getJsConfig('https://example.com'), { name: 'TypeError', message: /^param/ })
  assert.throws(() => ours.getJsConfig({ jsApiList: [] }), { name: 'TypeError', message: /^param\.url/ })
  assert.throws(() => ours.getCardExt({ code: 'c' }), { name: 'TypeError', message: /^param\.card_id/ })
  assert.throws(() => ours.sendCard('oA', null), { name: 'TypeError', message: /^card/ })
  assert.throws(() => ours.registerTicketHandle(5, 6), { name: 'TypeError', message: /getTicketToken/ })
  assert.throws(() => ours.preRequest('nope', []), { name: 'TypeError', message: /^method/ })
  assert.throws(() => ours.request(5), { name: 'TypeError', message: /^url/ })
  const [err] = await call((cb) => ours.getTicket('nope', cb))
  assert.strictEqual(err.name, 'TypeError')
  assert.deepStrictEqual(rec.take(true), [])
  assert.ifError((await call((cb) => ours.getIp(cb)))[0])
})

test("where ours keeps its own behaviour (README's table): -1 and HTTP 5xx retried, network errors without the URL, built-ins not through api.request, no secret on the object", async (t) => {
  const { rec, theirs, ours } = await setup(t)
  // errcode -1 once: wechat-api calls back with it; ours tries again.
  const minusOne = []
  for (const api of [theirs, ours]) {
    rec.answer('/cgi-bin/getcallbackip', { body: { errcode: -1, errmsg: 'system error' } })
    minusOne.push(await call((cb) => api.getIp(cb)))
  }
  assert.strictEqual(minusOne[0][0].code, -1)
  assert.ifError(minusOne[1][0])
  // HTTP 502 with a page: wechat-api fails parsing it; ours tries again.
  const bad = []
  for (const api of [theirs, ours]) {
    rec.answer('/cgi-bin/getcallbackip', { status: 502, type: 'text/html', body: '<html>bad gateway</html>' })
    bad.push(await call((cb) => api.getIp(cb)))
  }
  assert.strictEqual(bad[0][0].name, 'WeChatAPIJSONResponseFormatError')
  assert.ifError(bad[1][0])
  // Replacing api.request reaches wechat-api's built-ins; ours go through the native transport.
  let replaced = 0
  for (const api of [theirs, ours]) {
    const own = api.request
    api.request = function (...args) { replaced++; return own.apply(this, args) }
    await call((cb) => api.getIp(cb))
    delete api.request
  }
  assert.strictEqual(replaced, 1)
  // wechat-api keeps its secret on the instance (and so in every log of it).
  assert.strictEqual(theirs.appsecret, 'secret')
  assert.strictEqual(require('util').inspect(ours, { showHidden: true, depth: 4 }).includes("'secret'"), false)
  assert.strictEqual(theirs.getAccessToken(() => {}), theirs)
  assert.strictEqual(ours.getAccessToken(() => {}), undefined)

  // A network error: wechat-api's message ends with the URL and its access_token; ours names no URL.
  const kept = { accessToken: 'SECRET_TOKEN', expireTime: Date.now() + 3600e3 }
  const down = [new WechatAPI('wxdropin0003', 'secret', (cb) => cb(null, kept), (tk, cb) => cb(null)), new API('wxdropin0003', 'secret', (cb) => cb(null, kept), (tk, cb) => cb(null))]
  t.after(() => down[1].close())
  const errs = []
  for (const api of down) {
    api.endpoint = 'http://127.0.0.1:1'
    errs.push((await call((cb) => api.getIp(cb)))[0])
  }
  assert.match(errs[0].message, /SECRET_TOKEN/)
  assert.strictEqual(errs[1].name, 'TransportError')
  assert.doesNotMatch(errs[1].message, /SECRET_TOKEN|127\.0\.0\.1/)
})

'use strict'
// wechat-oauth 1.5 and `require('wxthirdparty/oauth')`, the same calls
// pointed at one recorder: the same requests on the wire and the same
// callback arguments, WeChat's errors included (wechat-oauth hands
// `(err, data)` on a code exchange and `(err, data, res)` on a profile).
const test = require('node:test')
const assert = require('node:assert')
const WechatOAuth = require('wechat-oauth')
const OAuth = require('wxthirdparty/oauth')
const { startRecorder } = require('./helpers/recorder')
const D = require('./helpers/differential')

const APPID = 'wxoauthdropin01'
const TOKEN = { access_token: 'OAUTH_AT', expires_in: 7200, refresh_token: 'OAUTH_RT', openid: 'oUser', scope: 'snsapi_userinfo' }
const PROFILE = { openid: 'oUser', nickname: '张三', sex: 1, province: 'GD', city: 'SZ', country: 'CN', headimgurl: 'http://x/0', privilege: [] }

// wechat-oauth has its URLs fixed on api.weixin.qq.com: its own request(),
// with the host swapped for the recorder's (the options merge stays its own).
function theirsAt(rec, ...args) {
  const o = new WechatOAuth(APPID, 'secret', ...args)
  o.request = function (url, opts, cb) {
    return WechatOAuth.prototype.request.call(this, url.replace('https://api.weixin.qq.com', rec.url), opts, cb)
  }
  return o
}

// create_at is the moment of the call: checked, then made equal.
function settle(x) {
  if (Array.isArray(x)) return x.map(settle)
  if (!x || typeof x !== 'object' || x instanceof Error || Buffer.isBuffer(x)) return x
  const o = {}
  for (const [k, v] of Object.entries(x)) o[k] = settle(v)
  if (typeof o.create_at === 'number' && Math.abs(o.create_at - Date.now()) < 10000) o.create_at = 'now'
  return o
}

async function both(rec, pair, run, answers = [], before = () => {}) {
  const out = []
  for (const side of pair) {
    before(side)
    rec.take(true)
    for (const [p, a] of answers) rec.answer(p, a)
    const r = await D.settleCallback((cb) => run(side, cb))
    if (r.args && r.args[1] && typeof r.args[1].isValid === 'function') r.args[1] = { AccessToken: r.args[1].data, valid: r.args[1].isValid() }
    out.push({ r: settle(r), wire: rec.take(true) })
  }
  return { diffs: [...D.wireDiff(out[0].wire, out[1].wire), ...D.callbackDiff(out[0].r, out[1].r)], ours: out[1], theirs: out[0] }
}

async function setup(t, ...args) {
  const rec = await startRecorder()
  t.after(() => rec.close())
  const ours = new OAuth(APPID, 'secret', ...(args.length ? args : [null, null, false]), { apiBase: rec.url })
  t.after(() => ours.close())
  return { rec, pair: [theirsAt(rec, ...args), ours] }
}

test('web OAuth: code exchange, refresh, profile, verify, profile by code: the same wire and callbacks', async (t) => {
  const { rec, pair } = await setup(t)
  const cases = [
    ['getAccessToken', (o, cb) => o.getAccessToken('CODE', cb), [['/sns/oauth2/access_token', { body: TOKEN }]]],
    ['getUser(openid)', (o, cb) => o.getUser('oUser', cb), [['/sns/userinfo', { body: PROFILE }]]],
    ['getUser({openid, lang})', (o, cb) => o.getUser({ openid: 'oUser', lang: 'zh_CN' }, cb), [['/sns/userinfo', { body: PROFILE }]]],
    ['refreshAccessToken', (o, cb) => o.refreshAccessToken('OAUTH_RT', cb), [['/sns/oauth2/refresh_token', { body: TOKEN }]]],
    ['verifyToken', (o, cb) => o.verifyToken('oUser', 'OAUTH_AT', cb), []],
    ['getUserByCode', (o, cb) => o.getUserByCode('CODE2', cb), [['/sns/oauth2/access_token', { body: TOKEN }], ['/sns/userinfo', { body: PROFILE }]]],
    ['getUserByCode({code, lang})', (o, cb) => o.getUserByCode({ code: 'CODE3', lang: 'zh_TW' }, cb), [['/sns/oauth2/access_token', { body: TOKEN }], ['/sns/userinfo', { body: PROFILE }]]],
    // WeChat's errors: wechat-oauth hands WeChat's JSON beside the error.
    ['getAccessToken, code used', (o, cb) => o.getAccessToken('USED', cb), [['/sns/oauth2/access_token', { body: { errcode: 40163, errmsg: 'code been used, rid: 1' } }]]],
    ['refreshAccessToken, bad refresh token', (o, cb) => o.refreshAccessToken('BAD', cb), [['/sns/oauth2/refresh_token', { body: { errcode: 40030, errmsg: 'invalid refresh_token' } }]]],
    ['getUser, WeChat error', (o, cb) => o.getUser('oUser', cb), [['/sns/userinfo', { body: { errcode: 40003, errmsg: 'invalid openid', extra: 1 } }]]],
    ['verifyToken, invalid', (o, cb) => o.verifyToken('oUser', 'OLD', cb), [['/sns/auth', { body: { errcode: 40001, errmsg: 'invalid credential' } }]]],
    ['getUserByCode, bad code', (o, cb) => o.getUserByCode('BADCODE', cb), [['/sns/oauth2/access_token', { body: { errcode: 40029, errmsg: 'invalid code' } }]]],
    ['getUser, never authorized', (o, cb) => o.getUser('oNobody', cb), []],
  ]
  for (const [label, run, answers] of cases) {
    const { diffs, ours } = await both(rec, pair, run, answers)
    assert.deepStrictEqual(diffs, [], label)
    assert.ok(ours.r.args, `${label}: ours called back`)
  }
})

test("user-kept tokens (getToken / saveToken): an expired one is refreshed before the profile, as wechat-oauth does", async (t) => {
  const kept = {}
  const selves = []
  const getToken = function (openid, cb) { selves.push(this); cb(null, kept[openid]) }
  const saveToken = function (openid, token, cb) { selves.push(this); kept[openid] = token; cb(null) }
  const { rec, pair } = await setup(t, getToken, saveToken, false)
  const expired = () => { kept.oUser = { ...TOKEN, create_at: Date.now() - 7300e3 } }
  const { diffs } = await both(rec, pair, (o, cb) => o.getUser('oUser', cb), [['/sns/oauth2/refresh_token', { body: { ...TOKEN, access_token: 'FRESH_AT' } }], ['/sns/userinfo', { body: PROFILE }]], expired)
  assert.deepStrictEqual(diffs, [])
  assert.strictEqual(kept.oUser.access_token, 'FRESH_AT')
  assert.ok(selves.every((s) => pair.includes(s)), 'getToken / saveToken are called with the OAuth as `this`')
})

test('mini programs: jscode2session on the same wire; the session kept', async (t) => {
  const session = { session_key: Buffer.alloc(16, 7).toString('base64'), openid: 'oMini' }
  const { rec, pair } = await setup(t, null, null, true)
  const { diffs } = await both(rec, pair, (o, cb) => o.getSessionKey('JSCODE', cb), [['/sns/jscode2session', { body: session }]])
  assert.deepStrictEqual(diffs, [])
  const bad = await both(rec, pair, (o, cb) => o.getSessionKey('BAD', cb), [['/sns/jscode2session', { body: { errcode: 40029, errmsg: 'invalid code' } }]])
  assert.deepStrictEqual(bad.diffs, [])
})

test("setOpts / request: wechat-oauth's urllib defaults and raw requests", async (t) => {
  const { rec, pair } = await setup(t)
  for (const o of pair) o.setOpts({ headers: { 'X-From': 'defaults' }, timeout: 3000 })
  assert.deepStrictEqual(pair[1].defaults, pair[0].defaults)
  const { diffs } = await both(rec, pair, (o, cb) => o.request(rec.url + '/raw?x=1', { data: { y: 2 }, dataType: 'json' }, cb))
  assert.deepStrictEqual(diffs, [])
})

'use strict'
// OAuth (wechat-oauth compatible) against the sandbox: URLs checked against
// wechat-oauth itself, every method, both storage modes (the store, and the
// user's getToken / saveToken), mini programs, WeChat's errors and faults.
const { test, describe, before, after } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('crypto')
const WechatOAuth = require('wechat-oauth')
const { OAuth, NoOAuthTokenError, NotFoundError, startSandbox } = require('..')
const { credentials, tempSqlite } = require('./helpers/platform')

const REFRESH = '/sns/oauth2/refresh_token'
const count = async (sandbox, path) => (await sandbox.counters())[path] || 0

/** A sandbox with one registered app and OAuth factories for it. */
async function appSetup(sandboxOptions) {
  const sandbox = await startSandbox(sandboxOptions || {})
  const { appid, secret } = credentials()
  await sandbox.registerApp(appid, secret)
  const db = tempSqlite()
  const made = []
  const make = (getToken, saveToken, isMini, options) => {
    const o = new OAuth(appid, secret, getToken, saveToken, isMini, { apiBase: sandbox.url, ...options })
    made.push(o)
    return o
  }
  return {
    sandbox, appid, secret, db, make,
    async close() {
      for (const o of made) await o.close()
      await sandbox.close()
      db.cleanup()
    },
  }
}

/** getToken / saveToken over a Map, counting calls (wechat-oauth's shapes). */
function memoryCallbacks() {
  const rows = new Map()
  const calls = { get: 0, save: 0 }
  return {
    rows,
    calls,
    getToken(openid, cb) { calls.get++; cb(null, rows.get(openid)) },
    saveToken(openid, token, cb) { calls.save++; rows.set(openid, token); cb(null) },
  }
}

describe('authorize URLs', () => {
  const cases = [
    ['https://example.com/cb', 'st', 'snsapi_userinfo'],
    ['https://example.com/cb?x=1&y=中文 空格', "!'()*~-_.", undefined],
    ['http://127.0.0.1:3000/a#frag', undefined, undefined],
    ['https://example.com/', 42, 'snsapi_base'],
    ['https://e.com/😀', '', ''],
  ]
  test('are exactly what wechat-oauth builds', () => {
    const ours = new OAuth('wx0123456789abcdef', 'secret', null, null, false, { db: 'sqlite::memory:' })
    const theirs = new WechatOAuth('wx0123456789abcdef', 'secret')
    for (const [r, s, sc] of cases) {
      assert.equal(ours.getAuthorizeURL(r, s, sc), theirs.getAuthorizeURL(r, s, sc))
      assert.equal(ours.getAuthorizeURLForWebsite(r, s, sc), theirs.getAuthorizeURLForWebsite(r, s, sc))
    }
    assert.equal(ours.getAuthorizeURLForWebsite('https://a.b/'), theirs.getAuthorizeURLForWebsite('https://a.b/'))
  })
  test('bad arguments are TypeErrors naming the argument', () => {
    const o = new OAuth('wx1', 'secret')
    assert.throws(() => o.getAuthorizeURL(''), { name: 'TypeError', message: /redirect/ })
    assert.throws(() => o.getAuthorizeURL('https://a/', {}), { name: 'TypeError', message: /state/ })
    assert.equal(require('util').inspect(new OAuth('wx1', 'very-secret-value')).includes('very-secret-value'), false)
    assert.throws(() => o.setOpts(5), { name: 'TypeError', message: /opts/ })
    o.setOpts({ timeout: 15000 })
    assert.throws(() => new OAuth('', 's'), { name: 'TypeError', message: /appid/ })
    assert.throws(() => new OAuth('wx1', ''), { name: 'TypeError', message: /appsecret/ })
    assert.throws(() => new OAuth('wx1', 's', () => {}), { name: 'TypeError', message: /saveToken/ })
    assert.throws(() => new OAuth('wx1', 's', null, null, false, { db: 42 }), { name: 'TypeError', message: /db/ })
    assert.throws(() => new OAuth('wx1', 's', null, null, false, { db: 'redis://x' }), { name: 'TypeError', message: /db/ })
  })
})

for (const mode of ['store', 'callbacks']) {
  describe(`web OAuth, tokens kept by ${mode === 'store' ? 'the store' : 'getToken / saveToken'}`, { timeout: 60000 }, () => {
    let env, oauth, cbs
    before(async () => {
      env = await appSetup()
      cbs = memoryCallbacks()
      oauth = mode === 'store'
        ? env.make(null, null, false, { db: env.db.url })
        : env.make(cbs.getToken, cbs.saveToken)
    })
    after(() => env.close())

    test('getAccessToken → { data } with isValid(), and getUser uses the kept token', async () => {
      const { code, openid } = await env.sandbox.oauthCode(env.appid, { scope: 'snsapi_userinfo' })
      const before = Date.now()
      const token = await oauth.getAccessToken(code)
      assert.equal(token.isValid(), true)
      const d = token.data
      assert.deepEqual(Object.keys(d).sort(), ['access_token', 'create_at', 'expires_in', 'openid', 'refresh_token', 'scope', 'unionid'])
      assert.equal(d.openid, openid)
      assert.equal(d.scope, 'snsapi_userinfo')
      assert.ok(d.create_at >= before && d.create_at <= Date.now())
      assert.equal(d.expires_in, (await env.sandbox.config()).lifetimes.oauth)
      if (mode === 'callbacks') assert.deepEqual(cbs.rows.get(openid), d)

      const user = await oauth.getUser(openid)
      assert.equal(user.openid, openid)
      assert.equal(user.language, 'en') // wechat-oauth's default lang
      const zh = await oauth.getUser({ openid, lang: 'zh_CN' })
      assert.equal(zh.language, 'zh_CN')
      assert.equal(await count(env.sandbox, REFRESH), 0)
    })

    test('callbacks: (err, result) for every async method', async () => {
      const { code, openid } = await env.sandbox.oauthCode(env.appid, {})
      const token = await new Promise((resolve, reject) => oauth.getAccessToken(code, (e, r) => (e ? reject(e) : resolve(r))))
      assert.equal(token.data.openid, openid)
      const user = await new Promise((resolve, reject) => oauth.getUser(openid, (e, r) => (e ? reject(e) : resolve(r))))
      assert.equal(user.openid, openid)
      const err = await new Promise((resolve) => oauth.getAccessToken(code, (e) => resolve(e)))
      assert.equal(err.name, 'WeChatAPIError')
      assert.equal(err.code, 40163) // code been used
      const typeErr = await new Promise((resolve) => oauth.getUser('', (e) => resolve(e)))
      assert.equal(typeErr.name, 'TypeError')
    })

    test('getUserByCode(code | { code, lang }) and verifyToken', async () => {
      const a = await env.sandbox.oauthCode(env.appid, {})
      assert.equal((await oauth.getUserByCode(a.code)).openid, a.openid)
      const b = await env.sandbox.oauthCode(env.appid, {})
      const user = await oauth.getUserByCode({ code: b.code, lang: 'zh_TW' })
      assert.equal(user.openid, b.openid)
      assert.equal(user.language, 'zh_TW')
      const c = await env.sandbox.oauthCode(env.appid, {})
      const t = await oauth.getAccessToken(c.code)
      const ok = await oauth.verifyToken(c.openid, t.data.access_token)
      assert.equal(ok.errcode, 0)
      await assert.rejects(oauth.verifyToken(c.openid, 'not-a-token'), (e) => e.name === 'WeChatAPIError' && e.code === 40001)
    })

    test('refreshAccessToken gives a new token, which getUser then uses', async () => {
      const { code, openid } = await env.sandbox.oauthCode(env.appid, {})
      const first = await oauth.getAccessToken(code)
      const second = await oauth.refreshAccessToken(first.data.refresh_token)
      assert.notEqual(second.data.access_token, first.data.access_token)
      assert.equal(second.data.openid, openid)
      // The old token is superseded upstream: getUser must present the new one.
      const rejected = (await env.sandbox.invalidTokenCalls()).length
      assert.equal((await oauth.getUser(openid)).openid, openid)
      assert.equal((await env.sandbox.invalidTokenCalls()).length, rejected)
      await assert.rejects(oauth.refreshAccessToken('nope'), (e) => e.name === 'WeChatAPIError' && e.code === 40030)
    })

    test('a token rejected by WeChat (voided) is refreshed once and the call retried', async () => {
      const { code, openid } = await env.sandbox.oauthCode(env.appid, {})
      await oauth.getAccessToken(code)
      await env.sandbox.invalidateTokens()
      const refreshes = await count(env.sandbox, REFRESH)
      assert.equal((await oauth.getUser(openid)).openid, openid)
      assert.equal(await count(env.sandbox, REFRESH), refreshes + 1)
    })

    test('getUser for a user who never authorized: NoOAuthTokenError, no WeChat call', async () => {
      const before = await env.sandbox.counters()
      await assert.rejects(oauth.getUser('o-never-seen'),
        (e) => e instanceof NoOAuthTokenError && e instanceof NotFoundError && e.name === 'NoOAuthTokenError' && /o-never-seen/.test(e.message))
      assert.deepEqual(await env.sandbox.counters(), before)
    })

    test('WeChat errors, HTTP 500 and resets reach the caller; the store is untouched', async () => {
      const { code, openid } = await env.sandbox.oauthCode(env.appid, {})
      const kept = await oauth.getAccessToken(code)
      await assert.rejects(oauth.getAccessToken('bad-code'), (e) => e.name === 'WeChatAPIError' && e.code === 40029)
      await env.sandbox.injectFault('/sns/userinfo', -1)
      await assert.rejects(oauth.getUser(openid), (e) => e.name === 'WeChatAPIError' && e.code === -1)
      await env.sandbox.injectFault('/sns/oauth2/access_token', 'http500')
      const c2 = await env.sandbox.oauthCode(env.appid, {})
      await assert.rejects(oauth.getAccessToken(c2.code), (e) => e.name === 'TransportError' && /500/.test(e.message))
      await env.sandbox.injectFault('/sns/userinfo', 'reset')
      await assert.rejects(oauth.getUser(openid), (e) => e.name === 'TransportError')
      // Still served, with the same kept token (no refresh happened).
      const refreshes = await count(env.sandbox, REFRESH)
      assert.equal((await oauth.getUser(openid)).openid, openid)
      assert.equal(await count(env.sandbox, REFRESH), refreshes)
      if (mode === 'callbacks') assert.equal(cbs.rows.get(openid).access_token, kept.data.access_token)
      assert.throws(() => oauth.getAccessToken(42), { name: 'TypeError', message: /code/ })
    })
  })
}

describe('expired user tokens', { timeout: 60000 }, () => {
  let env
  before(async () => { env = await appSetup({ lifetimes: { oauth: 1 } }) })
  after(() => env.close())

  test('store: concurrent getUser calls refresh an expired token once', async () => {
    const oauth = env.make(null, null, false, { db: env.db.url })
    const { code, openid } = await env.sandbox.oauthCode(env.appid, {})
    const t = await oauth.getAccessToken(code)
    await new Promise((r) => setTimeout(r, 1200))
    assert.equal(t.isValid(), false)
    const refreshes = await count(env.sandbox, REFRESH)
    const users = await Promise.all([1, 2, 3, 4].map(() => oauth.getUser(openid)))
    for (const u of users) assert.equal(u.openid, openid)
    assert.equal(await count(env.sandbox, REFRESH), refreshes + 1)
    assert.equal((await env.sandbox.invalidTokenCalls()).length, 0)
  })

  test('callbacks: an expired token is refreshed once and saved through saveToken', async () => {
    const cbs = memoryCallbacks()
    const oauth = env.make(cbs.getToken, cbs.saveToken)
    const { code, openid } = await env.sandbox.oauthCode(env.appid, {})
    const t = await oauth.getAccessToken(code)
    await new Promise((r) => setTimeout(r, 1200))
    const refreshes = await count(env.sandbox, REFRESH)
    assert.equal((await oauth.getUser(openid)).openid, openid)
    assert.equal(await count(env.sandbox, REFRESH), refreshes + 1)
    assert.notEqual(cbs.rows.get(openid).access_token, t.data.access_token)
    assert.equal(cbs.calls.save, 2)
  })
})

describe('mini programs', { timeout: 60000 }, () => {
  let env
  before(async () => { env = await appSetup() })
  after(() => env.close())

  for (const mode of ['store', 'callbacks']) {
    test(`${mode}: getSessionKey, decryptMiniProgramUser (sessionKey or openid), getUserByCode`, async () => {
      const cbs = memoryCallbacks()
      const oauth = mode === 'store' ? env.make(null, null, true, { db: env.db.url }) : env.make(cbs.getToken, cbs.saveToken, true)
      assert.equal(oauth.isMiniProgram, true)
      const login = await env.sandbox.jsCode(env.appid, {})
      const s = await oauth.getSessionKey(login.code)
      assert.equal(s.data.session_key, login.sessionKey)
      assert.equal(s.data.openid, login.openid)
      assert.equal(s.isValid(), false) // no access_token: wechat-oauth's AccessToken says so too
      if (mode === 'callbacks') assert.deepEqual(cbs.rows.get(login.openid), s.data)

      // Synchronous with a sessionKey, as wechat-oauth.
      const user = oauth.decryptMiniProgramUser({ sessionKey: s.data.session_key, encryptedData: login.encryptedData, iv: login.iv })
      assert.equal(user.openId, login.openid)
      assert.equal(user.watermark.appid, env.appid)
      // With the openid, the kept session key is used.
      const again = await oauth.decryptMiniProgramUser({ openid: login.openid, encryptedData: login.encryptedData, iv: login.iv })
      assert.deepEqual(again, user)

      const login2 = await env.sandbox.jsCode(env.appid, {})
      const viaCode = await oauth.getUserByCode({ code: login2.code, encryptedData: login2.encryptedData, iv: login2.iv })
      assert.equal(viaCode.openId, login2.openid)
    })
  }

  test('watermark of another app, wrong iv, unknown openid, bad js_code', async () => {
    const oauth = env.make(null, null, true, { db: env.db.url })
    const login = await env.sandbox.jsCode(env.appid, {})
    const s = await oauth.getSessionKey(login.code)
    const other = new OAuth('wxanotherapp', 'secret', null, null, true)
    assert.throws(() => other.decryptMiniProgramUser({ sessionKey: s.data.session_key, encryptedData: login.encryptedData, iv: login.iv }),
      { name: 'CryptoError', message: /watermark/ })
    const wrongIv = crypto.randomBytes(16).toString('base64')
    assert.throws(() => oauth.decryptMiniProgramUser({ sessionKey: s.data.session_key, encryptedData: login.encryptedData, iv: wrongIv }),
      (e) => e.name === 'CryptoError')
    await assert.rejects(oauth.decryptMiniProgramUser({ openid: 'o-unknown', encryptedData: login.encryptedData, iv: login.iv }),
      (e) => e.name === 'NotFoundError' && /o-unknown/.test(e.message))
    assert.throws(() => oauth.decryptMiniProgramUser({ encryptedData: 'x', iv: 'y' }), { name: 'TypeError', message: /openid/ })
    await assert.rejects(oauth.getSessionKey('bad'), (e) => e.name === 'WeChatAPIError' && e.code === 40029)
    // The failed calls left the kept session key alone.
    const user = await oauth.decryptMiniProgramUser({ openid: login.openid, encryptedData: login.encryptedData, iv: login.iv })
    assert.equal(user.openId, login.openid)
  })
})

describe("wechat-oauth's README examples, unchanged apart from the require line", { timeout: 60000 }, () => {
  let env, cwd, dir
  before(async () => {
    env = await appSetup()
    process.env.WXTHIRDPARTY_API_BASE = env.sandbox.url
    cwd = process.cwd()
    dir = require('fs').mkdtempSync(require('path').join(require('os').tmpdir(), 'wxtp-oauth-readme-'))
    process.chdir(dir)
  })
  after(async () => {
    process.chdir(cwd)
    require('fs').rmSync(dir, { recursive: true, force: true })
    delete process.env.WXTHIRDPARTY_API_BASE
    await env.close()
  })

  test('single process, file-backed tokens, authorize URL, getAccessToken, getUser', async () => {
    const fs = require('fs')
    const appid = env.appid
    const secret = env.secret
    const { code: theCode, openid: expected } = await env.sandbox.oauthCode(appid, {})
    var OAuth = require('..').OAuth
    var client = new OAuth('your appid', 'your secret')
    var oauthApi = new OAuth(appid, secret, function (openid, callback) {
      // 传入一个根据openid获取对应的全局token的方法
      // 在getUser时会通过该方法来获取token
      fs.readFile(openid +':access_token.txt', 'utf8', function (err, txt) {
        if (err) {return callback(err);}
        callback(null, JSON.parse(txt));
      });
    }, function (openid, token, callback) {
      // 请将token存储到全局，跨进程、跨机器级别的全局，比如写到数据库、redis等
      // 这样才能在cluster模式及多机情况下使用，以下为写入到文件的示例
      // 持久化时请注意，每个openid都对应一个唯一的token!
      fs.writeFile(openid + ':access_token.txt', JSON.stringify(token), callback);
    });
    var url = client.getAuthorizeURL('redirectUrl', 'state', 'scope');
    assert.match(url, /^https:\/\/open\.weixin\.qq\.com\/connect\/oauth2\/authorize\?appid=your%20appid&/)
    var url2 = client.getAuthorizeURLForWebsite('redirectUrl');
    assert.match(url2, /qrconnect.*scope=snsapi_login/)

    const { accessToken, openid } = await new Promise((done) => {
      client = oauthApi
      client.getAccessToken(theCode, function (err, result) {
        assert.ifError(err)
        var accessToken = result.data.access_token;
        var openid = result.data.openid;
        done({ accessToken, openid })
      });
    })
    assert.equal(openid, expected)
    assert.equal(JSON.parse(fs.readFileSync(openid + ':access_token.txt', 'utf8')).access_token, accessToken)
    const userInfo = await new Promise((done) => {
      client.getUser(openid, function (err, result) {
        assert.ifError(err)
        var userInfo = result;
        done(userInfo)
      });
    })
    assert.equal(userInfo.openid, expected)
  })

  test('MySQL example: the token table and REPLACE INTO through getToken / saveToken', async () => {
    const { MYSQL, freshDatabase } = require('./helpers/databases')
    const mysql = require('mysql2')
    const fresh = freshDatabase('mysql', MYSQL)
    const db = mysql.createConnection(fresh.url)
    const query = (sql) => db.promise().query(sql)
    try {
      await query(`CREATE TABLE \`token\` (
  \`access_token\` varchar(200) COLLATE utf8_bin NOT NULL COMMENT '令牌',
  \`expires_in\` varchar(10) COLLATE utf8_bin NOT NULL COMMENT '有效期',
  \`refresh_token\` varchar(200) COLLATE utf8_bin NOT NULL COMMENT '刷新参数',
  \`openid\` varchar(50) COLLATE utf8_bin NOT NULL COMMENT '用户编号',
  \`scope\` varchar(50) COLLATE utf8_bin NOT NULL COMMENT '作用域',
  \`create_at\` varchar(20) COLLATE utf8_bin NOT NULL COMMENT '令牌建立时间'
) ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_bin COMMENT='微信令牌表';`)
      await query('ALTER TABLE `token` ADD UNIQUE KEY `openid` (`openid`);')
      const appid = env.appid
      const secret = env.secret
      var Oauth = require('..').OAuth
      var client = new Oauth(appid, secret, function (openid, callback) {
        var sql = 'SELECT * FROM token WHERE openid = ?';
        db.query(sql, [openid], function (err, result) {
          if(err) {
            return callback(err);
          }
          return callback(null, result[0]);
        });
      }, function (openid, token, callback) {
        var sql = 'REPLACE INTO token(access_token, expires_in, refresh_token, openid, scope, create_at) VALUES(?, ?, ?, ?, ?, ?)';
        var fields = [token.access_token, token.expires_in, token.refresh_token, token.openid, token.scope, token.create_at];
        db.query(sql, fields, function (err, result) {
          return callback(err);
        });
      });
      const { code, openid } = await env.sandbox.oauthCode(appid, {})
      const t = await client.getAccessToken(code)
      const [rows] = await query('SELECT * FROM token')
      assert.equal(rows.length, 1)
      assert.equal(rows[0].access_token, t.data.access_token)
      // The row comes back with strings for expires_in / create_at (varchar): getUser still judges it.
      assert.equal((await client.getUser(openid)).openid, openid)
      assert.equal(await count(env.sandbox, '/sns/oauth2/refresh_token'), 0)
      // Aged in the table, the token is seen as expired and refreshed once.
      await query(`UPDATE token SET create_at = '${Date.now() - 7201 * 1000}'`)
      assert.equal((await client.getUser(openid)).openid, openid)
      assert.equal(await count(env.sandbox, '/sns/oauth2/refresh_token'), 1)
      const [after] = await query('SELECT * FROM token')
      assert.equal(after.length, 1)
      assert.notEqual(after[0].access_token, t.data.access_token)
    } finally {
      await new Promise((r) => db.end(r))
      fresh.drop()
    }
  })

  test('mini program initialisation (single and multi process)', async () => {
    const rows = {}
    const getToken = (openid, cb) => cb(null, rows[openid])
    const saveToken = (openid, token, cb) => { rows[openid] = token; cb(null) }
    var OAuth = require('..').OAuth;
    var client = new OAuth(env.appid, env.secret, null, null, true); // 最后一个参数即isMiniProgram
    var oauthApi = new OAuth(env.appid, env.secret, getToken, saveToken, true);
    for (const c of [client, oauthApi]) {
      const login = await env.sandbox.jsCode(env.appid, {})
      const s = await c.getSessionKey(login.code)
      assert.equal(s.data.session_key, login.sessionKey)
      await c.close()
    }
    assert.ok(Object.keys(rows).length === 1)
  })
})

'use strict'
// The bad-input catalogue: malformed inputs a new user (or an attacker) hands
// to save_ticket, the push middleware, messages(), OAuth, the token service
// (HTTP and client), the CLI and the constructors. Each row names the error
// it must get (class and a fragment naming the problem); for every row the
// answer carries no secret, the stored state is the same before and after,
// and a good call right after succeeds. Real parts only: a platform on a
// MariaDB database, a token service and OAuth on SQLite files, the sandbox
// over HTTP, the CLI spawned.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const path = require('path')
const crypto = require('crypto')
const { spawn, execFileSync } = require('child_process')
const { once } = require('events')
const {
  ThirdpartyServer, WXBizMsgCrypt, WXBizDataCrypt, API, OAuth, startSandbox, startTokenService, startConsole,
  CryptoError, ParseError, StoreError, WeChatAPIError, NotFoundError, TransportError,
} = require('..')
const { platformSetup, listen, tempSqlite } = require('./helpers/platform')
const { freshMysql, sealedRequest, textXml, waitFor } = require('./helpers/messages')

const BIN = path.join(__dirname, '..', 'bin', 'wxthirdparty.js')
const MYSQL = new URL(process.env.WXTP_TEST_MYSQL || 'mysql://root@127.0.0.1:3306/test')
const POSTGRES = new URL(process.env.WXTP_TEST_POSTGRES || 'postgres://postgres@127.0.0.1:5432/test')
const PASSWORD = 'hunter2-db-password'
const AUTH = `bearer-${crypto.randomBytes(8).toString('hex')}`
const ADMIN = `admin-${crypto.randomBytes(8).toString('hex')}`
const OPERATOR = `operator-${crypto.randomBytes(8).toString('hex')}`
const VIEWER = `viewer-${crypto.randomBytes(8).toString('hex')}`
const key43 = () => crypto.randomBytes(32).toString('base64').slice(0, 43)

// ---- the world the rows run against -------------------------------------

let env, platform, mysql, messageServer, authorizer, svc, svcDb, app, oauth, oauthDb, mini, miniApp, con
const events = []

before(async () => {
  env = await platformSetup()
  mysql = freshMysql('wxtp_bad')
  const { appid, secret, token, key } = env.creds
  platform = new ThirdpartyServer(appid, secret, token, key, mysql.url, false, { apiBase: env.sandbox.url, maxTickMs: 300, pollIntervalMs: 100 })
  for (const ev of ['push_rejected', 'message_rejected', 'db_error']) platform.on(ev, (e) => events.push([ev, e]))
  env.receiver.box.handler = platform.middleware()
  const ready = once(platform, 'ready')
  platform.start()
  await ready
  messageServer = await listen(platform.messages((m) => (m.MsgType === 'text' ? `echo ${m.Content}` : undefined)))
  await env.sandbox.setMessageUrl(appid, `${messageServer.url}/wechat/$APPID$/callback`)
  const auth = await env.sandbox.authorize(appid, { followers: 2 })
  await platform.handleAuthCode(auth.authCode)
  authorizer = auth.authorizerAppid

  svcDb = tempSqlite()
  app = { appid: `wxsvc${crypto.randomBytes(6).toString('hex')}`, secret: crypto.randomBytes(16).toString('hex') }
  await env.sandbox.registerApp(app)
  svc = await startTokenService({ db: svcDb.url, apiBase: env.sandbox.url, authToken: AUTH, adminToken: ADMIN })
  assert.equal((await http('/wechat/app/create', { method: 'POST', body: JSON.stringify(app), auth: ADMIN })).status, 200)
  assert.equal((await http(`/${app.appid}/wechat/token/get`)).status, 200)

  oauthDb = tempSqlite()
  oauth = new OAuth(app.appid, app.secret, null, null, false, { db: oauthDb.url, apiBase: env.sandbox.url })
  miniApp = { appid: `wxmini${crypto.randomBytes(5).toString('hex')}`, secret: crypto.randomBytes(16).toString('hex') }
  await env.sandbox.registerApp(miniApp)
  mini = new OAuth(miniApp.appid, miniApp.secret, null, null, true, { db: oauthDb.url, apiBase: env.sandbox.url })
  const login = await env.sandbox.jsCode(miniApp.appid, {})
  await mini.getSessionKey(login.code)

  // The operator console over the platform's database.
  con = await startConsole({ db: mysql.url, token: OPERATOR, viewerToken: VIEWER, componentAppid: appid })
})

after(async () => {
  await oauth?.close()
  await mini?.close()
  await svc?.close()
  await con?.close()
  await messageServer?.close()
  await platform?.close()
  await env?.close()
  mysql?.drop()
  svcDb?.cleanup()
  oauthDb?.cleanup()
})

/** An `unauthorized` push for the live authorizer, created and signed `at`. */
function revocationAt(at) {
  const inner = `<xml><AppId><![CDATA[${env.creds.appid}]]></AppId><CreateTime>${at}</CreateTime><InfoType><![CDATA[unauthorized]]></InfoType>` +
    `<AuthorizerAppid><![CDATA[${authorizer}]]></AuthorizerAppid></xml>`
  return sealedPush(env.creds, inner, at)
}

/** A request to the token service (bearer included unless `auth` is given). */
async function http(route, { method = 'GET', body, auth = AUTH, headers = {} } = {}) {
  const res = await fetch(`${svc.url}${route}`, { method, body, headers: { ...(auth ? { authorization: `Bearer ${auth}` } : {}), ...headers } })
  return { status: res.status, text: await res.text() }
}

/** GET with a chosen Host header (fetch will not send one). */
function rawGet(base, route, host) {
  return new Promise((resolve, reject) => {
    require('http').get(`${base}${route}`, { headers: { host } }, (res) => {
      let text = ''
      res.on('data', (d) => { text += d })
      res.on('end', () => resolve({ status: res.statusCode, text }))
    }).on('error', reject)
  })
}

/**
 * A raw request (the path as written: no URL normalisation, any Host);
 * resolves to `{ status, text }`, the text led by the Location header when
 * there is one.
 */
function raw(base, path, { method = 'GET', headers = {}, body } = {}) {
  const u = new URL(base)
  return new Promise((resolve, reject) => {
    let answered = false
    const req = require('http').request({ host: u.hostname, port: u.port, path, method, headers: { ...(body ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } : {}), ...headers } }, (res) => {
      answered = true
      let text = res.headers.location ? `location: ${res.headers.location}\n` : ''
      res.on('data', (d) => { text += d })
      res.on('end', () => resolve({ status: res.statusCode, text, headers: res.headers }))
    })
    // A server may answer (413) and close before the whole body is sent: the answer counts.
    req.on('error', (e) => { if (!answered) reject(e) })
    req.end(body)
  })
}

/** A console session: its cookie and CSRF token. */
async function consoleLogin(user = 'operator', password = OPERATOR) {
  const r = await raw(con.url, '/login', { method: 'POST', body: new URLSearchParams({ user, password }).toString() })
  assert.equal(r.status, 303, r.text)
  const cookie = String(r.headers['set-cookie']).split(';')[0]
  const page = await raw(con.url, '/authorizers', { headers: { cookie } })
  const csrf = /name="csrf" value="([0-9a-f]+)"/.exec(page.text)[1]
  return { cookie, csrf }
}

/** An operator action (end every other session) with the session's cookie and `csrf`. */
async function consoleAct(session, csrf) {
  const body = csrf === undefined ? '' : new URLSearchParams({ csrf }).toString()
  return raw(con.url, '/sessions/end', { method: 'POST', headers: { cookie: session.cookie }, body: body || undefined })
}

function cli(...args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, WXTP_APP_SECRET: '' } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => { stdout += d })
    child.stderr.on('data', (d) => { stderr += d })
    child.on('close', (status) => resolve({ cli: true, status, stdout, stderr }))
  })
}

// ---- stored state and secrets ---------------------------------------------

const mysqlArgs = () => {
  const u = new URL(mysql.url)
  return ['-h', u.hostname, '-P', u.port || '3306', '-u', decodeURIComponent(u.username), ...(u.password ? [`-p${decodeURIComponent(u.password)}`] : []), '-N', '-B', u.pathname.slice(1)]
}
const onMysql = (sql) => execFileSync('mariadb', [...mysqlArgs(), '-e', sql], { encoding: 'utf8' })
const onSqlite = (db, sql) => execFileSync('sqlite3', [db.url.replace(/^sqlite:\/\//, ''), sql], { encoding: 'utf8' })

const TOKENS = 'SELECT component_appid, kind, appid, value, refresh_token FROM wxtp_tokens ORDER BY component_appid, kind, appid'
/** What a bad input must not change: authorizers, tokens, message claims, tickets, apps. */
function snapshot() {
  return {
    platform: [
      'SELECT appid, wx_token, authorized, refresh_token FROM wx_users_info ORDER BY appid',
      TOKENS,
      // Claims only: a good message's claim may still be moving to 'replied'.
      'SELECT scope, msg_key FROM wxtp_messages ORDER BY scope, msg_key',
      'SELECT ticket FROM component_secrets ORDER BY id',
      'SELECT count(*) FROM wx_followers_info',
    ].map(onMysql),
    service: [TOKENS, 'SELECT appid, secret FROM wxtp_apps ORDER BY appid'].map((q) => onSqlite(svcDb, q)),
    oauth: onSqlite(oauthDb, TOKENS),
  }
}

/** Every secret the test knows: credentials, keys, the bearer and every stored token. */
function secrets() {
  const stored = [onMysql(TOKENS), onSqlite(svcDb, TOKENS), onSqlite(oauthDb, TOKENS)]
    .flatMap((rows) => rows.split('\n').flatMap((r) => r.split('\t').slice(3)))
    .filter((v) => v && v !== 'NULL' && v.length >= 8)
  return [env.creds.secret, env.creds.token, env.creds.key, app.secret, miniApp.secret, AUTH, PASSWORD, ...stored]
}

// ---- the good call of each area (after every bad one) ---------------------

const nowSecs = () => Math.floor(Date.now() / 1000)
const DAY = 86400

function sealedPush(creds = env.creds, inner, at = nowSecs()) {
  inner = inner || `<xml><AppId><![CDATA[${creds.appid}]]></AppId><CreateTime>${at}</CreateTime>` +
    `<InfoType><![CDATA[component_verify_ticket]]></InfoType><ComponentVerifyTicket><![CDATA[ticket@@@good${crypto.randomBytes(4).toString('hex')}]]></ComponentVerifyTicket></xml>`
  const { query, body } = sealedRequest(creds, inner, undefined, at)
  return { query: Object.fromEntries(query), body }
}

async function postAuth(body, query) {
  const res = await fetch(`${env.receiver.url}/wechat/auth?${new URLSearchParams(query)}`, { method: 'POST', body })
  return { status: res.status, text: await res.text() }
}

async function postMessage(body, query, method = 'POST') {
  const res = await fetch(`${messageServer.url}/wechat/${authorizer}/callback?${new URLSearchParams(query)}`, { method, body })
  return { status: res.status, text: await res.text() }
}

const good = {
  constructor: () => {
    const c = new WXBizMsgCrypt('token', key43(), 'wxappid')
    assert.equal(c.decrypt(c.encrypt('still here')).message, 'still here')
  },
  save_ticket: async () => {
    const { body, query } = sealedPush()
    await platform.handleEvent(body, query)
  },
  middleware: async () => {
    const { body, query } = sealedPush()
    const r = await postAuth(body, query)
    assert.equal(r.status, 200, r.text)
  },
  messages: async () => {
    const d = await env.sandbox.sendMessage(authorizer, { MsgType: 'text', Content: 'still here' })
    assert.equal(d.reply.Content, 'echo still here')
    // The ledger writes a fresh delivery's claim and reply behind the answer
    // (messages_dedup.rs); wait for them, or the next row's snapshot races them.
    await waitFor(() => onMysql(`SELECT state FROM wxtp_messages WHERE msg_key = 'id:${d.message.MsgId}'`).trim() === '1', 'the good message recorded')
  },
  oauth: async () => {
    const { code, openid } = await env.sandbox.oauthCode(app.appid, {})
    assert.equal((await oauth.getAccessToken(code)).data.openid, openid)
  },
  service: async () => {
    const r = await http(`/${app.appid}/wechat/token/get`)
    assert.equal(r.status, 200, r.text)
  },
  client: async () => {
    const api = new API(app.appid, null, { tokenService: svc.url, authToken: AUTH, apiBase: env.sandbox.url })
    assert.ok(Array.isArray((await api.getFollowers()).data.openid))
  },
  cli: async () => {
    const r = await cli('install', '--db', svcDb.url)
    assert.equal(r.status, 0, r.stderr)
  },
  console: async () => {
    const s = await consoleLogin()
    const page = await raw(con.url, '/authorizers', { headers: { cookie: s.cookie } })
    assert.equal(page.status, 200)
    assert.match(page.text, new RegExp(authorizer))
  },
}

// ---- the catalogue ----------------------------------------------------------
// run() throws, rejects or resolves to an Error (events), an HTTP answer
// {status, text} or a CLI result {status, stderr}. expect: name (error class,
// `HTTP <status>` or `exit <code>`), message (what it must say).

const C = () => env.creds
const otherKey = key43()
const badDb = (u) => ({ run: async () => dbErrorOf(u) })
async function dbErrorOf(url) {
  const p = new ThirdpartyServer('wxbaddb0000000001', 'secret-bad-db', 'tok', key43(), url, false, { apiBase: env.sandbox.url })
  const got = new Promise((resolve) => p.once('db_error', resolve))
  p.start()
  const err = await got
  await p.close()
  return err
}
const withPassword = (u, user = u.username) => {
  const x = new URL(u)
  x.username = user
  x.password = PASSWORD
  return x
}

const rows = [
  // constructors
  { area: 'constructor', input: 'WXBizMsgCrypt: empty token', run: () => new WXBizMsgCrypt('', key43(), 'wx1'), expect: { name: 'TypeError', message: /token/ } },
  { area: 'constructor', input: 'WXBizMsgCrypt: 42-character key', run: () => new WXBizMsgCrypt('t', key43().slice(1), 'wx1'), expect: { name: 'TypeError', message: /encodingAESKey.*43/ } },
  { area: 'constructor', input: 'WXBizMsgCrypt: key with a non-base64 character', run: () => new WXBizMsgCrypt('t', `${key43().slice(0, 42)}!`, 'wx1'), expect: { name: 'TypeError', message: /encodingAESKey.*base64/ } },
  { area: 'constructor', input: 'WXBizMsgCrypt: empty appid', run: () => new WXBizMsgCrypt('t', key43(), ''), expect: { name: 'TypeError', message: /appid/ } },
  { area: 'constructor', input: 'WXBizMsgCrypt: number as key', run: () => new WXBizMsgCrypt('t', 12345, 'wx1'), expect: { name: 'TypeError', message: /encodingAESKey/ } },
  { area: 'constructor', input: 'WXBizDataCrypt: 8-byte session key', run: () => new WXBizDataCrypt('wx1', Buffer.alloc(8).toString('base64')), expect: { name: 'TypeError', message: /sessionKey.*16 bytes/ } },
  { area: 'constructor', input: 'ThirdpartyServer: empty appid', run: () => new ThirdpartyServer('', 's', 't', key43(), 'sqlite::memory:'), expect: { name: 'TypeError', message: /appid/ } },
  { area: 'constructor', input: 'ThirdpartyServer: bad EncodingAESKey', run: () => new ThirdpartyServer('wx1', 's', 't', 'short', 'sqlite::memory:'), expect: { name: 'TypeError', message: /encodingAESKey/ } },
  { area: 'constructor', input: 'ThirdpartyServer: options.failover a number', run: () => new ThirdpartyServer('wx1', 's', 't', key43(), 'sqlite::memory:', false, { failover: 1 }), expect: { name: 'TypeError', message: /^options: .*bool.*ThirdpartyServerOptions\.failover/ } },
  { area: 'constructor', input: 'ThirdpartyServer: redis:// database', run: () => new ThirdpartyServer('wx1', 's', 't', key43(), `redis://:${PASSWORD}@127.0.0.1:6379`), expect: { name: 'TypeError', message: /redis.*not supported/ } },
  { area: 'constructor', input: 'ThirdpartyServer: mysql://nobody@127.0.0.1:1/x (nothing listens)', ...badDb('mysql://nobody@127.0.0.1:1/x'), expect: { name: 'StoreError', message: /127\.0\.0\.1:1.*connection refused/ } },
  { area: 'constructor', input: 'ThirdpartyServer: PostgreSQL on a wrong port', ...badDb(withPassword(new URL('postgres://postgres@127.0.0.1:1/test')).toString()), expect: { name: 'StoreError', message: /127\.0\.0\.1:1.*connection refused/ } },
  { area: 'constructor', input: 'ThirdpartyServer: MariaDB with a wrong user', ...badDb(withPassword(MYSQL, 'nobody_wxtp').toString()), expect: { name: 'StoreError', message: /access denied/i } },
  { area: 'constructor', input: 'ThirdpartyServer: MariaDB database that does not exist', ...badDb(Object.assign(new URL(MYSQL), { pathname: '/wxtp_no_such_db' }).toString()), expect: { name: 'StoreError', message: /unknown database/i } },
  { area: 'constructor', input: 'ThirdpartyServer: PostgreSQL with a wrong user', ...badDb(withPassword(POSTGRES, 'nobody_wxtp').toString()), expect: { name: 'StoreError', message: /access denied|nobody_wxtp/ } },
  { area: 'constructor', input: 'API: empty appid', run: () => new API('', 'secret'), expect: { name: 'TypeError', message: /appid/ } },
  { area: 'constructor', input: 'API: db that is not a URL', run: () => new API('wx1', 'secret', { db: 'not a url' }).getFollowers(), expect: { name: 'TypeError', message: /db/ } },
  { area: 'constructor', input: 'OAuth: empty appsecret', run: () => new OAuth('wx1', ''), expect: { name: 'TypeError', message: /appsecret/ } },
  { area: 'constructor', input: 'OAuth: ftp:// database', run: () => new OAuth('wx1', 's', null, null, false, { db: 'ftp://x' }), expect: { name: 'TypeError', message: /db/ } },

  // save_ticket / handleEvent
  { area: 'save_ticket', input: 'body that is not XML', run: () => platform.handleEvent('hello, world', sealedPush().query), expect: { name: 'ParseError', message: /malformed XML|Encrypt/ } },
  { area: 'save_ticket', input: 'wrong msg_signature', run: () => { const p = sealedPush(); return platform.handleEvent(p.body, { ...p.query, msg_signature: '0'.repeat(40) }) }, expect: { name: 'CryptoError', message: /msg_signature/ } },
  { area: 'save_ticket', input: 'encrypted with another EncodingAESKey', run: () => { const p = sealedPush({ ...C(), key: otherKey }); return platform.handleEvent(p.body) }, expect: { name: 'CryptoError', message: /padding|appid|length/ } },
  { area: 'save_ticket', input: 'encrypted for another appid', run: () => { const p = sealedPush({ ...C(), appid: 'wxsomeoneelse00001' }); return platform.handleEvent(p.body, p.query) }, expect: { name: 'CryptoError', message: /another appid/ } },
  { area: 'save_ticket', input: '<Encrypt> that is not base64', run: () => platform.handleEvent('<xml><Encrypt><![CDATA[%%% not base64 %%%]]></Encrypt></xml>'), expect: { name: 'CryptoError', message: /base64/ } },
  { area: 'save_ticket', input: 'a 2 MB body', run: () => platform.handleEvent(`<xml><Encrypt>${'A'.repeat(2 * 1024 * 1024)}</Encrypt></xml>`), expect: { name: 'ParseError', message: /bytes|large|size/ } },
  { area: 'save_ticket', input: 'DOCTYPE with an external entity (XXE)', run: () => platform.handleEvent('<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><Encrypt>&x;</Encrypt></xml>'), expect: { name: 'ParseError', message: /DOCTYPE/ } },
  { area: 'save_ticket', input: 'query without nonce', run: () => { const p = sealedPush(); const { nonce, ...q } = p.query; return platform.handleEvent(p.body, q) }, expect: { name: 'TypeError', message: /nonce/ } },
  { area: 'save_ticket', input: 'a ticket push validly signed a year ago (replayed)', run: () => { const p = sealedPush(C(), undefined, nowSecs() - 365 * DAY); return platform.handleEvent(p.body, p.query) }, expect: { name: 'CryptoError', message: /s old, outside the 300 s window/ } },
  { area: 'save_ticket', input: 'a ticket push signed an hour in the future', run: () => { const p = sealedPush(C(), undefined, nowSecs() + 3600); return platform.handleEvent(p.body, p.query) }, expect: { name: 'CryptoError', message: /ahead of this server's clock/ } },
  { area: 'save_ticket', input: 'a number as body (callback form)', run: () => new Promise((resolve, reject) => { try { platform.save_ticket(12345, (e) => (e ? reject(e) : resolve())) } catch (e) { reject(e) } }), expect: { name: 'TypeError', message: /body|xml/ } },

  // the push middleware over HTTP (授权事件接收URL)
  { area: 'middleware', input: 'POST of a non-XML body', run: () => postAuth('{"json": true}', sealedPush().query), expect: { name: 'HTTP 400', message: /invalid push/, event: ['push_rejected', /malformed XML/] } },
  { area: 'middleware', input: 'POST with a forged msg_signature', run: () => { const p = sealedPush(); return postAuth(p.body, { ...p.query, msg_signature: 'f'.repeat(40) }) }, expect: { name: 'HTTP 401', message: /invalid push/, event: ['push_rejected', /msg_signature does not match/] } },
  { area: 'middleware', input: 'POST encrypted with another key', run: () => { const p = sealedPush({ ...C(), key: otherKey }); return postAuth(p.body, p.query) }, expect: { name: 'HTTP 401', message: /invalid push/, event: ['push_rejected', /bad padding: wrong EncodingAESKey/] } },

  { area: 'middleware', input: 'an unauthorized push for a live authorizer, validly signed 30 days ago', run: () => { const p = revocationAt(nowSecs() - 30 * DAY); return postAuth(p.body, p.query) }, expect: { name: 'HTTP 401', message: /invalid push/, event: ['push_rejected', /2592\d{3} s old, outside the 300 s window/] } },

  // messages() over HTTP (消息与事件接收URL)
  { area: 'messages', input: 'a message validly signed a year ago (replayed)', run: () => { const r = sealedRequest(C(), textXml('gh', 'oU', 'old', 7), undefined, nowSecs() - 365 * DAY); return postMessage(r.body, r.query) }, expect: { name: 'HTTP 401', message: /invalid message/, event: ['message_rejected', /s old, outside the 300 s window/] } },
  { area: 'messages', input: 'message with a forged msg_signature', run: () => { const r = sealedRequest(C(), textXml('gh', 'oU', 'hi', 1)); r.query.set('msg_signature', 'a'.repeat(40)); return postMessage(r.body, r.query) }, expect: { name: 'HTTP 401', message: /invalid message/, event: ['message_rejected', /msg_signature does not match/] } },
  { area: 'messages', input: 'unsigned message (no query)', run: () => postMessage(sealedRequest(C(), textXml('gh', 'oU', 'hi', 2)).body, {}), expect: { name: 'HTTP 400', message: /invalid message/, event: ['message_rejected', /no msg_signature/] } },
  { area: 'messages', input: 'message encrypted for another platform', run: () => { const r = sealedRequest({ ...C(), appid: 'wxotherplatform01' }, textXml('gh', 'oU', 'hi', 3)); return postMessage(r.body, r.query) }, expect: { name: 'HTTP 401', message: /invalid message/, event: ['message_rejected', /another appid/] } },
  { area: 'messages', input: 'malformed XML body', run: () => postMessage('<xml><Encrypt>', { timestamp: '1', nonce: '2', msg_signature: 'b'.repeat(40) }), expect: { name: 'HTTP 400', message: /invalid message/, event: ['message_rejected', /malformed XML/] } },
  { area: 'messages', input: 'URL check (GET echostr) with a wrong signature', run: () => postMessage(undefined, { timestamp: '1', nonce: '2', echostr: 'x', signature: 'c'.repeat(40) }, 'GET'), expect: { name: 'HTTP 401', message: /invalid message/, event: ['message_rejected', /signature does not match/] } },
  { area: 'messages', input: 'messages() with a number as handler', run: () => platform.messages(42), expect: { name: 'TypeError', message: /handler/ } },

  // OAuth
  { area: 'oauth', input: 'getAccessToken with a made-up code', run: () => oauth.getAccessToken('not-a-real-code'), expect: { name: 'WeChatAPIError', message: /code/, code: 40029 } },
  { area: 'oauth', input: 'refreshAccessToken with a made-up refresh token', run: () => oauth.refreshAccessToken('not-a-refresh-token'), expect: { name: 'WeChatAPIError', message: /refresh_token/, code: 40030 } },
  { area: 'oauth', input: 'getUser for an openid that never authorized', run: () => oauth.getUser('o_never_authorized'), expect: { name: 'NoOAuthTokenError', message: /o_never_authorized.*authorize/ } },
  { area: 'oauth', input: 'decryptMiniProgramUser: 10-byte session key', run: () => mini.decryptMiniProgramUser({ sessionKey: Buffer.alloc(10).toString('base64'), encryptedData: 'AAAA', iv: Buffer.alloc(16).toString('base64') }), expect: { name: 'TypeError', message: /sessionKey/ } },
  { area: 'oauth', input: 'decryptMiniProgramUser: garbage encryptedData', run: () => mini.decryptMiniProgramUser({ sessionKey: Buffer.alloc(16, 1).toString('base64'), encryptedData: Buffer.alloc(32, 7).toString('base64'), iv: Buffer.alloc(16).toString('base64') }), expect: { name: 'CryptoError', message: /padding|sessionKey|iv/ } },
  { area: 'oauth', input: 'getAuthorizeURL without a redirect', run: () => oauth.getAuthorizeURL(''), expect: { name: 'TypeError', message: /redirect/ } },

  // the token service over HTTP
  { area: 'service', input: 'GET token of an unregistered appid', run: () => http('/wxnotregistered01/wechat/token/get'), expect: { name: 'HTTP 404', message: /not registered/, code: 40013 } },
  { area: 'service', input: 'appid with invalid percent-encoding (%FF)', run: () => http('/%FF%FE/wechat/token/get'), expect: { name: 'HTTP 400', message: /appid.*UTF-8/, code: 40097 } },
  { area: 'service', input: 'refresh without the rejected token', run: () => http(`/${app.appid}/wechat/token/refresh`, { method: 'POST', body: '{}' }), expect: { name: 'HTTP 400', message: /access_token/, code: 40097 } },
  { area: 'service', input: 'refresh with a 5 KB body', run: () => http(`/${app.appid}/wechat/token/refresh`, { method: 'POST', body: JSON.stringify({ access_token: 'x'.repeat(5000) }) }), expect: { name: 'HTTP 413', message: /4 KiB/ } },
  { area: 'service', input: 'wrong bearer token', run: () => http(`/${app.appid}/wechat/token/get`, { auth: 'wrong-bearer' }), expect: { name: 'HTTP 401', message: /Bearer/, code: 41001 } },
  { area: 'service', input: 'create without the secret', run: () => http('/wechat/app/create', { method: 'POST', body: JSON.stringify({ appid: app.appid }), auth: ADMIN }), expect: { name: 'HTTP 400', message: /secret/, code: 40097 } },
  { area: 'service', input: 're-key through the GET form (wetoken\'s, off by default)', run: () => http(`/wechat/app/create?appid=${app.appid}&secret=ATTACKER`, { auth: ADMIN }), expect: { name: 'HTTP 405', message: /POST.*legacyCreateGet/, code: 43002 } },
  { area: 'service', input: 're-key with the client token', run: () => http('/wechat/app/create', { method: 'POST', body: JSON.stringify({ appid: app.appid, secret: 'ATTACKER' }) }), expect: { name: 'HTTP 401', message: /admin token/, code: 41001 } },
  { area: 'service', input: 'a request naming another Host (DNS rebinding)', run: () => rawGet(svc.url, '/healthz', 'evil.example'), expect: { name: 'HTTP 403', message: /Host/, code: 41001 } },
  { area: 'service', input: 'POST to a GET route', run: () => http(`/${app.appid}/wechat/token/get`, { method: 'POST' }), expect: { name: 'HTTP 405', message: /GET/, code: 43001 } },
  { area: 'service', input: 'a route that does not exist', run: () => http('/wechat/token/get/../../etc/passwd'), expect: { name: 'HTTP 404', message: /no such route/ } },

  // the token service's admin routes (re-keying an app)
  { area: 'service', input: 'admin route without any token', run: () => http('/wechat/app/create', { method: 'POST', body: JSON.stringify({ appid: app.appid, secret: 'ATTACKER' }), auth: null }), expect: { name: 'HTTP 401', message: /admin token/, code: 41001 } },
  { area: 'service', input: 'admin route: a cross-site form post (no bearer, form body)', run: () => raw(svc.url, '/wechat/app/create', { method: 'POST', body: `appid=${app.appid}&secret=ATTACKER` }), expect: { name: 'HTTP 401', message: /admin token/, code: 41001 } },
  { area: 'service', input: 'admin route with a foreign Host (DNS rebinding)', run: () => raw(svc.url, '/wechat/app/create', { method: 'POST', headers: { host: 'evil.example', authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ appid: app.appid, secret: 'ATTACKER' }) }), expect: { name: 'HTTP 403', message: /Host/, code: 41001 } },
  { area: 'service', input: 'admin route with a 64 KB body', run: () => http('/wechat/app/create', { method: 'POST', body: JSON.stringify({ appid: app.appid, secret: 'x'.repeat(64 * 1024) }), auth: ADMIN }), expect: { name: 'HTTP 413', message: /KiB/ } },
  { area: 'service', input: 'admin route with markup as the appid', run: () => http('/wechat/app/create', { method: 'POST', body: JSON.stringify({ appid: '<script>alert(1)</script>', secret: 'x'.repeat(32) }), auth: ADMIN }), expect: { name: 'HTTP 400', message: /appid/, code: 40097, absent: /<script>/ } },
  // Not the admin route (no normalisation): an unknown route wants the client token, so the admin bearer opens nothing.
  { area: 'service', input: 'admin route through a dot-dot path (/wechat/x/../app/create)', run: () => raw(svc.url, '/wechat/x/../app/create', { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ appid: app.appid, secret: 'ATTACKER' }) }), expect: { name: 'HTTP 401', message: /Bearer/, code: 41001 } },
  { area: 'service', input: 'admin route with encoded slashes (/wechat%2Fapp%2Fcreate)', run: () => raw(svc.url, '/wechat%2Fapp%2Fcreate', { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ appid: app.appid, secret: 'ATTACKER' }) }), expect: { name: 'HTTP 401', message: /Bearer/, code: 41001 } },
  { area: 'service', input: 'admin route with a double slash (//wechat/app/create)', run: () => raw(svc.url, '//wechat/app/create', { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ appid: app.appid, secret: 'ATTACKER' }) }), expect: { name: 'HTTP 401', message: /Bearer/, code: 41001 } },
  { area: 'service', input: 'DELETE on the admin route', run: () => raw(svc.url, '/wechat/app/create', { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN}` } }), expect: { name: 'HTTP 405', message: /POST/ } },

  // the operator console (wxthirdparty console / startConsole)
  { area: 'console', input: 'a page without a session', run: () => raw(con.url, '/authorizers'), expect: { name: 'HTTP 303', message: /^location: \/login\n$/ } },
  { area: 'console', input: 'a made-up session cookie', run: () => raw(con.url, '/authorizers', { headers: { cookie: `wxtp_console=${'a'.repeat(48)}` } }), expect: { name: 'HTTP 303', message: /^location: \/login\n$/ } },
  { area: 'console', input: 'the JSON summary without a session', run: () => raw(con.url, '/api/summary'), expect: { name: 'HTTP 401', message: /login required/ } },
  { area: 'console', input: 'an action without a session', run: () => raw(con.url, '/sessions/end', { method: 'POST', body: 'csrf=00' }), expect: { name: 'HTTP 303', message: /^location: \/login\n$/ } },
  { area: 'console', input: 'login with a wrong token', run: () => raw(con.url, '/login', { method: 'POST', body: `user=operator&password=${VIEWER}` }), expect: { name: 'HTTP 401', message: /Wrong user or token/ } },
  { area: 'console', input: 'login with an empty token', run: () => raw(con.url, '/login', { method: 'POST', body: 'user=operator&password=' }), expect: { name: 'HTTP 401', message: /Wrong user or token/ } },
  { area: 'console', input: 'an action without its CSRF token', run: async () => consoleAct(await consoleLogin()), expect: { name: 'HTTP 403', message: /missing or wrong CSRF token/ } },
  { area: 'console', input: "an action with another session's CSRF token", run: async () => consoleAct(await consoleLogin(), (await consoleLogin()).csrf), expect: { name: 'HTTP 403', message: /missing or wrong CSRF token/ } },
  { area: 'console', input: 'an operator action by a viewer', run: async () => { const v = await consoleLogin('viewer', VIEWER); return consoleAct(v, v.csrf) }, expect: { name: 'HTTP 403', message: /viewers cannot act/ } },
  { area: 'console', input: 'a script in the authorizer search', run: async () => raw(con.url, `/authorizers?q=${encodeURIComponent('"><script>alert(1)</script>')}`, { headers: { cookie: (await consoleLogin()).cookie } }), expect: { name: 'HTTP 200', message: /&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;/, absent: /<script>alert/ } },
  { area: 'console', input: 'a script as a rollout id in the path', run: async () => raw(con.url, `/rollouts/${encodeURIComponent('<script>alert(1)</script>')}`, { headers: { cookie: (await consoleLogin()).cookie } }), expect: { name: /HTTP (200|404)/, message: /&lt;script&gt;alert\(1\)/, absent: /<script>alert/ } },
  { area: 'console', input: 'markup as the login user name', run: () => raw(con.url, '/login', { method: 'POST', body: new URLSearchParams({ user: '<img src=x onerror=alert(1)>', password: 'x' }).toString() }), expect: { name: 'HTTP 401', message: /Wrong user or token/, absent: /<img src=x/ } },
  { area: 'console', input: 'a 5 KB login form (the cap is 4 KB)', run: () => raw(con.url, '/login', { method: 'POST', body: `user=operator&password=${'x'.repeat(5 * 1024)}` }), expect: { name: 'HTTP 413', message: /length limit|too large/i } },
  { area: 'console', input: 'a dot-dot path (/static/../../etc/passwd)', run: () => raw(con.url, '/static/../../etc/passwd'), expect: { name: 'HTTP 404', message: /^$|not found/i } },
  { area: 'console', input: 'an encoded-slash path (/static%2F..%2F..%2Fetc%2Fpasswd)', run: () => raw(con.url, '/static%2F..%2F..%2Fetc%2Fpasswd'), expect: { name: 'HTTP 404', message: /^$|not found/i } },
  { area: 'console', input: 'a double-slash path (//authorizers)', run: () => raw(con.url, '//authorizers'), expect: { name: 'HTTP 404', message: /^$|not found/i } },
  { area: 'console', input: 'GET on an action (/sessions/end)', run: async () => raw(con.url, '/sessions/end', { headers: { cookie: (await consoleLogin()).cookie } }), expect: { name: 'HTTP 405', message: /^$/ } },
  // Known gap (src/console, the console's room): a standalone console on loopback serves any Host. The
  // session cookie is host-only, so a rebound page gets no session, only the login form.
  { area: 'console', input: 'a foreign Host (DNS rebinding)', run: () => raw(con.url, '/login', { headers: { host: 'evil.example' } }), expect: { name: 'HTTP 403', message: /Host/ } },

  // the token service's client
  { area: 'client', input: 'tokenService URL where nothing listens', run: () => new API(app.appid, null, { tokenService: 'http://127.0.0.1:1', apiBase: env.sandbox.url }).getFollowers(), expect: { name: 'TransportError', message: /127\.0\.0\.1:1.*cannot connect.*refused/i } },
  { area: 'client', input: 'wrong authToken for the service', run: () => new API(app.appid, null, { tokenService: svc.url, authToken: 'wrong-bearer', apiBase: env.sandbox.url }).getFollowers(), expect: { name: /WeChatAPIError|TransportError/, message: /Bearer|401/ } },
  { area: 'client', input: 'an appid the service does not know', run: () => new API('wxnotregistered02', null, { tokenService: svc.url, authToken: AUTH, apiBase: env.sandbox.url }).getFollowers(), expect: { name: /NotFoundError|WeChatAPIError/, message: /not registered/ } },
  { area: 'client', input: 'tokenService that is not a URL', run: () => new API(app.appid, null, { tokenService: 'not a url' }).getFollowers(), expect: { name: 'TypeError', message: /tokenService.*not a URL/ } },

  // the CLI, spawned
  { area: 'cli', input: 'install --db mysql://nobody@127.0.0.1:1/x', run: () => cli('install', '--db', 'mysql://nobody@127.0.0.1:1/x'), expect: { name: 'exit 1', message: /127\.0\.0\.1:1.*connection refused/ } },
  { area: 'cli', input: 'install --db with a password and a wrong port', run: () => cli('install', '--db', withPassword(new URL('postgres://postgres@127.0.0.1:1/x')).toString()), expect: { name: 'exit 1', message: /connection refused/ } },
  { area: 'cli', input: 'app add without --appid', run: () => cli('app', 'add', '--db', svcDb.url, '--secret', 'cli-secret-xyz'), expect: { name: 'exit 1', message: /--appid/ } },
  { area: 'cli', input: 'serve --port 99999', run: () => cli('serve', '--db', 'sqlite::memory:', '--port', '99999'), expect: { name: 'exit 1', message: /--port/ } },
  { area: 'cli', input: 'serve on 0.0.0.0 without an auth token', run: () => cli('serve', '--db', 'sqlite::memory:', '--host', '0.0.0.0', '--port', '0'), expect: { name: 'exit 1', message: /authToken|auth-token/ } },
]

/** The row's outcome as {name, message, code}. */
async function outcome(row) {
  let v
  try {
    v = await row.run()
  } catch (e) {
    v = e
  }
  if (v instanceof Error) return { name: v.name, message: v.message, code: v.code, error: v }
  if (v && v.cli) return { name: `exit ${v.status}`, message: v.stderr, stack: /\n\s+at /.test(v.stderr) }
  if (v && typeof v.status === 'number') {
    let code
    try { code = JSON.parse(v.text).errcode } catch { code = undefined }
    return { name: `HTTP ${v.status}`, message: v.text, code, status: v.status }
  }
  return { name: 'no error', message: String(v) }
}

test('the catalogue has at least 40 rows across every area', () => {
  assert.ok(rows.length >= 40, `${rows.length} rows`)
  assert.deepEqual([...new Set(rows.map((r) => r.area))].sort(), Object.keys(good).sort())
  // The snapshot sees what the rows must not change.
  const s = snapshot()
  assert.match(s.platform[0], new RegExp(authorizer))
  assert.match(s.platform[1], /component_access_token/)
  assert.match(s.service[1], new RegExp(app.appid))
  assert.match(s.oauth, new RegExp(miniApp.appid))
  assert.ok(secrets().length > 8)
})

for (const row of rows) {
  test(`${row.area}: ${row.input}`, { timeout: 30000, todo: row.todo }, async () => {
    const stateBefore = snapshot()
    const seen = events.length
    const got = await outcome(row)
    const { name, message, code } = row.expect
    // No secret first, so a failing assertion below cannot print one.
    const all = secrets()
    all.forEach((s, i) => assert.ok(!got.message.includes(s), `secret #${i} is in the message`))
    if (name instanceof RegExp) assert.match(got.name, name, got.message)
    else assert.equal(got.name, name, `got ${got.name}: ${got.message}`)
    assert.match(got.message, message)
    // Markup an attacker sent comes back inert (escaped), if at all.
    if (row.expect.absent) assert.doesNotMatch(got.message, row.expect.absent)
    if (code !== undefined) assert.equal(got.code, code, got.message)
    if (got.error) {
      // The exported classes (lib/errors.js), so `instanceof` works for callers.
      const cls = { TypeError, CryptoError, ParseError, StoreError, WeChatAPIError, NotFoundError, TransportError, NoOAuthTokenError: NotFoundError }[got.name]
      assert.ok(cls && got.error instanceof cls, `${got.name} is not an instance of its class`)
    }
    assert.ok(!got.stack, `stack trace in: ${got.message}`)
    if (row.expect.event) {
      const [evName, evMessage] = row.expect.event
      const hit = events.slice(seen).find(([n]) => n === evName)
      assert.ok(hit, `no ${evName} event`)
      all.forEach((s, i) => assert.ok(!hit[1].message.includes(s), `secret #${i} is in the ${evName} event`))
      assert.match(hit[1].message, evMessage)
    }
    // No Rust internals.
    assert.doesNotMatch(got.message, /panicked|called `(Result|Option)::unwrap|sqlx::|napi::|Failed to deserialize/)
    assert.deepEqual(snapshot(), stateBefore, 'stored state changed')
    await good[row.area]()
    const ev = events.slice(seen).map(([n, e]) => `${n}: ${e.message}`).join('; ')
    console.log(`${row.area} | ${row.input} | ${got.name} | ${got.message.trim().split('\n')[0]}${ev ? ` | ${ev}` : ''}`)
  })
}

'use strict'
// The API class for an account's own credentials, against the sandbox:
// tokens (cell, db-shared, user-kept, stable_token), retries, res, JS-SDK,
// media, the blacklist's real state, bad input, process exit.
const test = require('node:test')
const assert = require('node:assert')
const fs = require('fs')
const os = require('os')
const path = require('path')
const crypto = require('crypto')
const { execFileSync } = require('child_process')
const { API, startSandbox } = require('..')

async function setup(t, sandboxOptions) {
  const sandbox = await startSandbox(sandboxOptions || {})
  t.after(() => sandbox.close())
  const appid = `wxapi${crypto.randomBytes(6).toString('hex')}`
  const secret = crypto.randomBytes(16).toString('hex')
  await sandbox.registerApp(appid, secret)
  const make = (getToken, saveToken, options) => {
    const api = new API(appid, secret, getToken, saveToken, { apiBase: sandbox.url, ...(options || {}) })
    t.after(() => api.close())
    return api
  }
  return { sandbox, appid, secret, make }
}

const tokenCalls = async (sandbox, p = '/cgi-bin/token') => (await sandbox.issued())[p] || 0

function tempDb(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxtp-api-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  return `sqlite://${path.join(dir, 'api.db')}`
}

test('own-account token: one /cgi-bin/token for many concurrent calls; getLatestToken', async (t) => {
  const { sandbox, make } = await setup(t)
  const api = make()
  const results = await Promise.all(Array.from({ length: 20 }, () => api.getTags()))
  assert.ok(results.every((r) => Array.isArray(r.tags)))
  assert.strictEqual(await tokenCalls(sandbox), 1)
  const tok = await api.getLatestToken()
  assert.strictEqual(typeof tok.accessToken, 'string')
  assert.ok(tok.expireTime > Date.now())
  assert.strictEqual(await tokenCalls(sandbox), 1)
})

test('a rejected token (40001) is refreshed once and the call retried', async (t) => {
  const { sandbox, make } = await setup(t)
  const api = make()
  await api.getTags()
  await sandbox.invalidateTokens()
  const r = await api.getTags()
  assert.ok(Array.isArray(r.tags))
  assert.strictEqual(await tokenCalls(sandbox), 2)
  assert.strictEqual((await sandbox.invalidTokenCalls()).length, 1)
})

test('-1 and HTTP 500 are retried; a WeChat error reaches the caller as WeChatAPIError', async (t) => {
  const { sandbox, make } = await setup(t)
  const api = make()
  await sandbox.injectFault('/cgi-bin/tags/get', { errcode: -1 }, 1)
  await sandbox.injectFault('/cgi-bin/get_api_domain_ip', 'http500', 1)
  assert.ok(Array.isArray((await api.getTags()).tags))
  assert.deepStrictEqual((await api.getApiDomainIp()).ip_list, ['127.0.0.1'])
  await sandbox.injectFault('/cgi-bin/tags/get', { errcode: 45009 }, 1)
  await assert.rejects(api.getTags(), (e) => e.name === 'WeChatAPIError' && e.code === 45009)
})

test('callbacks get (err, data, res) with the HTTP status and headers', async (t) => {
  const { make } = await setup(t)
  const api = make()
  const [err, data, res] = await new Promise((resolve) => api.getIp((...a) => resolve(a)))
  assert.strictEqual(err, null)
  assert.deepStrictEqual(data.ip_list, ['127.0.0.1'])
  assert.strictEqual(res.status, 200)
  assert.match(res.headers['content-type'], /json/)
  const e = await new Promise((resolve) => api.getUser('o-unknown', (err2) => resolve(err2)))
  assert.strictEqual(e.name, 'WeChatAPIError')
  assert.strictEqual(e.code, 40003)
})

test('getToken / saveToken: wechat-api token objects in user storage, honoured across instances', async (t) => {
  const { sandbox, make } = await setup(t)
  let stored = null
  let saves = 0
  const getToken = (cb) => cb(null, stored)
  const saveToken = (token, cb) => { saves++; stored = token; cb(null) }
  const a = make(getToken, saveToken)
  await Promise.all([a.getTags(), a.getTags(), a.getTags()])
  assert.strictEqual(saves, 1)
  assert.strictEqual(typeof stored.accessToken, 'string')
  assert.ok(stored.expireTime > Date.now())
  // Promise-style user functions work too; a second instance reads the stored token.
  const b = make(async () => stored, async (tk) => { saves++; stored = tk })
  await b.getTags()
  assert.strictEqual(await tokenCalls(sandbox), 1)
  assert.strictEqual(saves, 1)
  // WeChat rejects the stored token: fetched again and saved again.
  await sandbox.invalidateTokens()
  await b.getTags()
  assert.strictEqual(await tokenCalls(sandbox), 2)
  assert.strictEqual(saves, 2)
})

test('options.db: API instances (processes) sharing a database fetch one token between them', async (t) => {
  const { sandbox, make } = await setup(t)
  const db = tempDb(t)
  const a = make(undefined, undefined, { db })
  const b = make(undefined, undefined, { db })
  await Promise.all([a.getTags(), b.getTags(), a.getIp(), b.getIp()])
  assert.strictEqual(await tokenCalls(sandbox), 1)
  assert.deepStrictEqual(await a.getLatestToken().then((x) => x.accessToken), await b.getLatestToken().then((x) => x.accessToken))
})

test('stableToken: tokens come from /cgi-bin/stable_token', async (t) => {
  const { sandbox, make } = await setup(t)
  const api = make(undefined, undefined, { stableToken: true })
  await api.getTags()
  assert.strictEqual(await tokenCalls(sandbox, '/cgi-bin/stable_token'), 1)
  assert.strictEqual(await tokenCalls(sandbox), 0)
})

test('JS-SDK: one getticket per lifetime (getTicket asks for a new one, as in wechat-api); getJsConfig signs the URL without its fragment; getCardExt', async (t) => {
  const { sandbox, make, appid } = await setup(t)
  const api = make()
  const [t1, t2] = await Promise.all([api.getLatestTicket(), api.getLatestTicket()])
  assert.strictEqual(t1.ticket, t2.ticket)
  assert.strictEqual(await tokenCalls(sandbox, '/cgi-bin/ticket/getticket'), 1)
  await api.getJsConfig({ url: 'https://example.com/' })
  assert.strictEqual(await tokenCalls(sandbox, '/cgi-bin/ticket/getticket'), 1)
  const renewed = await api.getTicket('jsapi')
  assert.strictEqual(await tokenCalls(sandbox, '/cgi-bin/ticket/getticket'), 2)
  assert.strictEqual((await api.getLatestTicket()).ticket, renewed.ticket)
  const cfg = await api.getJsConfig({ debug: false, jsApiList: ['chooseImage'], url: 'https://example.com/page?a=1#frag' })
  assert.strictEqual(cfg.appId, appid)
  const raw = `jsapi_ticket=${renewed.ticket}&noncestr=${cfg.nonceStr}&timestamp=${cfg.timestamp}&url=https://example.com/page?a=1`
  assert.strictEqual(cfg.signature, crypto.createHash('sha1').update(raw).digest('hex'))
  assert.deepStrictEqual(cfg.jsApiList, ['chooseImage'])
  const card = await api.getTicket('wx_card')
  const ext = await api.getCardExt({ card_id: 'pCard', code: 'c1', openid: 'oX' })
  const sig = crypto.createHash('sha1').update([card.ticket, 'pCard', ext.timestamp, 'c1', 'oX', ''].sort().join('')).digest('hex')
  assert.strictEqual(ext.signature, sig)
  await assert.rejects(api.getTicket('nope'), TypeError)
})

test('registerTicketHandle: tickets kept by the user are used and saved', async (t) => {
  const { sandbox, make } = await setup(t)
  const api = make()
  const kept = {}
  api.registerTicketHandle((type, cb) => cb(null, kept[type]), (type, ticket, cb) => { kept[type] = ticket; cb(null) })
  const first = await api.getTicket('jsapi')
  assert.deepStrictEqual(kept.jsapi, first)
  kept.jsapi = { ticket: 'user-kept-ticket', expireTime: Date.now() + 60000 }
  assert.strictEqual((await api.getLatestTicket()).ticket, 'user-kept-ticket')
  assert.strictEqual(await tokenCalls(sandbox, '/cgi-bin/ticket/getticket'), 1)
})

test('media: upload from a path and from a Buffer, download as a Buffer; video material JSON', async (t) => {
  const { sandbox, make } = await setup(t)
  const api = make()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxtp-media-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'pic.jpg')
  const bytes = crypto.randomBytes(50000)
  fs.writeFileSync(file, bytes)
  const up = await api.uploadMedia(file, 'image')
  assert.strictEqual(up.type, 'image')
  const got = await api.getMedia(up.media_id)
  assert.ok(Buffer.isBuffer(got))
  assert.ok(got.equals(bytes))
  const up2 = await api.uploadImage(Buffer.from('png-bytes'))
  assert.strictEqual(typeof up2.url, 'string')
  const vid = path.join(dir, 'clip.mp4')
  fs.writeFileSync(vid, crypto.randomBytes(1000))
  const mat = await api.uploadVideoMaterial(vid, { title: 'T', introduction: 'I' })
  assert.strictEqual(typeof mat.media_id, 'string')
  const sent = (await sandbox.requests('/cgi-bin/material/add_material')).pop()
  assert.strictEqual(sent.query.type, 'video')
  assert.match(sent.contentType, /^multipart\/form-data/)
  assert.match(sent.body, /name="description"/)
  assert.match(sent.body, /"title":"T"/)
  await assert.rejects(api.uploadMedia(path.join(dir, 'missing.jpg'), 'image'), (e) => e instanceof TypeError && /filepath/.test(e.message))
  await assert.rejects(api.uploadMedia(123, 'image'), TypeError)
})

test('blacklist, drafts and short keys reach their endpoints; the blacklist keeps state', async (t) => {
  const { sandbox, make, appid } = await setup(t)
  const api = make()
  const followers = (await api.getFollowers()).data.openid
  assert.ok(followers.length >= 2)
  await api.batchBlacklist(followers.slice(0, 2))
  const bl = await api.getBlacklist()
  assert.deepStrictEqual(bl.data.openid, followers.slice(0, 2))
  await api.batchUnblacklist([followers[0]])
  assert.deepStrictEqual((await api.getBlacklist()).data.openid, [followers[1]])
  await assert.rejects(api.batchBlacklist(['not-a-follower']), (e) => e.code === 40003)
  const draft = await api.addDraft([{ title: 't', content: 'c', thumb_media_id: 'm' }])
  assert.strictEqual(typeof draft.media_id, 'string')
  const pub = await api.submitPublish(draft.media_id)
  assert.strictEqual(typeof pub.publish_id, 'string')
  assert.deepStrictEqual((await sandbox.requests('/cgi-bin/freepublish/submit')).pop().body, { media_id: draft.media_id })
  await api.genShortKey('some long data', 3600)
  assert.deepStrictEqual((await sandbox.requests('/cgi-bin/shorten/gen')).pop().body, { long_data: 'some long data', expire_seconds: 3600 })
  await api.clearQuota(appid)
})

test('bad arguments: TypeError naming the argument, nothing sent', async (t) => {
  const { sandbox, make, secret } = await setup(t)
  assert.throws(() => new API('', secret), /appid/)
  assert.throws(() => new API('wx1', ''), /appsecret/)
  assert.throws(() => new API('wx1', 's', () => {}), /saveToken/)
  const api = make()
  const before = (await sandbox.requests()).length
  await assert.rejects(api.createTmpQRCode(undefined, 60), (e) => e instanceof TypeError && /sceneId/.test(e.message))
  await assert.rejects(api.updateCardStock('card', 'many'), (e) => e instanceof TypeError && /num/.test(e.message))
  await assert.rejects(api.massSend('not an object', ['o']), (e) => e instanceof TypeError && /opts/.test(e.message))
  assert.strictEqual((await sandbox.requests()).filter((r) => !r.path.startsWith('/cgi-bin/token')).length, before)
})

test('hooks: before / after per method name', async (t) => {
  const { make } = await setup(t)
  const api = make()
  const seen = []
  api.hooks.getIp = {
    before(next, temp) { temp.at = 'before'; seen.push('before'); next() },
    after(err, data, next, temp) { seen.push(temp.at + '>after'); next(err, { ...data, hooked: true }) },
  }
  const r = await api.getIp()
  assert.strictEqual(r.hooked, true)
  assert.deepStrictEqual(seen, ['before', 'before>after'])
})

test('setEndpoint: calls go to the new domain', async (t) => {
  const { sandbox, make } = await setup(t)
  const other = await startSandbox()
  t.after(() => other.close())
  const api = make()
  await api.getIp()
  api.setEndpoint(other.url)
  await assert.rejects(api.getIp(), (e) => e.name === 'WeChatAPIError' && e.code === 40013) // the other WeChat does not know this app
  assert.ok((await other.requests('/cgi-bin/token')).length === 1)
  assert.strictEqual((await sandbox.requests('/cgi-bin/getcallbackip')).length, 1)
})

test('an API instance does not keep the process alive', async (t) => {
  const { sandbox, appid, secret } = await setup(t)
  const script = `
    const { API } = require(${JSON.stringify(path.join(__dirname, '..'))})
    const api = new API(${JSON.stringify(appid)}, ${JSON.stringify(secret)}, { apiBase: ${JSON.stringify(sandbox.url)} })
    api.getTags().then((r) => console.log('tags', r.tags.length))
  `
  const out = execFileSync(process.execPath, ['-e', script], { timeout: 30000, encoding: 'utf8' })
  assert.match(out, /^tags \d+/)
})

test('default hooks with options.db: getFollowers openids upserted in wx_followers (one row each), getUser in wx_followers_info', async (t) => {
  const { make } = await setup(t)
  const db = tempDb(t)
  const api = make(undefined, undefined, { db })
  const page = await api.getFollowers()
  await api.getFollowers()
  const user = await api.getUser(page.data.openid[0])
  await api.batchGetUsers(page.data.openid.slice(0, 2))
  const file = db.slice('sqlite://'.length)
  const q = (sql) => execFileSync('sqlite3', [file, sql], { encoding: 'utf8' }).trim()
  assert.strictEqual(Number(q("SELECT COUNT(*) FROM wx_followers")), page.data.openid.length)
  assert.strictEqual(Number(q("SELECT COUNT(DISTINCT openid) FROM wx_followers")), page.data.openid.length)
  assert.strictEqual(q(`SELECT nickname FROM wx_followers_info WHERE openid = '${user.openid}' LIMIT 1`), user.nickname)
  assert.strictEqual(Number(q('SELECT COUNT(DISTINCT openid) FROM wx_followers_info')), 2)
})

test("wechat-api's README examples run unchanged (apart from the require line)", async (t) => {
  const { sandbox, appid, secret } = await setup(t)
  const WechatAPI = require('..').API
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxtp-readme-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const cwd = process.cwd()
  process.chdir(dir)
  t.after(() => process.chdir(cwd))
  process.env.WXTHIRDPARTY_API_BASE = sandbox.url
  t.after(() => { delete process.env.WXTHIRDPARTY_API_BASE })
  const openid = (await sandbox.followers(appid))[0]

  // Usage
  const api = new WechatAPI(appid, secret)
  const [err, data, res] = await new Promise((resolve) => api.updateRemark(openid, 'remarked', (...a) => resolve(a)))
  assert.strictEqual(err, null)
  assert.strictEqual(data.errcode, 0)
  assert.strictEqual(res.status, 200)

  // patch()
  WechatAPI.patch('updateInfo', 'https://api.weixin.qq.com/card/membercard/updateuser')
  const jsonInfo = { code: '12312313', card_id: 'p1Pj9jr90_SQRaVqYI239Ka1erkI', bonus: 3000 }
  const patched = await new Promise((resolve, reject) => api.updateInfo(jsonInfo, (e, d) => (e ? reject(e) : resolve(d))))
  assert.strictEqual(patched.errcode, 0)
  assert.deepStrictEqual((await sandbox.requests('/card/membercard/updateuser')).pop().body, jsonInfo)
  assert.throws(() => WechatAPI.patch('uploadLogo', 'https://api.weixin.qq.com/card/membercard/updateuser'), /already has a prototype named \[uploadLogo\]/)

  // 多进程: tokens in a file
  const shared = new WechatAPI(appid, secret, function (callback) {
    fs.readFile('access_token.txt', 'utf8', function (err, txt) {
      if (err) { return callback(err) }
      callback(null, JSON.parse(txt))
    })
  }, function (token, callback) {
    fs.writeFile('access_token.txt', JSON.stringify(token), callback)
  })
  // wechat-api's own first call fails the same way when the file is missing.
  await assert.rejects(shared.getTags(), /ENOENT/)
  fs.writeFileSync('access_token.txt', 'null')
  await shared.getTags()
  const saved = JSON.parse(fs.readFileSync('access_token.txt', 'utf8'))
  assert.strictEqual(typeof saved.accessToken, 'string')
  assert.ok(saved.expireTime > Date.now())
  await api.close()
  await shared.close()
})

test('an integer past 2^32 goes to WeChat as an integer, as JSON.stringify writes it', async (t) => {
  const { sandbox, appid, secret } = await setup(t)
  // What goes over the wire, through a pass-through in front of the sandbox.
  const bodies = []
  const proxy = require('http').createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      bodies.push({ path: req.url.split('?')[0], text: body.toString('utf8') })
      const up = require('http').request(`${sandbox.url}${req.url}`, { method: req.method, headers: req.headers }, (ur) => {
        res.writeHead(ur.statusCode, ur.headers)
        ur.pipe(res)
      })
      up.end(body)
    })
  }).listen(0, '127.0.0.1')
  await require('events').once(proxy, 'listening')
  t.after(() => proxy.close())
  const api = new API(appid, secret, { apiBase: `http://127.0.0.1:${proxy.address().port}` })
  t.after(() => api.close())
  const id = 5000000001
  await api.deleteMass(id)
  await api.getMassMessageStatus(id)
  const sent = bodies.filter((b) => /mass\/(delete|get)$/.test(b.path)).map((b) => b.text)
  assert.equal(sent.length, 2, JSON.stringify(bodies.map((b) => b.path)))
  for (const text of sent) {
    assert.equal(JSON.parse(text).msg_id, id, text)
    assert.ok(!text.includes(`${id}.`), `sent as a float: ${text}`)
  }
})

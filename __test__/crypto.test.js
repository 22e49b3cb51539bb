'use strict'
// WXBizMsgCrypt / WXBizDataCrypt as a user calls them, cross-checked against
// Node's own crypto (an independent implementation written here), the npm
// package wechat-crypto, and vectors published by other WeChat SDKs.
const test = require('node:test')
const assert = require('node:assert/strict')
const nodeCrypto = require('node:crypto')
const xml2js = require('xml2js')
const WechatCrypto = require('wechat-crypto')
const { WXBizMsgCrypt, WXBizDataCrypt } = require('..')

const KEY_BYTES = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 11 + 5) & 0xff))
const KEY = KEY_BYTES.toString('base64').replace(/=$/, '') // 43 chars
const TOKEN = 'js-test-token'
const APPID = 'wx1234567890abcdef'

// ---- an independent implementation with node:crypto -------------------------
function nodeEncrypt(key, appid, message, prefix = nodeCrypto.randomBytes(16)) {
  const msg = Buffer.from(message)
  const len = Buffer.alloc(4)
  len.writeUInt32BE(msg.length)
  const body = Buffer.concat([prefix, len, msg, Buffer.from(appid)])
  const pad = 32 - (body.length % 32)
  const c = nodeCrypto.createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false)
  return Buffer.concat([c.update(Buffer.concat([body, Buffer.alloc(pad, pad)])), c.final()]).toString('base64')
}
function nodeDecrypt(key, text) {
  const d = nodeCrypto.createDecipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false)
  const plain = Buffer.concat([d.update(text, 'base64'), d.final()])
  const pad = plain[plain.length - 1]
  assert.ok(pad >= 1 && pad <= 32, 'valid PKCS#7 pad length')
  for (let i = 1; i <= pad; i++) assert.equal(plain[plain.length - i], pad, 'pad bytes all equal')
  const body = plain.subarray(0, plain.length - pad)
  const len = body.readUInt32BE(16)
  return { message: body.subarray(20, 20 + len).toString(), id: body.subarray(20 + len).toString() }
}
function nodeSignature(...parts) {
  return nodeCrypto.createHash('sha1').update(parts.map(String).sort().join('')).digest('hex')
}
function xml(text) {
  let out
  xml2js.parseString(text, { explicitArray: false }, (err, r) => { if (err) throw err; out = r.xml })
  return out
}

const crypt = () => new WXBizMsgCrypt(TOKEN, KEY, APPID)
const MESSAGES = ['', 'x', 'a'.repeat(65536), '微信第三方平台 🎉 ñ <xml>]]></xml>']

test('encrypt → Node crypto and wechat-crypto decrypt it', () => {
  const c = crypt()
  const wc = new WechatCrypto(TOKEN, KEY, APPID)
  for (const m of MESSAGES) {
    const enc = c.encrypt(m)
    assert.deepEqual(nodeDecrypt(KEY_BYTES, enc), { message: m, id: APPID })
    assert.deepEqual(wc.decrypt(enc), { message: m, id: APPID })
  }
})

test('decrypt ← Node crypto and wechat-crypto encryptions', () => {
  const c = crypt()
  const wc = new WechatCrypto(TOKEN, KEY, APPID)
  for (const m of MESSAGES) {
    assert.deepEqual(c.decrypt(nodeEncrypt(KEY_BYTES, APPID, m)), { message: m, id: APPID })
    assert.deepEqual(c.decrypt(wc.encrypt(m)), { message: m, id: APPID })
  }
})

test('getSignature equals wechat-crypto and a plain sha1; numbers are accepted', () => {
  const c = crypt()
  const wc = new WechatCrypto(TOKEN, KEY, APPID)
  const enc = c.encrypt('hi')
  assert.equal(c.getSignature('1700000000', 'nonce', enc), wc.getSignature('1700000000', 'nonce', enc))
  assert.equal(c.getSignature(1700000000, 42, enc), nodeSignature(TOKEN, 1700000000, 42, enc))
  const sig = nodeSignature(TOKEN, '1', '2', enc)
  assert.equal(c.verifySignature(sig, '1', '2', enc), true)
  assert.equal(c.verifySignature(sig.toUpperCase(), '1', '2', enc), true)
  assert.equal(c.verifySignature(sig, '1', '3', enc), false)
  assert.equal(c.verifySignature('', '1', '2', enc), false)
})

// wechatpy tests/test_crypto.py (WeChat Work; same scheme).
const WECHATPY = {
  token: '123456',
  key: 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR',
  corpId: 'wx49f0ab532d5d035a',
  reply: '<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>\n<ToUserName><![CDATA[messense]]></ToUserName>\n<AgentID>1</AgentID>\n<CreateTime>1411525903</CreateTime>\n</xml>',
  replyEncrypt: '9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3',
  replySignature: '407518b7649e86ef23978113f92d27afa9296533',
  timestamp: '1411525903',
  nonce: '461056294',
  inEncrypt: 'RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0=',
  inSignature: '74d92dfeb87ba7c714f89d98870ae5eb62dff26d',
  echo: { msg_signature: 'dd6b9c95b495b3f7e2901bfbc76c664930ffdb96', timestamp: '1411443780', nonce: '437374425', echostr: '4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q==' },
}

test('wechatpy vectors: decrypt, signatures, decryptMessage, verifyUrl', () => {
  const c = new WXBizMsgCrypt(WECHATPY.token, WECHATPY.key, WECHATPY.corpId)
  assert.deepEqual(c.decrypt(WECHATPY.replyEncrypt), { message: WECHATPY.reply, id: WECHATPY.corpId })
  assert.equal(c.getSignature(WECHATPY.timestamp, WECHATPY.nonce, WECHATPY.replyEncrypt), WECHATPY.replySignature)
  const body = `<xml><ToUserName><![CDATA[${WECHATPY.corpId}]]></ToUserName>\n<Encrypt><![CDATA[${WECHATPY.inEncrypt}]]></Encrypt>\n<AgentID><![CDATA[1]]></AgentID>\n</xml>`
  const msg = c.decryptMessage(body, { timestamp: WECHATPY.timestamp, nonce: WECHATPY.nonce, msg_signature: WECHATPY.inSignature })
  assert.equal(msg.Content, 'test')
  assert.equal(msg.FromUserName, 'messense')
  // The echostr decrypts to what Node's crypto says it is.
  assert.equal(c.verifyUrl(WECHATPY.echo), nodeDecrypt(Buffer.from(WECHATPY.key + '=', 'base64'), WECHATPY.echo.echostr).message)
  assert.throws(() => c.verifyUrl({ ...WECHATPY.echo, nonce: '437374424' }), { name: 'CryptoError', message: 'msg_signature does not match' })
})

test('official sample key (non-zero trailing bits) is accepted, as the samples do', () => {
  const key = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG'
  const c = new WXBizMsgCrypt('spamtest', key, 'wx2c2769f8efd9abc2')
  const enc = nodeEncrypt(Buffer.from(key + '=', 'base64'), 'wx2c2769f8efd9abc2', 'hello')
  assert.equal(c.decrypt(enc).message, 'hello')
})

test('decryptMessage: one call from the push body to the object', () => {
  const c = crypt()
  const inner = '<xml><AppId><![CDATA[wx1234567890abcdef]]></AppId><CreateTime>1700000000</CreateTime><InfoType><![CDATA[component_verify_ticket]]></InfoType><ComponentVerifyTicket><![CDATA[ticket@@@xyz]]></ComponentVerifyTicket></xml>'
  const encrypt = new WechatCrypto(TOKEN, KEY, APPID).encrypt(inner)
  const body = `<xml><AppId><![CDATA[${APPID}]]></AppId><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`
  const query = { timestamp: '1700000000', nonce: '123', msg_signature: nodeSignature(TOKEN, '1700000000', '123', encrypt) }
  const want = xml(inner)
  assert.deepEqual(c.decryptMessage(body, query), want)
  assert.deepEqual(c.decryptMessage(Buffer.from(body), query), want)
  assert.deepEqual(c.decryptMessage(body), want)
  assert.throws(() => c.decryptMessage(body, { ...query, msg_signature: 'f'.repeat(40) }), { name: 'CryptoError', message: 'msg_signature does not match' })
  assert.throws(() => c.decryptMessage(body, { timestamp: '1', nonce: '2' }), { name: 'TypeError', message: /query\.msg_signature/ })
  assert.throws(() => c.decryptMessage(inner), { name: 'ParseError', message: /no <Encrypt> element/ })
  assert.throws(() => c.decryptMessage(42), TypeError)
  const other = new WXBizMsgCrypt(TOKEN, KEY, 'wxsomebodyelse')
  assert.throws(() => other.decryptMessage(body), { name: 'CryptoError', message: 'decrypted message is for another appid' })
})

test('decryptMessage honours the maxBytes option', () => {
  const c = new WXBizMsgCrypt(TOKEN, KEY, APPID, { maxBytes: 300 })
  const env = crypt().encryptMessage(`<xml><A>${'z'.repeat(400)}</A></xml>`)
  assert.throws(() => c.decryptMessage(env), { name: 'ParseError', message: /over the limit of 300 bytes/ })
})

test('encryptMessage: an envelope wechat-crypto opens and whose signature checks', () => {
  const c = crypt()
  const wc = new WechatCrypto(TOKEN, KEY, APPID)
  const reply = '<xml><Content><![CDATA[你好]]></Content></xml>'
  const env = xml(c.encryptMessage(reply, '1700000001', 'abc'))
  assert.equal(env.TimeStamp, '1700000001')
  assert.equal(env.Nonce, 'abc')
  assert.equal(env.MsgSignature, wc.getSignature('1700000001', 'abc', env.Encrypt))
  assert.deepEqual(wc.decrypt(env.Encrypt), { message: reply, id: APPID })
  // Defaults: now, and a fresh nonce.
  const d = xml(c.encryptMessage(reply))
  assert.ok(Math.abs(Number(d.TimeStamp) - Date.now() / 1000) < 5)
  assert.match(d.Nonce, /^[A-Za-z0-9]{16}$/)
  assert.notEqual(xml(c.encryptMessage(reply)).Nonce, d.Nonce)
  assert.equal(d.MsgSignature, nodeSignature(TOKEN, d.TimeStamp, d.Nonce, d.Encrypt))
})

test('verifyUrl: plain and encrypted', () => {
  const c = crypt()
  const plain = { timestamp: '1', nonce: '2', echostr: 'echo-me', signature: nodeSignature(TOKEN, '1', '2') }
  assert.equal(c.verifyUrl(plain), 'echo-me')
  assert.throws(() => c.verifyUrl({ ...plain, signature: nodeSignature(TOKEN, '1', '3') }), { name: 'CryptoError', message: 'signature does not match' })
  const echostr = nodeEncrypt(KEY_BYTES, APPID, 'random-echo')
  const enc = { timestamp: '1', nonce: '2', echostr, msg_signature: nodeSignature(TOKEN, '1', '2', echostr) }
  assert.equal(c.verifyUrl(enc), 'random-echo')
  assert.throws(() => c.verifyUrl({ timestamp: '1', nonce: '2', echostr: 'x' }), { name: 'TypeError', message: /neither signature nor msg_signature/ })
  assert.throws(() => c.verifyUrl(), TypeError)
})

test('each decrypt failure is its own clear error, with no secret in it', () => {
  const c = crypt()
  // Hand-built plaintexts, encrypted with Node's crypto.
  const raw = (plain) => {
    const ci = nodeCrypto.createCipheriv('aes-256-cbc', KEY_BYTES, KEY_BYTES.subarray(0, 16)).setAutoPadding(false)
    return Buffer.concat([ci.update(plain), ci.final()]).toString('base64')
  }
  const frame = (msg, lenField, appid, pad) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(lenField)
    const body = Buffer.concat([Buffer.alloc(16, 1), len, Buffer.from(msg), Buffer.from(appid)])
    const n = 32 - (body.length % 32)
    const padding = Buffer.alloc(n, n)
    if (pad) pad(padding)
    return Buffer.concat([body, padding])
  }
  const cases = [
    [frame('secret-plaintext', 16, APPID, (p) => { p[p.length - 1] = 0 }), /^bad padding/],
    [frame('secret-plaintext', 16, APPID, (p) => { p[p.length - 1] = 40 }), /^bad padding/],
    [frame('secret-plaintext', 16, APPID, (p) => { p[0] ^= 1 }), /^bad padding/],
    [frame('secret-plaintext', 9999, APPID), /^length field exceeds/],
    [frame('secret-plaintext', 16, 'wxother'), /^decrypted message is for another appid$/],
  ]
  for (const [plain, message] of cases) {
    assert.throws(() => c.decrypt(raw(plain)), (e) => {
      assert.equal(e.name, 'CryptoError')
      assert.match(e.message, message)
      for (const secret of ['secret-plaintext', KEY, TOKEN]) assert.ok(!e.message.includes(secret), e.message)
      return true
    })
  }
  assert.throws(() => c.decrypt('%%%'), { name: 'CryptoError', message: 'encrypted text is not valid base64' })
  assert.throws(() => c.decrypt(Buffer.alloc(20).toString('base64')), { name: 'CryptoError', message: /multiple of the AES block size/ })
  assert.throws(() => c.decrypt(123), { name: 'TypeError', message: /^encrypted:/ })
})

test('constructor: TypeError naming the bad argument', () => {
  assert.throws(() => new WXBizMsgCrypt('', KEY, APPID), { name: 'TypeError', message: /^token:/ })
  assert.throws(() => new WXBizMsgCrypt(undefined, KEY, APPID), { name: 'TypeError', message: /^token:/ })
  assert.throws(() => new WXBizMsgCrypt(TOKEN, KEY, ''), { name: 'TypeError', message: /^appid:/ })
  assert.throws(() => new WXBizMsgCrypt(TOKEN, KEY.slice(1), APPID), { name: 'TypeError', message: /^encodingAESKey: must be 43/ })
  assert.throws(() => new WXBizMsgCrypt(TOKEN, KEY + '=', APPID), { name: 'TypeError', message: /^encodingAESKey:/ })
  assert.throws(() => new WXBizMsgCrypt(TOKEN, KEY.slice(1) + '*', APPID), { name: 'TypeError', message: /^encodingAESKey: is not valid base64/ })
  assert.throws(() => new WXBizMsgCrypt(TOKEN, null, APPID), { name: 'TypeError', message: /^encodingAESKey:/ })
  try {
    new WXBizMsgCrypt(TOKEN, KEY.slice(1) + '*', APPID)
  } catch (e) {
    assert.ok(!e.message.includes(KEY.slice(1, 20)), 'the key is not echoed')
  }
})

test('wechat-crypto surface: token and id; the key is not exposed or logged', () => {
  const c = crypt()
  assert.equal(c.token, TOKEN)
  assert.equal(c.id, APPID)
  const shown = require('node:util').inspect(c, { showHidden: true })
  assert.ok(!shown.includes(KEY) && !shown.includes(TOKEN), shown)
})

// The official mini-program demo vector (also in wechatpy's tests).
const WXA = {
  appid: 'wx4f4bc4dec97d474b',
  sessionKey: 'tiihtNczf5v6AKRyjwEUhQ==',
  iv: 'r7BXXKkLb8qrSNn05n0qiA==',
  data: 'CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew==',
}
function nodeDecryptData(sessionKey, data, iv) {
  const d = nodeCrypto.createDecipheriv('aes-128-cbc', Buffer.from(sessionKey, 'base64'), Buffer.from(iv, 'base64'))
  return JSON.parse(Buffer.concat([d.update(data, 'base64'), d.final()]).toString())
}

test('WXBizDataCrypt: official demo vector equals Node crypto', () => {
  const d = new WXBizDataCrypt(WXA.appid, WXA.sessionKey)
  const out = d.decryptData(WXA.data, WXA.iv)
  assert.deepEqual(out, nodeDecryptData(WXA.sessionKey, WXA.data, WXA.iv))
  assert.equal(out.watermark.appid, WXA.appid)
  assert.throws(() => new WXBizDataCrypt('wxother', WXA.sessionKey).decryptData(WXA.data, WXA.iv), { name: 'CryptoError', message: 'watermark.appid does not match this appid' })
})

test('WXBizDataCrypt: Node-encrypted data round-trips; errors are distinct', () => {
  const key = nodeCrypto.randomBytes(16)
  const iv = nodeCrypto.randomBytes(16)
  const enc = (obj) => {
    const c = nodeCrypto.createCipheriv('aes-128-cbc', key, iv)
    return Buffer.concat([c.update(typeof obj === 'string' ? obj : JSON.stringify(obj)), c.final()]).toString('base64')
  }
  const payload = { phoneNumber: '13800138000', countryCode: '86', watermark: { appid: 'wxmini', timestamp: 1700000000 } }
  const d = new WXBizDataCrypt('wxmini', key.toString('base64'))
  assert.deepEqual(d.decryptData(enc(payload), iv.toString('base64')), payload)
  assert.throws(() => d.decryptData('***', iv.toString('base64')), { name: 'CryptoError', message: 'encryptedData is not valid base64' })
  assert.throws(() => d.decryptData(enc(payload), 'AAAA'), { name: 'TypeError', message: 'iv: must decode to 16 bytes, got 3' })
  assert.throws(() => d.decryptData(enc('not json'), iv.toString('base64')), { name: 'CryptoError', message: /not valid JSON/ })
  assert.throws(() => d.decryptData(enc({ a: 1 }), iv.toString('base64')), { name: 'CryptoError', message: 'decrypted data has no watermark.appid' })
  assert.throws(() => new WXBizDataCrypt('wxmini', 'AAAA'), { name: 'TypeError', message: /^sessionKey: must decode to 16 bytes/ })
  assert.throws(() => new WXBizDataCrypt('', key.toString('base64')), { name: 'TypeError', message: /^appid:/ })
  assert.throws(() => d.decryptData(undefined, 'x'), { name: 'TypeError', message: /^encryptedData:/ })
})

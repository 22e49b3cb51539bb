'use strict'
// Errors from native code arrive as the exported classes, so callers can
// write `err instanceof WeChatAPIError` and read `code`.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const wx = require('..')

test('every error class is exported, is an Error and names itself', () => {
  for (const name of ['WeChatAPIError', 'CryptoError', 'ParseError', 'StoreError', 'TransportError', 'NotReadyError', 'RevokedError', 'NotFoundError']) {
    const C = wx[name]
    assert.equal(typeof C, 'function', `${name} is exported`)
    const e = new C('m', 1)
    assert.ok(e instanceof Error && e instanceof wx.WxThirdpartyError)
    assert.equal(e.name, name)
    assert.match(String(e), new RegExp(`^${name}: m$`))
  }
})

test('a crypto failure from native code is a CryptoError instance', () => {
  const crypt = new wx.WXBizMsgCrypt('token', 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', 'wxappid')
  const other = new wx.WXBizMsgCrypt('token', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg', 'wxappid')
  const sealed = other.encrypt('<xml><A>1</A></xml>')
  assert.throws(() => crypt.decrypt(sealed), (e) => e instanceof wx.CryptoError && e.name === 'CryptoError')
})

test('a database failure from native code is a StoreError instance', async () => {
  const s = new wx.ThirdpartyServer('wx1', 'secret', 'tok', 'a'.repeat(43), 'mysql://root@127.0.0.1:1/nothing')
  const err = await s.getComponentAccessToken().then(() => null, (e) => e)
  assert.ok(err instanceof wx.StoreError, `got ${err && err.name}`)
  await s.close()
})

test('a rejected native Promise carries the class, WeChat\'s errcode and the bare message', async (t) => {
  const sandbox = await wx.startSandbox()
  t.after(() => sandbox.close())
  await sandbox.registerApp('wxerrors', 'secret')
  const api = new wx.API('wxerrors', 'secret', { apiBase: sandbox.url })
  t.after(() => api.close())
  await sandbox.injectFault('/cgi-bin/tags/get', { errcode: 45009 }, 1)
  const err = await api.getTags().then(() => null, (e) => e)
  assert.ok(err instanceof wx.WeChatAPIError, `got ${err && err.name}`)
  assert.equal(err.name, 'WeChatAPIError')
  assert.strictEqual(err.code, 45009)
  assert.doesNotMatch(err.message, /\|/, 'no Name|code|message protocol left in the message')
  assert.match(err.stack, /^WeChatAPIError: /)
})

test('bad values found natively throw TypeError synchronously, naming the argument', () => {
  assert.throws(() => new wx.ThirdpartyServer('wx1', 's', 't', '!'.repeat(43), 'sqlite::memory:'),
    (e) => e instanceof TypeError && e.constructor === TypeError && /^encodingAESKey: /.test(e.message) && e.code === undefined)
})

test('the addon loaded on its own (no classes registered) still gives name and code', () => {
  const { execFileSync } = require('child_process')
  const path = require('path')
  const out = execFileSync(process.execPath, ['-e', `
    const b = require(${JSON.stringify(path.join(__dirname, '..', 'native', 'wxthirdparty.node'))})
    try { b.msgCryptNew('t', 'short', 'a') } catch (e) { console.log(JSON.stringify([e instanceof Error, e.name, e.message])) }`], { encoding: 'utf8' })
  assert.deepEqual(JSON.parse(out), [true, 'TypeError', 'encodingAESKey: must be 43 characters of base64'])
})

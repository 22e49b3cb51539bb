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

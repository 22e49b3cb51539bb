#!/usr/bin/env node
// Message crypto and the component_verify_ticket push, side by side with the
// original JS stack (xml2js + wechat-crypto), in one node run.
// Run: npm run bench -- crypto   (or: node benches/js/crypto.js)
'use strict'
const assert = require('node:assert/strict')
const xml2js = require('xml2js')
const WechatCrypto = require('wechat-crypto')
const { WXBizMsgCrypt } = require('../..')
const { measure, emit } = require('./_measure')

const TOKEN = 'spamtest'
const KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG'
const APPID = 'wx2c2769f8efd9abc2'
const ours = new WXBizMsgCrypt(TOKEN, KEY, APPID)
const theirs = new WechatCrypto(TOKEN, KEY, APPID)


const rows = []
function compare(name, oursFn, theirsFn) {
  const a = measure(oursFn)
  const b = measure(theirsFn)
  rows.push({ name, ours: a, theirs: b, ratio: a / b })
}

// ---- the component_verify_ticket push, end to end --------------------------
const inner = `<xml><AppId><![CDATA[${APPID}]]></AppId><CreateTime>1700000000</CreateTime><InfoType><![CDATA[component_verify_ticket]]></InfoType><ComponentVerifyTicket><![CDATA[ticket@@@Lc2Ue2-x_yZ9aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789abcdefghijKLMNOPQRSTUV]]></ComponentVerifyTicket></xml>`
const encrypt = theirs.encrypt(inner)
const body = `<xml><AppId><![CDATA[${APPID}]]></AppId><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`
const query = { timestamp: '1700000000', nonce: '1320562132', msg_signature: theirs.getSignature('1700000000', '1320562132', encrypt) }

// What the original wxthirdparty + wechat-crypto users ran per push.
function originalPush(xml, q, cb) {
  xml2js.parseString(xml, (err, outer) => {
    if (err) return cb(err)
    const enc = outer.xml.Encrypt[0]
    if (theirs.getSignature(q.timestamp, q.nonce, enc) !== q.msg_signature) return cb(new Error('bad signature'))
    const { message } = theirs.decrypt(enc)
    xml2js.parseString(message, (err2, result) => {
      if (err2) return cb(err2)
      cb(null, result.xml.ComponentVerifyTicket[0])
    })
  })
}

let ticket
originalPush(body, query, (err, t) => { assert.ifError(err); ticket = t })
assert.equal(ours.decryptMessage(body, query).ComponentVerifyTicket, ticket)

compare('ticket push: signature + decrypt + parse',
  () => ours.decryptMessage(body, query).ComponentVerifyTicket,
  () => originalPush(body, query, (err, t) => { if (err) throw err; return t }))

// ---- crypto alone -------------------------------------------------------------
for (const size of [300, 4096]) {
  const msg = 'x'.repeat(size)
  const enc = theirs.encrypt(msg)
  assert.equal(ours.decrypt(enc).message, msg)
  compare(`decrypt ${size} B`, () => ours.decrypt(enc), () => theirs.decrypt(enc))
  compare(`encrypt ${size} B`, () => ours.encrypt(msg), () => theirs.encrypt(msg))
}

const fmt = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(1)}k`)
console.log(`node ${process.version}, ${require('os').cpus().length} CPUs (${require('os').cpus()[0].model})`)
console.log('| case | wxthirdparty ops/s | original JS ops/s | ratio |')
console.log('|---|---:|---:|---:|')
for (const r of rows) console.log(`| ${r.name} | ${fmt(r.ours)} | ${fmt(r.theirs)} | ${r.ratio.toFixed(1)}× |`)
emit(rows.map((r) => /push/.test(r.name)
  ? { area: 'push handling', case: r.name, ours: r.ours, theirs: r.theirs, unit: 'ops/CPU-s', against: 'xml2js + wechat-crypto', goal: '≥ 10×' }
  : { area: 'crypto', case: r.name, ours: r.ours, theirs: r.theirs, unit: 'ops/CPU-s', against: 'wechat-crypto', goal: '≥ 2×' }))

'use strict'
// parseMessage / buildReply as a user calls them, cross-checked against
// xml2js (the parser the original JS stack used).
const test = require('node:test')
const assert = require('node:assert/strict')
const xml2js = require('xml2js')
const { parseMessage, buildReply, WXBizMsgCrypt } = require('..')

function viaXml2js(text) {
  let out
  xml2js.parseString(text, { explicitArray: false }, (err, r) => { if (err) throw err; out = r.xml })
  return out
}

const head = (type) => `<ToUserName><![CDATA[gh_abc]]></ToUserName><FromUserName><![CDATA[oUser1]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[${type}]]></MsgType>`
const SAMPLES = {
  component_verify_ticket: '<xml><AppId><![CDATA[wxcomp]]></AppId><CreateTime>1413192605</CreateTime><InfoType><![CDATA[component_verify_ticket]]></InfoType><ComponentVerifyTicket><![CDATA[ticket@@@abc]]></ComponentVerifyTicket></xml>',
  authorized: '<xml><AppId>wxcomp</AppId><CreateTime>1413192760</CreateTime><InfoType>authorized</InfoType><AuthorizerAppid>wxauth</AuthorizerAppid><AuthorizationCode>code@@@1</AuthorizationCode><AuthorizationCodeExpiredTime>1413196360</AuthorizationCodeExpiredTime><PreAuthCode>pre@@@1</PreAuthCode></xml>',
  updateauthorized: '<xml><AppId>wxcomp</AppId><CreateTime>1413192760</CreateTime><InfoType>updateauthorized</InfoType><AuthorizerAppid>wxauth</AuthorizerAppid><AuthorizationCode>code@@@2</AuthorizationCode><AuthorizationCodeExpiredTime>1413196360</AuthorizationCodeExpiredTime><PreAuthCode>pre@@@2</PreAuthCode></xml>',
  unauthorized: '<xml><AppId>wxcomp</AppId><CreateTime>1413192760</CreateTime><InfoType>unauthorized</InfoType><AuthorizerAppid>wxauth</AuthorizerAppid></xml>',
  other_infotype: '<xml><AppId>wxcomp</AppId><CreateTime>1</CreateTime><InfoType>notify_third_fasteregister</InfoType><appid>wxnew</appid><status>0</status><info><name><![CDATA[公司]]></name><code>123</code></info></xml>',
  text: `<xml>${head('text')}<Content><![CDATA[你好, world]]></Content><MsgId>1234567890123456</MsgId></xml>`,
  image: `<xml>${head('image')}<PicUrl><![CDATA[http://e.com/a.jpg]]></PicUrl><MediaId><![CDATA[m]]></MediaId><MsgId>1</MsgId></xml>`,
  voice: `<xml>${head('voice')}<MediaId><![CDATA[m]]></MediaId><Format><![CDATA[amr]]></Format><Recognition><![CDATA[腾讯]]></Recognition><MsgId>1</MsgId></xml>`,
  video: `<xml>${head('video')}<MediaId><![CDATA[m]]></MediaId><ThumbMediaId><![CDATA[t]]></ThumbMediaId><MsgId>1</MsgId></xml>`,
  shortvideo: `<xml>${head('shortvideo')}<MediaId><![CDATA[m]]></MediaId><ThumbMediaId><![CDATA[t]]></ThumbMediaId><MsgId>1</MsgId></xml>`,
  location: `<xml>${head('location')}<Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y><Scale>20</Scale><Label><![CDATA[位置]]></Label><MsgId>1</MsgId></xml>`,
  link: `<xml>${head('link')}<Title><![CDATA[t]]></Title><Description><![CDATA[d]]></Description><Url><![CDATA[http://e.com/?a=1&b=2]]></Url><MsgId>1</MsgId></xml>`,
  subscribe: `<xml>${head('event')}<Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[qrscene_1]]></EventKey><Ticket><![CDATA[T]]></Ticket></xml>`,
  unsubscribe: `<xml>${head('event')}<Event><![CDATA[unsubscribe]]></Event></xml>`,
  SCAN: `<xml>${head('event')}<Event><![CDATA[SCAN]]></Event><EventKey><![CDATA[1]]></EventKey><Ticket><![CDATA[T]]></Ticket></xml>`,
  LOCATION: `<xml>${head('event')}<Event><![CDATA[LOCATION]]></Event><Latitude>23.137466</Latitude><Longitude>113.352425</Longitude><Precision>119.385040</Precision></xml>`,
  CLICK: `<xml>${head('event')}<Event><![CDATA[CLICK]]></Event><EventKey><![CDATA[V1001]]></EventKey></xml>`,
  VIEW: `<xml>${head('event')}<Event><![CDATA[VIEW]]></Event><EventKey><![CDATA[http://qq.com/]]></EventKey><MenuId>9</MenuId></xml>`,
  TEMPLATESENDJOBFINISH: `<xml>${head('event')}<Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event><MsgID>200163836</MsgID><Status><![CDATA[success]]></Status></xml>`,
  MASSSENDJOBFINISH: `<xml>${head('event')}<Event><![CDATA[MASSSENDJOBFINISH]]></Event><MsgID>1988</MsgID><Status><![CDATA[send success]]></Status><TotalCount>100</TotalCount><FilterCount>80</FilterCount><SentCount>75</SentCount><ErrorCount>5</ErrorCount><CopyrightCheckResult><Count>2</Count><ResultList><item><ArticleIdx>1</ArticleIdx></item><item><ArticleIdx>2</ArticleIdx></item></ResultList><CheckState>2</CheckState></CopyrightCheckResult></xml>`,
  scancode_push: `<xml>${head('event')}<Event><![CDATA[scancode_push]]></Event><EventKey><![CDATA[6]]></EventKey><ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType><ScanResult><![CDATA[1]]></ScanResult></ScanCodeInfo></xml>`,
  pic_weixin: `<xml>${head('event')}<Event><![CDATA[pic_weixin]]></Event><SendPicsInfo><Count>2</Count><PicList><item><PicMd5Sum><![CDATA[aa]]></PicMd5Sum></item><item><PicMd5Sum><![CDATA[bb]]></PicMd5Sum></item></PicList></SendPicsInfo></xml>`,
  unknown_event: `<xml>${head('event')}<Event><![CDATA[future_event]]></Event><Foo>bar</Foo></xml>`,
}

test('every push, message and event parses as xml2js reads it, with WeChat names', () => {
  for (const [name, xml] of Object.entries(SAMPLES)) {
    const got = parseMessage(xml)
    assert.deepEqual({ ...got }, viaXml2js(xml), name)
    assert.deepEqual(parseMessage(Buffer.from(xml)), got, `${name} as a Buffer`)
  }
  assert.equal(parseMessage(SAMPLES.component_verify_ticket).ComponentVerifyTicket, 'ticket@@@abc')
  assert.deepEqual(parseMessage(SAMPLES.pic_weixin).SendPicsInfo.PicList.item.map((i) => i.PicMd5Sum), ['aa', 'bb'])
})

test('hostile and malformed XML: clear ParseErrors, no entity expansion', () => {
  const xxe = '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><A>&x;</A></xml>'
  assert.throws(() => parseMessage(xxe), { name: 'ParseError', message: /DOCTYPE is not allowed/ })
  assert.throws(() => parseMessage('<xml><A>&x;</A></xml>'), { name: 'ParseError', message: /malformed XML/ })
  assert.throws(() => parseMessage('<xml><A>1</B></xml>'), { name: 'ParseError', message: /^malformed XML at byte \d+/ })
  assert.throws(() => parseMessage('<xml><A>1</A>'), { name: 'ParseError', message: 'malformed XML: <xml> is not closed' })
  assert.throws(() => parseMessage(''), { name: 'ParseError', message: 'no XML element found' })
  assert.throws(() => parseMessage(null), TypeError)
})

test('size cap: 1 MB by default, options.maxBytes to change it', () => {
  const big = `<xml><A>${'x'.repeat(1024 * 1024)}</A></xml>`
  assert.throws(() => parseMessage(big), { name: 'ParseError', message: /over the limit of 1048576 bytes/ })
  assert.equal(parseMessage(big, { maxBytes: 2 * 1024 * 1024 }).A.length, 1024 * 1024)
  assert.throws(() => parseMessage(SAMPLES.text, { maxBytes: 10 }), { name: 'ParseError' })
  assert.throws(() => parseMessage(SAMPLES.text, { maxBytes: -1 }), { name: 'TypeError', message: /^options\.maxBytes/ })
})

test('buildReply: every kind, addressed back to the sender, read by xml2js', () => {
  const message = parseMessage(SAMPLES.text)
  const check = (reply) => {
    const x = viaXml2js(buildReply(message, reply))
    assert.equal(x.ToUserName, 'oUser1')
    assert.equal(x.FromUserName, 'gh_abc')
    assert.ok(Math.abs(Number(x.CreateTime) - Date.now() / 1000) < 5, 'CreateTime in seconds')
    return x
  }
  const tricky = 'a ]]> b <![CDATA[ c ]]]]> & < > 你好'
  assert.deepEqual([check(tricky).MsgType, check(tricky).Content], ['text', tricky])
  assert.equal(check({ type: 'text', content: 'yo' }).Content, 'yo')
  assert.deepEqual(check({ type: 'image', content: { mediaId: 'img' } }).Image, { MediaId: 'img' })
  assert.deepEqual(check({ type: 'voice', content: { mediaId: 'vo' } }).Voice, { MediaId: 'vo' })
  assert.deepEqual(check({ type: 'video', content: { mediaId: 'vi', title: 'T', description: 'D' } }).Video, { MediaId: 'vi', Title: 'T', Description: 'D' })
  assert.deepEqual(
    check({ type: 'music', content: { title: 'T', description: 'D', musicUrl: 'http://m', hqMusicUrl: 'http://hq', thumbMediaId: 'th' } }).Music,
    { Title: 'T', Description: 'D', MusicUrl: 'http://m', HQMusicUrl: 'http://hq', ThumbMediaId: 'th' },
  )
  const news = check([
    { title: 'A', description: 'a', picurl: 'http://p/a', url: 'http://u/a' },
    { title: 'B]]>', description: 'b', picUrl: 'http://p/b', url: 'http://u/b' },
  ])
  assert.equal(news.MsgType, 'news')
  assert.equal(news.ArticleCount, '2')
  assert.deepEqual(news.Articles.item[1], { Title: 'B]]>', Description: 'b', PicUrl: 'http://p/b', Url: 'http://u/b' })
  assert.equal(check({ type: 'transfer_customer_service' }).MsgType, 'transfer_customer_service')
  assert.deepEqual(check({ type: 'transfer_customer_service', content: { kfAccount: 'kf@gh' } }).TransInfo, { KfAccount: 'kf@gh' })
  // The reply parses back with our own parser too.
  assert.equal(parseMessage(buildReply(message, tricky)).Content, tricky)
})

test('buildReply: bad replies are TypeErrors that say what is wrong', () => {
  const message = parseMessage(SAMPLES.text)
  assert.throws(() => buildReply(message, { type: 'sticker' }), { name: 'TypeError', message: /^reply: unknown type 'sticker'/ })
  assert.throws(() => buildReply(message, { type: 'image', content: {} }), { name: 'TypeError', message: 'reply: a image reply needs mediaId' })
  assert.throws(() => buildReply(message, []), { name: 'TypeError', message: /at least one article/ })
  assert.throws(() => buildReply(message), { name: 'TypeError', message: /^reply:/ })
  assert.throws(() => buildReply({}, 'hi'), { name: 'TypeError', message: 'message: has no FromUserName to reply to' })
  assert.throws(() => buildReply(null, 'hi'), { name: 'TypeError', message: /^message:/ })
})

test('a full encrypted exchange: message in, reply out', () => {
  const key = Buffer.alloc(32, 3).toString('base64').slice(0, 43)
  const account = new WXBizMsgCrypt('tok', key, 'wxaccount')
  const incoming = account.encryptMessage(SAMPLES.text, '1700000000', 'n1')
  const env = viaXml2js(incoming)
  const message = account.decryptMessage(incoming, { timestamp: env.TimeStamp, nonce: env.Nonce, msg_signature: env.MsgSignature })
  assert.deepEqual({ ...message }, viaXml2js(SAMPLES.text))
  const out = account.encryptMessage(buildReply(message, 'got it'))
  const reply = account.decryptMessage(out)
  assert.equal(reply.Content, 'got it')
  assert.equal(reply.ToUserName, 'oUser1')
})

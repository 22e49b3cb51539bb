'use strict'
// Every row of the mini-program surface (reference/wxa-surface.tsv) called
// through the package against the sandbox, on MariaDB: the request as it
// reached the sandbox (method, path, query without the token, JSON body) is
// the one WeChat documents, written out here row by row from WeChat's docs.
// A row of the TSV without an expectation here fails the test.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const path = require('path')
const { miniProgramPlatform } = require('./helpers/wxa')
const { freshMysql } = require('./helpers/messages')

const TSV = path.join(__dirname, '..', '..', 'shared', 'reference', 'wxa-surface.tsv')
const tsvFile = fs.existsSync(TSV) ? TSV : '/work/shared/reference/wxa-surface.tsv'
const rows = fs.readFileSync(tsvFile, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'))

const GET = (p, query = {}) => ({ method: 'GET', path: p, query, body: null })
const POST = (p, body, query = {}) => ({ method: 'POST', path: p, query, body })

// method → (ctx) => [args, expected wire]
const EXPECT = {
  // ext_json is text on the wire; text given is sent as it is (an object is sent as its JSON text: wxa.test.js).
  commit: (c) => [[{ templateId: c.templateId, extJson: JSON.stringify({ extAppid: c.appid, ext: { shop: 1 } }), userVersion: '1.0.1', userDesc: 'surface' }],
    POST('/wxa/commit', { template_id: c.templateId, ext_json: JSON.stringify({ extAppid: c.appid, ext: { shop: 1 } }), user_version: '1.0.1', user_desc: 'surface' })],
  getPage: () => [[], GET('/wxa/get_page')],
  getQrcode: () => [['pages/index/index?x=1'], GET('/wxa/get_qrcode', { path: 'pages/index/index?x=1' })],
  getCodePrivacyInfo: () => [[], GET('/wxa/security/get_code_privacy_info')],
  submitAudit: () => [[{
    itemList: [{ address: 'pages/index/index', tag: '工具', firstClass: '工具', secondClass: '效率', firstId: 3, secondId: 4, title: '首页' }],
    previewInfo: { picIdList: ['media1'] }, versionDesc: 'v', feedbackInfo: 'f', feedbackStuff: 'media1|media2',
    ugcDeclare: { scene: [0], hasAuditTeam: 0 }, privacyApiNotUse: true, orderPath: 'pages/order/index',
  }], POST('/wxa/submit_audit', {
    item_list: [{ address: 'pages/index/index', tag: '工具', first_class: '工具', second_class: '效率', first_id: 3, second_id: 4, title: '首页' }],
    preview_info: { pic_id_list: ['media1'] }, version_desc: 'v', feedback_info: 'f', feedback_stuff: 'media1|media2',
    ugc_declare: { scene: [0], has_audit_team: 0 }, privacy_api_not_use: true, order_path: 'pages/order/index',
  })],
  getAuditStatus: () => [[412345678], POST('/wxa/get_auditstatus', { auditid: 412345678 })],
  getLatestAuditStatus: () => [[], GET('/wxa/get_latest_auditstatus')],
  undoCodeAudit: () => [[], GET('/wxa/undocodeaudit')],
  speedupAudit: () => [[412345678], POST('/wxa/speedupaudit', { auditid: 412345678 })],
  queryQuota: () => [[], GET('/wxa/queryquota')],
  release: () => [[], POST('/wxa/release', {})],
  revertCodeRelease: () => [[3], GET('/wxa/revertcoderelease', { app_version: '3' })],
  getHistoryVersion: () => [[], GET('/wxa/revertcoderelease', { action: 'get_history_version' })],
  grayRelease: () => [[10, { supportDebugerFirst: true, supportExperiencerFirst: false }],
    POST('/wxa/grayrelease', { gray_percentage: 10, support_debuger_first: true, support_experiencer_first: false })],
  revertGrayRelease: () => [[], GET('/wxa/revertgrayrelease')],
  getGrayReleasePlan: () => [[], GET('/wxa/getgrayreleaseplan')],
  changeVisitStatus: () => [['close'], POST('/wxa/change_visitstatus', { action: 'close' })],
  getVersionInfo: () => [[], POST('/wxa/getversioninfo', {})],
  getWeappSupportVersion: () => [[], POST('/cgi-bin/wxopen/getweappsupportversion', {})],
  setWeappSupportVersion: () => [['2.21.0'], POST('/cgi-bin/wxopen/setweappsupportversion', { version: '2.21.0' })],
  modifyDomain: () => [[{ action: 'add', requestdomain: ['https://api.example.com'], wsrequestdomain: ['wss://ws.example.com'] }],
    POST('/wxa/modify_domain', { action: 'add', requestdomain: ['https://api.example.com'], wsrequestdomain: ['wss://ws.example.com'] })],
  modifyDomainDirectly: () => [[{ action: 'set', uploaddomain: ['https://up.example.com'], tcpdomain: ['tcp://t.example.com'] }],
    POST('/wxa/modify_domain_directly', { action: 'set', uploaddomain: ['https://up.example.com'], tcpdomain: ['tcp://t.example.com'] })],
  setWebviewDomain: () => [[{ action: 'add', webviewdomain: ['https://h5.example.com'] }], POST('/wxa/setwebviewdomain', { action: 'add', webviewdomain: ['https://h5.example.com'] })],
  setWebviewDomainDirectly: () => [[{ action: 'get' }], POST('/wxa/setwebviewdomain_directly', { action: 'get' })],
  getEffectiveDomain: () => [[], POST('/wxa/get_effective_domain', {})],
  getEffectiveWebviewDomain: () => [[], POST('/wxa/get_effective_webviewdomain', {})],
  getWebviewDomainConfirmFile: () => [[], POST('/wxa/get_webviewdomain_confirmfile', {})],
  bindTester: () => [['tester-wx'], POST('/wxa/bind_tester', { wechatid: 'tester-wx' })],
  unbindTester: () => [[{ userstr: 'abc123' }], POST('/wxa/unbind_tester', { userstr: 'abc123' })],
  getTesters: () => [[], POST('/wxa/memberauth', { action: 'get_experiencer' })],
  getAllCategories: () => [[], GET('/cgi-bin/wxopen/getallcategories')],
  getSettingCategories: () => [[], GET('/cgi-bin/wxopen/getcategory')],
  addCategory: () => [[[{ first: 3, second: 4, certicates: [{ key: '资质', value: 'media1' }] }]],
    POST('/cgi-bin/wxopen/addcategory', { categories: [{ first: 3, second: 4, certicates: [{ key: '资质', value: 'media1' }] }] })],
  deleteCategory: () => [[3, 4], POST('/cgi-bin/wxopen/deletecategory', { first: 3, second: 4 })],
  modifyCategory: () => [[{ first: 3, second: 4, certicates: [{ key: '资质', value: 'media2' }] }],
    POST('/cgi-bin/wxopen/modifycategory', { first: 3, second: 4, certicates: [{ key: '资质', value: 'media2' }] })],
  getCategory: () => [[], GET('/wxa/get_category')],
  setPrivacySetting: () => [[{ privacyVer: 2, settingList: [{ privacyKey: 'UserInfo', privacyText: '登录' }], ownerSetting: { contactEmail: 'a@example.com', noticeMethod: '弹窗' } }],
    POST('/cgi-bin/component/setprivacysetting', { privacy_ver: 2, setting_list: [{ privacy_key: 'UserInfo', privacy_text: '登录' }], owner_setting: { contact_email: 'a@example.com', notice_method: '弹窗' } })],
  getPrivacySetting: () => [[1], POST('/cgi-bin/component/getprivacysetting', { privacy_ver: 1 })],
  uploadPrivacyExtFile: () => [[Buffer.from('privacy guide text')], { method: 'POST', path: '/cgi-bin/component/uploadprivacyextfile', query: {}, multipart: 'privacy guide text' }],
  sendSubscribeMessage: () => [[{ touser: 'oUser', templateId: 'tplA', page: 'pages/index/index', data: { thing1: { value: '到货' } }, miniprogramState: 'trial', lang: 'zh_CN' }],
    POST('/cgi-bin/message/subscribe/send', { touser: 'oUser', template_id: 'tplA', page: 'pages/index/index', data: { thing1: { value: '到货' } }, miniprogram_state: 'trial', lang: 'zh_CN' })],
  getWxaCodeUnlimit: () => [[{ scene: 'a=1', page: 'pages/index/index', checkPath: false, envVersion: 'trial', width: 430, autoColor: false, lineColor: { r: 0, g: 0, b: 0 }, isHyaline: true }],
    POST('/wxa/getwxacodeunlimit', { scene: 'a=1', page: 'pages/index/index', check_path: false, env_version: 'trial', width: 430, auto_color: false, line_color: { r: 0, g: 0, b: 0 }, is_hyaline: true })],
  getWxaCode: () => [[{ path: 'pages/index/index?x=1', envVersion: 'release', width: 280 }], POST('/wxa/getwxacode', { path: 'pages/index/index?x=1', env_version: 'release', width: 280 })],
  createWxaQrcode: () => [[{ path: 'pages/index/index', width: 430 }], POST('/cgi-bin/wxaapp/createwxaqrcode', { path: 'pages/index/index', width: 430 })],
  // the platform's (component token)
  getTemplateDraftList: () => [[], GET('/wxa/gettemplatedraftlist')],
  addToTemplate: (c) => [[c.draftId, 1], POST('/wxa/addtotemplate', { draft_id: c.draftId, template_type: 1 })],
  getTemplateList: () => [[0], GET('/wxa/gettemplatelist', { template_type: '0' })],
  deleteTemplate: () => [[987654], POST('/wxa/deletetemplate', { template_id: 987654 })],
  fastRegisterWeapp: () => [[{ name: '沙盒科技有限公司', code: '91440300MA5F000000', codeType: 1, legalPersonaWechat: 'legalwx', legalPersonaName: '张三', componentPhone: '4000000000' }],
    POST('/cgi-bin/component/fastregisterweapp', { name: '沙盒科技有限公司', code: '91440300MA5F000000', code_type: 1, legal_persona_wechat: 'legalwx', legal_persona_name: '张三', component_phone: '4000000000' }, { action: 'create' })],
  searchFastRegisterWeapp: () => [[{ name: '沙盒科技有限公司', legalPersonaWechat: 'legalwx', legalPersonaName: '张三' }],
    POST('/cgi-bin/component/fastregisterweapp', { name: '沙盒科技有限公司', legal_persona_wechat: 'legalwx', legal_persona_name: '张三' }, { action: 'search' })],
  fastRegisterBetaWeapp: () => [[{ name: '小麦烤鸡店铺', openid: 'oUser' }], POST('/wxa/component/fastregisterbetaweapp', { name: '小麦烤鸡店铺', openid: 'oUser' })],
  fastRegisterPersonalWeapp: () => [[{ idname: '张三', wxuser: 'zhangsan', componentPhone: '4000000000' }],
    POST('/wxa/component/fastregisterpersonalweapp', { idname: '张三', wxuser: 'zhangsan', component_phone: '4000000000' }, { action: 'create' })],
  modifyWxaServerDomain: () => [[{ action: 'add', wxaServerDomain: ['a.example.com', 'b.example.com'], isModifyPublishedTogether: true }],
    POST('/cgi-bin/component/modify_wxa_server_domain', { action: 'add', wxa_server_domain: 'a.example.com;b.example.com', is_modify_published_together: true })],
  modifyWxaJumpDomain: () => [[{ action: 'set', wxaJumpH5Domain: 'h5.example.com' }], POST('/cgi-bin/component/modify_wxa_jump_domain', { action: 'set', wxa_jump_h5_domain: 'h5.example.com' })],
  getDomainConfirmFile: () => [[], POST('/cgi-bin/component/get_domain_confirmfile', {})],
  // The AppSecret goes in the body (the sandbox's log keeps it out).
  clearComponentQuotaV2: (c) => [[], POST('/cgi-bin/component/clear_quota/v2', { component_appid: c.component, appsecret: '(secret)' })],
}

// Token endpoints a call may use on the way.
const TOKEN = /^\/cgi-bin\/component\/api_(component_token|authorizer_token|create_preauthcode)$/

test('every row of the mini-program surface sends the request WeChat documents', { timeout: 120000 }, async (t) => {
  const db = freshMysql('wxtp_wxa')
  t.after(() => db.drop())
  const w = await miniProgramPlatform({ db: db.url })
  t.after(() => w.close())
  const draft = await w.sandbox.addDraft(w.component)
  const ctx = { appid: w.appid, component: w.component, templateId: w.templateId, draftId: draft.draft_id }
  const missing = rows.map((r) => r[1]).filter((m) => !EXPECT[m])
  assert.deepEqual(missing, [], 'rows of the TSV without an expected request here')
  for (const [where, method] of rows) {
    const target = where === 'platform' ? w.platform : w.client
    assert.equal(typeof target[method], 'function', `${where}.${method}`)
    const [args, want] = EXPECT[method](ctx)
    const before = (await w.sandbox.requests()).length
    try {
      await target[method](...args)
    } catch (e) {
      // The sandbox may refuse the sample (no approved audit, unknown auditid …): the request still reached it.
      assert.equal(e.name, 'WeChatAPIError', `${method}: ${e.stack}`)
    }
    const sent = (await w.sandbox.requests()).slice(before).filter((r) => !TOKEN.test(r.path))
    assert.equal(sent.length, 1, `${method}: ${JSON.stringify(sent)}`)
    const got = sent[0]
    assert.equal(got.method, want.method, `${method} method`)
    assert.equal(got.path, want.path, `${method} path`)
    assert.deepEqual(got.query, want.query, `${method} query`)
    if (want.multipart) {
      assert.match(got.contentType, /^multipart\/form-data/, method)
      assert.ok(String(got.body).includes(want.multipart) && String(got.body).includes('name="file"'), `${method} multipart: ${got.body}`)
    } else {
      assert.deepEqual(got.body, want.body, `${method} body`)
    }
  }
})

// clear_quota/v2 has a second form (WeChat's example 5.2): given an
// authorizer's appid it resets that authorizer's quota; the table above
// checks the platform's own form, without appid.
test("clearComponentQuotaV2(appid) sends the authorizer's appid beside component_appid and the AppSecret; the sandbox answers it", { timeout: 60000 }, async (t) => {
  const db = freshMysql('wxtp_wxa')
  t.after(() => db.drop())
  const w = await miniProgramPlatform({ db: db.url })
  t.after(() => w.close())
  const sent = async (since) => (await w.sandbox.requests()).slice(since).filter((r) => !TOKEN.test(r.path))
  const wire = (r) => [r.method, r.path, r.query, r.body]

  let before = (await w.sandbox.requests()).length
  // The sandbox answers ok only for the platform's AppSecret (40125 otherwise) and an appid authorized to it (61003).
  await w.platform.clearComponentQuotaV2(w.appid)
  assert.deepEqual((await sent(before)).map(wire),
    [['POST', '/cgi-bin/component/clear_quota/v2', {}, { appid: w.appid, component_appid: w.component, appsecret: '(secret)' }]])

  // An appid that never authorized the platform is sent as given, and refused.
  const stranger = 'wx' + 'f'.repeat(16)
  before = (await w.sandbox.requests()).length
  await assert.rejects(w.platform.clearComponentQuotaV2(stranger), (e) => e.name === 'WeChatAPIError' && e.code === 61003)
  assert.deepEqual((await sent(before)).map(wire),
    [['POST', '/cgi-bin/component/clear_quota/v2', {}, { appid: stranger, component_appid: w.component, appsecret: '(secret)' }]])
  // The AppSecret stays out of what the sandbox logged.
  assert.ok(!JSON.stringify(await w.sandbox.requests('/cgi-bin/component/clear_quota/v2')).includes(w.env.creds.secret))
})

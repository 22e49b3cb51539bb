'use strict'
// Mini programs on behalf, as a user runs them against the sandbox (real
// MariaDB and PostgreSQL behind the platform): commit → audit → release by
// hand (the README's steps), 61039 and 85009 as the WeChat errors they are,
// the reviewer's events on the message URL, images vs JSON, bad input that
// sends nothing, a token rejected mid-flow, the template library and fast
// registration, the sendSubscribeMessage clash.
const { describe, test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { WeChatAPIError } = require('..')
const { miniProgramPlatform } = require('./helpers/wxa')
const { freshMysql, waitFor } = require('./helpers/messages')
const { freshDatabase, POSTGRES } = require('./helpers/databases')

const weChat = (code) => (e) => e instanceof WeChatAPIError && e.code === code

/** The README's "by hand" flow for one app; returns what it saw. */
async function byHand({ sandbox, client, appid, templateId }) {
  await client.commit({ templateId, extJson: { extAppid: appid, ext: { shop: 'No.1' } }, userVersion: '1.0.0', userDesc: 'first' })
  // The code-privacy detection runs for a while after a commit: submit_audit answers 61039 until then.
  await assert.rejects(client.submitAudit({ versionDesc: 'first' }), weChat(61039))
  await waitFor(() => client.getCodePrivacyInfo().then(() => true, (e) => { if (e.code !== 61039) throw e }), 'the privacy detection')
  const quota = await client.queryQuota()
  const { auditid } = await client.submitAudit({ versionDesc: 'first' })
  // A second submit while one is under way is 85009, quota untouched.
  await assert.rejects(client.submitAudit({ versionDesc: 'again' }), weChat(85009))
  assert.equal((await client.queryQuota()).rest, quota.rest - 1)
  await waitFor(async () => (await client.getAuditStatus(auditid)).status === 0, 'the audit to pass')
  await client.release()
  await assert.rejects(client.release(), weChat(85052))
  const info = await client.getVersionInfo()
  assert.equal(info.release_info.release_version, '1.0.0')
  return { auditid, quota }
}

for (const kind of ['mysql', 'postgres']) {
  describe(`a mini program on ${kind}`, { timeout: 60000 }, () => {
    let w, db
    before(async () => {
      db = kind === 'mysql' ? freshMysql('wxtp_wxa') : freshDatabase('postgres', POSTGRES)
      w = await miniProgramPlatform({ db: db.url })
    })
    after(async () => {
      if (w) await w.close()
      db.drop()
    })

    test('commit → audit → release by hand; the success event reaches the message URL', async () => {
      const { auditid, quota } = await byHand(w)
      assert.equal((await w.client.queryQuota()).rest, quota.rest - 1, 'one submit, one quota')
      const event = await waitFor(() => w.arrived.find((m) => m.Event === 'weapp_audit_success'), 'weapp_audit_success')
      assert.equal(event.MsgType, 'event')
      const state = await w.sandbox.miniProgram(w.appid)
      assert.equal(state.audits.find((a) => a.auditid === auditid).status, 0)
      assert.equal(state.release.user_version, '1.0.0')
    })

    test('a rejection carries its reason and screenshots, in the event and getAuditStatus; a lost event changes the state only; a withdrawn audit is status 3', async () => {
      await w.sandbox.setReviewer(w.appid, { verdict: 'fail', reason: '类目不符', screenshots: ['shot1', 'shot2'], afterMs: 0 })
      await w.sandbox.updateConfig({ wxaPrivacyCheckSecs: 0 })
      await w.client.commit({ templateId: w.templateId, extJson: '{"extAppid":"' + w.appid + '"}', userVersion: '1.0.1', userDesc: 'second' })
      const { auditid } = await w.client.submitAudit()
      const fail = await waitFor(() => w.arrived.find((m) => m.Event === 'weapp_audit_fail'), 'weapp_audit_fail')
      assert.equal(fail.Reason, '类目不符')
      assert.equal(fail.ScreenShot, 'shot1|shot2')
      const status = await w.client.getAuditStatus(auditid)
      assert.deepEqual([status.status, status.reason, status.screenshot], [1, '类目不符', 'shot1|shot2'])

      await w.sandbox.setReviewer(w.appid, { verdict: 'pass', afterMs: 0 })
      await w.sandbox.loseNextEvent(w.appid)
      const delivered = w.arrived.length
      const second = await w.client.submitAudit()
      await waitFor(async () => (await w.client.getAuditStatus(second.auditid)).status === 0, 'the pass')
      await waitFor(async () => (await w.sandbox.wxaEvents()).some((e) => e.auditid === second.auditid && e.outcome === 'lost'), 'the lost event')
      assert.equal(w.arrived.length, delivered, 'nothing pushed for a lost event')

      // An audit withdrawn (undocodeaudit) reads as status 3, by its id and as the latest.
      await w.sandbox.setReviewer(w.appid, { verdict: 'manual' })
      const third = await w.client.submitAudit()
      assert.equal((await w.client.getAuditStatus(third.auditid)).status, 2, 'auditing')
      await w.client.undoCodeAudit()
      assert.equal((await w.client.getAuditStatus(third.auditid)).status, 3, 'withdrawn')
      const latest = await w.client.getLatestAuditStatus()
      assert.deepEqual([latest.auditid, latest.status], [third.auditid, 3])
      await w.sandbox.updateConfig({ wxaPrivacyCheckSecs: 1 })
    })
  })
}

describe('images, bad input, tokens, the platform', { timeout: 60000 }, () => {
  let w, db
  before(async () => {
    db = freshMysql('wxtp_wxa')
    w = await miniProgramPlatform({ db: db.url })
  })
  after(async () => {
    if (w) await w.close()
    db.drop()
  })

  test('wxacodes resolve a Buffer with its content type; JSON rejects as WeChatAPIError, whatever its content type', async () => {
    const code = await w.client.getWxaCode({ path: 'pages/index/index?id=7' })
    assert.ok(Buffer.isBuffer(code))
    assert.equal(code.contentType, 'image/png')
    assert.ok(code.subarray(0, 8).equals(Buffer.from('89504e470d0a1a0a', 'hex')), 'PNG bytes')
    assert.ok(code.includes('pages/index/index?id=7'), 'the image says what it is for')
    const unlimited = await w.client.getWxaCodeUnlimit({ scene: 'id=7', checkPath: false })
    assert.ok(unlimited.includes('id=7'))
    assert.equal((await w.client.createWxaQrcode({ path: 'pages/index/index' })).contentType, 'image/png')

    await w.sandbox.injectFault('/wxa/getwxacode', { errcode: 45009 })
    await assert.rejects(w.client.getWxaCode({ path: 'pages/a' }), weChat(45009))
    // An error disguised as an image (HTTP 200, image/jpeg, a JSON errcode body).
    await w.sandbox.injectFault('/wxa/getwxacodeunlimit', { errcode: 45009, contentType: 'image/jpeg' })
    await assert.rejects(w.client.getWxaCodeUnlimit({ scene: 'x' }), weChat(45009))
    // A page the released code does not have.
    await assert.rejects(w.client.getWxaCodeUnlimit({ scene: 'x', page: 'pages/nowhere' }), weChat(41030))
    // The trial QR code needs committed code.
    await w.client.commit({ templateId: w.templateId, extJson: '{}', userVersion: '1.0.0', userDesc: 'qr' })
    const trial = await w.client.getQrcode('pages/index/index')
    assert.ok(Buffer.isBuffer(trial) && trial.contentType === 'image/png')
    // The trial QR code and the legacy QR code answer JSON errors the same way: the code WeChat sent, never bytes.
    await w.sandbox.injectFault('/wxa/get_qrcode', { errcode: 85074 })
    await assert.rejects(w.client.getQrcode('pages/index/index'), weChat(85074))
    await w.sandbox.injectFault('/wxa/get_qrcode', { errcode: 45009, contentType: 'image/jpeg' })
    await assert.rejects(w.client.getQrcode('pages/index/index'), weChat(45009))
    await w.sandbox.injectFault('/cgi-bin/wxaapp/createwxaqrcode', { errcode: 40097 })
    await assert.rejects(w.client.createWxaQrcode({ path: 'pages/index/index' }), weChat(40097))
    await w.sandbox.injectFault('/cgi-bin/wxaapp/createwxaqrcode', { errcode: 45009, contentType: 'image/jpeg' })
    await assert.rejects(w.client.createWxaQrcode({ path: 'pages/index/index' }), weChat(45009))
    // The faults are spent: both answer images again.
    assert.equal((await w.client.getQrcode('pages/index/index')).contentType, 'image/png')
    assert.equal((await w.client.createWxaQrcode({ path: 'pages/index/index' })).contentType, 'image/png')
  })

  test('bad input is a TypeError naming the argument, and nothing is sent', async () => {
    const before = (await w.sandbox.requests()).length
    const bad = [
      [() => w.client.commit({ templateId: w.templateId, extJson: '{not json', userVersion: '1', userDesc: 'd' }), /^extJson: is not JSON/],
      [() => w.client.commit({ extJson: '{}', userVersion: '1', userDesc: 'd' }), /^templateId: is required/],
      [() => w.client.changeVisitStatus('pause'), /^action: must be one of open, close/],
      [() => w.client.modifyDomain({ action: 'replace', requestdomain: [] }), /^action: must be one of add, delete, set, get/],
      [() => w.client.bindTester(12345), /^wechatid: must be a string/],
      [() => w.client.grayRelease(0), /^grayPercentage: must be an integer from 1 to 100/],
      [() => w.client.grayRelease(101), /^grayPercentage: must be an integer from 1 to 100/],
      [() => w.client.unbindTester({}), /^options: must give one of wechatid, userstr/],
      [() => w.client.getWxaCode({ width: 430 }), /^path: is required/],
      [() => w.platform.addToTemplate(1, 5), /^templateType: must be an integer from 0 to 1/],
      [() => w.platform.fastRegisterWeapp({ name: 'n', code: 'c', codeType: 9, legalPersonaWechat: 'w', legalPersonaName: 'p' }), /^codeType: must be an integer from 1 to 3/],
    ]
    for (const [call, message] of bad) {
      await assert.rejects(call(), (e) => e instanceof TypeError && message.test(e.message), String(message))
    }
    assert.equal((await w.sandbox.requests()).length, before, 'no request reached the sandbox')
    // The client keeps serving.
    assert.equal(typeof (await w.client.queryQuota()).rest, 'number')
  })

  test("a mini program's token rejected mid-flow is refreshed once and the call retried", async () => {
    await w.client.queryQuota()
    const issued = async () => (await w.sandbox.issued())['/cgi-bin/component/api_authorizer_token'] || 0
    const refreshes = await issued()
    const invalid = (await w.sandbox.invalidTokenCalls()).length
    await w.sandbox.invalidateTokens()
    // The component token is voided too: the refresh needs a new one first.
    const q = await w.client.queryQuota()
    assert.equal(typeof q.rest, 'number')
    assert.equal(await issued(), refreshes + 1, 'one authorizer token refresh')
    const rejected = (await w.sandbox.invalidTokenCalls()).slice(invalid).filter((c) => c.path === '/wxa/queryquota')
    assert.equal(rejected.length, 1, JSON.stringify(rejected))
  })

  test('the template library: drafts → templates → delete, with the component token', async () => {
    const draft = await w.sandbox.addDraft(w.component, { userVersion: '2.0.0', userDesc: 'v2' })
    const { draft_list: drafts } = await w.platform.getTemplateDraftList()
    assert.ok(drafts.some((d) => d.draft_id === draft.draft_id))
    await w.platform.addToTemplate(draft.draft_id, 1)
    const standard = (await w.platform.getTemplateList(1)).template_list
    const added = standard.find((t) => t.draft_id === draft.draft_id)
    assert.ok(added && added.template_type === 1 && added.user_version === '2.0.0')
    await w.platform.deleteTemplate(added.template_id)
    assert.ok(!(await w.platform.getTemplateList()).template_list.some((t) => t.template_id === added.template_id))
    await assert.rejects(w.platform.deleteTemplate(added.template_id), weChat(85064))
  })

  test('domains come from the platform lists; testers; categories', async () => {
    await assert.rejects(w.client.modifyDomain({ action: 'add', requestdomain: ['https://api.example.com'] }), weChat(85017))
    await w.platform.modifyWxaServerDomain({ action: 'add', wxaServerDomain: ['api.example.com'], isModifyPublishedTogether: true })
    const set = await w.client.modifyDomain({ action: 'add', requestdomain: ['https://api.example.com'] })
    assert.deepEqual(set.requestdomain, ['https://api.example.com'])
    assert.deepEqual((await w.client.getEffectiveDomain()).effective_domain.requestdomain, ['https://api.example.com'])
    const { userstr } = await w.client.bindTester('tester-1')
    assert.deepEqual((await w.client.getTesters()).members, [{ userstr }])
    await assert.rejects(w.client.bindTester('tester-1'), weChat(85004))
    await w.client.unbindTester({ wechatid: 'tester-1' })
    assert.deepEqual((await w.client.getTesters()).members, [])
    // Webview domains: without an action WeChat sets every business domain of the platform.
    const jump = `h5-${Date.now()}.example.com`
    await w.platform.modifyWxaJumpDomain({ action: 'set', wxaJumpH5Domain: jump })
    await w.client.setWebviewDomain()
    const webview = (await w.sandbox.requests('/wxa/setwebviewdomain')).pop()
    assert.deepEqual(webview.body, {}, 'nothing but what was given is sent')
    assert.deepEqual((await w.client.setWebviewDomain({ action: 'get' })).webviewdomain, [`https://${jump}`])
    await assert.rejects(w.client.setWebviewDomain({ action: 'replace' }), (e) => e instanceof TypeError && /action: must be one of/.test(e.message))
    await w.client.addCategory([{ first: 3, second: 4, certicates: [] }])
    assert.deepEqual((await w.client.getCategory()).category_list.map((c) => c.second_class), ['效率'])
  })

  test('sendSubscribeMessage: the mini program form goes to /subscribe/send, wechat-api form to bizsend', async () => {
    await w.client.sendSubscribeMessage({ touser: 'oUser', templateId: 'tplA', data: { thing1: { value: 'x' } }, miniprogramState: 'formal' })
    await w.client.sendWxaSubscribeMessage({ touser: 'oUser', template_id: 'tplB', data: { thing1: { value: 'y' } } })
    const sent = (await w.sandbox.requests('/cgi-bin/message/subscribe/send')).map((r) => r.body.template_id)
    assert.deepEqual(sent, ['tplA', 'tplB'])
    // An official account's message (snake_case, as wechat-api sends it) still goes to bizsend.
    await w.client.sendSubscribeMessage({ touser: 'oUser', template_id: 'tplC', data: { thing1: { value: 'z' } } }).catch(() => {})
    assert.deepEqual((await w.sandbox.requests('/cgi-bin/message/subscribe/bizsend')).map((r) => r.body.template_id), ['tplC'])
  })

  test('fast registration: the result is pushed, and its auth_code stores a mini-program authorizer', async () => {
    await w.sandbox.scriptFastRegistration(w.component, { auto: false })
    await w.platform.fastRegisterWeapp({ name: '沙盒餐饮有限公司', code: '91440300MA5F000001', codeType: 1, legalPersonaWechat: 'legal', legalPersonaName: '李四' })
    await assert.rejects(w.platform.searchFastRegisterWeapp({ name: '沙盒餐饮有限公司', legalPersonaWechat: 'legal', legalPersonaName: '李四' }), weChat(89251))
    const done = await w.sandbox.completeFastRegistration(w.component, '沙盒餐饮有限公司')
    assert.equal(done.status, 0)
    const push = (await w.sandbox.pushes()).find((p) => p.infoType === 'notify_third_fasteregister')
    assert.equal(push.authorizerAppid, done.appid)
    const user = await w.platform.handleAuthCode(done.authCode)
    assert.equal(user.appid, done.appid)
    // The new mini program works at once with the platform's code management.
    await w.platform.createClient(done.appid).commit({ templateId: w.templateId, extJson: '{}', userVersion: '0.1.0', userDesc: 'new' })

    const beta = await w.platform.fastRegisterBetaWeapp({ name: '小麦烤鸡店铺', openid: 'oUser' })
    assert.match(beta.authorize_url, /^https:\/\//)
    const b = await w.sandbox.completeFastRegistration(w.component, beta.unique_id)
    assert.ok((await w.sandbox.pushes()).some((p) => p.infoType === 'notify_third_fastregisterbetaapp' && p.authorizerAppid === b.appid))
    // WeChat's current personal flow: the WeChat id alone, with new_version.
    const wxuser = `user${Date.now()}`
    const current = await w.platform.fastRegisterPersonalWeapp({ wxuser, newVersion: true })
    assert.deepEqual((await w.sandbox.requests('/wxa/component/fastregisterpersonalweapp')).pop().body, { wxuser, new_version: true })
    assert.equal((await w.platform.queryFastRegisterPersonalWeapp(current.taskid)).status, 0)
    await assert.rejects(w.platform.fastRegisterPersonalWeapp({ wxuser, newVersion: 'yes' }), (e) => e instanceof TypeError && /newVersion/.test(e.message))
    const personal = await w.platform.fastRegisterPersonalWeapp({ idname: '张三', wxuser: 'zhangsan' })
    assert.equal((await w.platform.queryFastRegisterPersonalWeapp(personal.taskid)).status, 0)
    await w.sandbox.completeFastRegistration(w.component, personal.taskid, { status: 5 })
    assert.equal((await w.platform.queryFastRegisterPersonalWeapp(personal.taskid)).status, 11)
    // The AppSecret reset needs no token.
    await w.platform.clearComponentQuotaV2()
    assert.ok(!JSON.stringify(await w.sandbox.requests('/cgi-bin/component/clear_quota/v2')).includes(w.env.creds.secret))
  })
})

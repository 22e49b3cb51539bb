// Mini programs on behalf as the README uses them: client rows, images, the platform's rows.
import { ThirdpartyServer, WxaImage, startSandbox } from '../..'

async function byHand(platform: ThirdpartyServer, appid: string): Promise<void> {
  const client = platform.createClient(appid)
  const { template_list } = await platform.getTemplateList()
  await client.commit({ templateId: template_list[0].template_id, extJson: { extAppid: appid }, userVersion: '1.0.0', userDesc: 'first' })
  const { auditid } = await client.submitAudit({ versionDesc: 'first', privacyApiNotUse: true })
  const { status } = await client.getAuditStatus(auditid)
  await client.release()
  await client.grayRelease(10, { supportDebugerFirst: true })
  const png: WxaImage = await client.getWxaCodeUnlimit({ scene: 'id=7', envVersion: 'trial' })
  const type: string = png.contentType
  await client.unbindTester({ userstr: 'u' })
  await client.sendSubscribeMessage({ touser: 'o', templateId: 't', data: { thing1: { value: 'x' } } })
  await platform.fastRegisterWeapp({ name: 'n', code: 'c', codeType: 1, legalPersonaWechat: 'w', legalPersonaName: 'p' })
  platform.getTemplateDraftList((err, drafts) => { if (!err && drafts) console.log(drafts.draft_list.length) })
  await platform.clearComponentQuotaV2()
  // @ts-expect-error a gray release takes a percentage
  await client.grayRelease('10%')
  // @ts-expect-error changeVisitStatus takes 'open' | 'close'
  await client.changeVisitStatus('pause')
  // @ts-expect-error commit needs a templateId
  await client.commit({ extJson: '{}', userVersion: '1', userDesc: 'd' })
  console.log(status, type)
}

async function sandbox(): Promise<void> {
  const sb = await startSandbox({ wxaPrivacyCheckSecs: 0 })
  const a = await sb.authorize('wxc', { miniProgram: true })
  await sb.setReviewer(a.authorizerAppid, { verdict: 'delay', delayMs: 500 })
  const state = await sb.review(a.authorizerAppid, 'pass')
  await sb.loseNextEvent(a.authorizerAppid)
  const quota = await sb.setAuditQuota('wxc', { rest: 0 })
  const done = await sb.completeFastRegistration('wxc', 'task')
  console.log(state.audits.length, quota.speedupRest, done.authCode)
  await sb.injectFault('/wxa/getwxacode', { errcode: 45009, contentType: 'image/jpeg' })
}

export { byHand, sandbox }

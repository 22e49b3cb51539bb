// Compiled (not run) by types.test.js: ThirdpartyServer's typed events.
import { ThirdpartyServer, WeChatAPIError, StoreError, WxError, WxErrorName, ComponentSecrets } from '../..'

const p = new ThirdpartyServer('wx1', 's', 't', 'k'.repeat(43), 'sqlite::memory:')
p.on('ready', () => undefined).once('not_ready', () => undefined)
p.on('refresh_failed', (err) => {
  err.tokenKind.toUpperCase()
  if (err instanceof WeChatAPIError) err.code.toFixed()
  // @ts-expect-error tokenKind is one of the credentials' names
  if (err.tokenKind === 'component_acess_token') return
})
p.on('db_error', (err: StoreError) => err.message)
p.on('authorized', ({ appid }) => appid.toUpperCase())
p.on('end', (s: ComponentSecrets) => s.access_token.length)
p.on('reply_failed', (err, message) => { err.openid.toUpperCase(); void message })
p.on('push_rejected', (err: WxError) => {
  const name: WxErrorName = err.name as WxErrorName
  void name
})
// @ts-expect-error a misspelt event name
p.on('redy', () => undefined)
// @ts-expect-error ready has no argument
p.on('ready', (x: string) => x)
// @ts-expect-error db_error gives a StoreError, not a string
p.on('db_error', (err: string) => err)
p.removeAllListeners()

// Mini-program events: typed payloads.
p.on('weapp_audit', (e) => {
  e.screenshots.map((id) => id.toUpperCase())
  if (e.status === 'fail') void e.failTime
  // @ts-expect-error status is success / fail / delay
  if (e.status === 'rejected') return
})
p.on('fast_register', (e) => {
  if (e.status === 0 && e.authorized && e.appid) p.createClient(e.appid)
  void [e.kind, e.taskid, e.uniqueId, e.info]
})
p.on('wxa_nickname_audit', (e) => e.approved && e.nickname)
p.on('wxa_category_audit', (e) => (e.first ?? 0) + (e.second ?? 0))
p.on('wxa_privacy_apply', (e) => e.apiName)
p.on('wxa_media_check', (e) => e.traceId)
p.on('wxa_event', (e) => e.fields[e.event])
p.on('push', (e) => e.infoType === 'notify_third_fastverifybetaapp' && e.appid && e.message.CreateTime)
// @ts-expect-error a push's infoType is a string
p.on('push', (e) => e.infoType.toFixed())
// @ts-expect-error screenshots are media ids (strings)
p.on('weapp_audit', (e) => e.screenshots.map((id: number) => id))
void p.findAuthorizers({ appType: 'mini_program', funcScopes: [18] }).then((list) => list.map((a) => a.func_scopes.includes(18) && a.app_type))
// @ts-expect-error appType is official_account or mini_program
void p.findAuthorizers({ appType: 'weapp' })

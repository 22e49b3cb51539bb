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

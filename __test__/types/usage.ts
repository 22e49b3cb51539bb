// Compiled (not run) by types.test.js: the README's calls against index.d.ts.
import { ThirdpartyServer, AuthorizerInfo } from '../..'

async function main(): Promise<void> {
  const platform = new ThirdpartyServer('wxappid', 'secret', 'token', 'k'.repeat(43), 'sqlite::memory:', false, { apiBase: 'http://127.0.0.1:1', failover: true })
  platform.start()
  platform.once('ready', () => undefined)
  platform.secrets((s) => { if (typeof s === 'object' && !(s instanceof Error)) s.access_token.toUpperCase() })
  platform.get_user_info('wx_token', (err, user) => { if (!err && user) platform.createClient(user) })
  const user: AuthorizerInfo = await platform.handleAuthCode('code')
  const client = platform.createClient(user)
  const follower = await client.getUser(user.appid)
  const ticket = await client.getTicket('jsapi')
  ticket.expireTime.toFixed()
  const cfg = await client.getJsConfig({ url: 'https://example.com' })
  cfg.signature.toLowerCase()
  const url: string = await platform.getAuthorizeUrl('https://example.com', { mobile: true })
  await platform.handleEvent('<xml/>', { timestamp: '1', nonce: 'n', msg_signature: 's' })
  await platform.close()
  void follower
  void url
}
void main

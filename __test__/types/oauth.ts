// The README's OAuth calls, type-checked against index.d.ts.
import { OAuth, ThirdpartyServer, OAuthTokenData } from '../..'

async function oauthUsage(platform: ThirdpartyServer): Promise<void> {
  const oauth = new OAuth('wxappid', 'secret', { db: 'mysql://root@127.0.0.1/app' })
  const url: string = oauth.getAuthorizeURL('https://example.com/cb', 'state', 'snsapi_userinfo')
  const site: string = oauth.getAuthorizeURLForWebsite('https://example.com/cb')
  const token = await oauth.getAccessToken('CODE')
  const valid: boolean = token.isValid()
  const openid: string = token.data.openid
  const user = await oauth.getUser({ openid, lang: 'zh_CN' })
  const nick: string | undefined = user.nickname
  oauth.getUser(openid, (err, u) => { if (!err && u) console.log(u.openid) })
  const again = await oauth.refreshAccessToken(token.data.refresh_token)
  await oauth.verifyToken(openid, again.data.access_token)
  await oauth.getUserByCode({ code: 'CODE', lang: 'en' })

  const rows: Record<string, OAuthTokenData> = {}
  const kept = new OAuth('wxappid', 'secret', (id, cb) => cb(null, rows[id]), (id, t, cb) => { rows[id] = t as OAuthTokenData; cb() })
  await kept.getUser(openid)

  const mini = new OAuth('wxmini', 'secret', null, null, true, { db: 'sqlite://oauth.db' })
  const session = await mini.getSessionKey('JSCODE')
  const sk: string = session.data.session_key
  const profile = mini.decryptMiniProgramUser({ sessionKey: sk, encryptedData: 'E', iv: 'I' })
  const stored = await mini.decryptMiniProgramUser({ openid: session.data.openid, encryptedData: 'E', iv: 'I' })
  const viaCode = await mini.getUserByCode({ code: 'JSCODE', encryptedData: 'E', iv: 'I' })

  const behalf = platform.oauth('wxauthorizer')
  const behalfMini = platform.oauth('wxauthorizermini', { isMiniProgram: true })
  console.log(url, site, valid, nick, profile, stored, viaCode, behalf.appid, behalfMini.isMiniProgram)
  await oauth.close()
}
export { oauthUsage }

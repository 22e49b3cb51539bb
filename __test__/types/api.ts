// The API class and client types as the README uses them.
import { API, ThirdpartyServer, WeChatUser, ApiResponse } from '../..'

async function own(): Promise<void> {
  const api = new API('wx1', 'secret', { db: 'sqlite://tokens.db', stableToken: true })
  const user: WeChatUser = await api.getUser({ openid: 'o1', lang: 'zh_CN' })
  const page = await api.getFollowers()
  const next: string = page.next_openid
  api.getUser('o1', (err: Error | null, u?: WeChatUser, res?: ApiResponse) => { if (!err && u && res) console.log(u.openid, res.status) })
  const up = await api.uploadMedia('/tmp/a.jpg', 'image')
  const up2 = await api.uploadImage(Buffer.from('x'))
  const media = await api.getMedia(up.media_id || '')
  const drafts = await api.addDraft([{ title: 't', content: 'c', thumb_media_id: up2.media_id }])
  await api.submitPublish(drafts.media_id)
  const cfg = await api.getJsConfig({ url: 'https://example.com' })
  const tok = await api.getLatestToken()
  api.setEndpoint('api2.weixin.qq.com')
  // @ts-expect-error getUser takes an openid or {openid, lang}
  await api.getUser(42)
  console.log(user.subscribe, next, media, cfg.signature, tok.expireTime)
  await api.close()
}

async function userTokens(): Promise<void> {
  let kept: { accessToken: string; expireTime: number } | null = null
  const api = new API('wx1', 'secret', (cb) => cb(null, kept), (token, cb) => { kept = token; cb(null) })
  await api.getTags()
}

async function platform(p: ThirdpartyServer): Promise<void> {
  for await (const a of p.getAuthorizerList()) console.log(a.authorizer_appid)
  const all = await p.getAuthorizerList()
  const client = p.createClient(all[0].authorizer_appid)
  await client.getBlacklist()
  await p.setAuthorizerOption(all[0].authorizer_appid, 'voice_recognize', '1')
}

// wechat-api's extension points, as modules written for wechat-api use them.
async function extensions(): Promise<void> {
  function getThing(this: API, id: string, callback: (err: Error | null, data?: unknown) => void): void {
    const token = this.token ? this.token.accessToken : ''
    this.request(`${this.endpoint}/cgi-bin/thing?access_token=${token}`, { type: 'POST', data: { id }, contentType: 'json', dataType: 'json' }, callback)
  }
  API.mixin({
    getThing(this: API, id: string, callback: (err: Error | null, data?: unknown) => void) { this.preRequest(getThing, [id, callback]) },
  })
  const api = new API('wx1', 'secret')
  api.endpoint = 'https://api2.weixin.qq.com'
  api.fileServerPrefix = 'https://file.api.weixin.qq.com/cgi-bin/'
  const valid: boolean = new API.AccessToken('t', Date.now()).isValid() && API.AccessToken('t', 1).isValid()
  const fresh = await api.getAccessToken()
  const ticket = await api.getTicket('wx_card')
  api.registerTicketHandle((type, cb) => cb(null, null), (type, t, cb) => { console.log(t.isValid()); cb(null) })
  const raw = await api.request('https://example.com/x', { data: { a: 1 }, dataType: 'json' })
  api.getIp((err, data, res) => { if (res) console.log(res.statusCode, res.rt, res.data) })
  console.log(valid, fresh.isValid(), ticket.expireTime, raw.status, api.mpPrefix, api.defaults)
}

export { own, userTokens, platform, extensions }

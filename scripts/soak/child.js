'use strict'
// One fleet process of the soak: a master (start(): keeps the platform's
// secrets and authorizer tokens fresh) or a worker (serves the 授权事件接收URL
// and the message URL, and makes user calls at a steady rate: API client,
// component OAuth, token service). Masters drive rollouts, workers never do
// (so the fleet's SIGKILL of a master can be the rollout driver's death);
// workers start and read the soak's rollout for the driver. Reports to the
// driver over IPC: calls in batches, tickets / authorizations / messages /
// audit events handled one by one (so a SIGKILL loses none of those reports).
const http = require('http')
const { ThirdpartyServer, API, connectSandbox } = require('../..')

const o = JSON.parse(process.env.WXTP_SOAK)
const isWorker = o.role === 'worker'
const platform = new ThirdpartyServer(o.appid, o.secret, o.token, o.key, o.db, isWorker, {
  apiBase: o.apiBase,
  leaseTtlMs: o.leaseTtlMs,
  pollIntervalMs: 250,
  maxTickMs: 250,
  pushTicketIntervalMs: 2000,
  driveRollouts: !isWorker,
})
const send = (m) => { try { process.send(m) } catch {} }
const sandbox = connectSandbox(o.apiBase)
for (const ev of ['db_error', 'refresh_failed', 'message_error', 'reply_failed', 'push_rejected', 'unknown_authorizer', 'message_rejected']) {
  platform.on(ev, (e) => send({ ev, at: Date.now(), detail: String((e && (e.code || e.message)) || '').slice(0, 80) }))
}
platform.on('ready', () => send({ ev: 'ready', at: Date.now() }))
platform.on('not_ready', () => send({ ev: 'not_ready', at: Date.now() }))
platform.on('ticket', () => send({ ev: 'ticket', at: Date.now() }))
platform.on('authorized', (e) => send({ ev: 'authorized', appid: e.appid, at: Date.now() }))
if (!isWorker) platform.start()

let authorizers = [] // [{ appid, wxToken, openid }]
let stopping = false
let batch = []
const record = (kind, started, err) => {
  const c = [kind, started, Date.now() - started]
  if (err) c.push(err.name || 'Error', err.code ?? null, String(err.message || err).slice(0, 120))
  batch.push(c)
}
const flush = setInterval(() => { if (batch.length) { send({ calls: batch }); batch = [] } }, 500)

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
let turn = 0
const pick = () => authorizers[turn++ % authorizers.length]

/** One user call of `kind`; null = nothing to do yet (no authorizer, or the sandbox's code giver is cut off). */
const CALLS = {
  async client(a, n) {
    const user = await platform.getAuthorizer(a.wxToken)
    const client = platform.createClient(user)
    if (n % 4 === 3) {
      const cfg = await client.getJsConfig({ url: 'https://example.com/soak' })
      if (!cfg.signature) throw new Error('no signature')
      return
    }
    const follower = await client.getUser(a.openid)
    if (follower.openid !== a.openid) throw new Error('wrong follower')
  },
  async oauth(a) {
    let code
    try {
      ;({ code } = await sandbox.oauthCode(a.appid, { componentAppid: o.appid, scope: 'snsapi_userinfo' }))
    } catch {
      return 'skip' // the user's consent never reached us (the link is cut): not a platform call
    }
    const oauth = platform.oauth(a.appid)
    const t = await oauth.getAccessToken(code)
    const u = await oauth.getUser(t.data.openid)
    if (u.openid !== t.data.openid) throw new Error('wrong oauth user')
  },
  async service(a, n) {
    if (n % 2 === 0) {
      const res = await fetch(`${o.service}/${o.serviceAppid}/wechat/token/get`, {
        headers: { authorization: `Bearer ${o.authToken}` }, signal: AbortSignal.timeout(5000),
      })
      const j = await res.json()
      if (j.errcode !== 0 || !j.access_token) { const e = new Error(`token service: ${j.errmsg}`); e.name = 'ServiceError'; e.code = j.errcode; throw e }
      return
    }
    const r = await serviceApi.getFollowers()
    if (!r.data) throw new Error('no followers')
  },
}
const serviceApi = o.service ? new API(o.serviceAppid, null, { tokenService: o.service, authToken: o.authToken, apiBase: o.apiBase }) : null

async function loop(kind) {
  let n = 0
  await sleep(Math.random() * o.intervalMs)
  while (!stopping) {
    const a = authorizers.length ? pick() : null
    if (a) {
      const started = Date.now()
      try {
        const r = await CALLS[kind](a, n++)
        if (r !== 'skip') record(kind, started)
      } catch (e) {
        record(kind, started, e)
      }
    }
    await sleep(o.intervalMs)
  }
}

async function serveHttp() {
  const auth = platform.middleware()
  const onMessage = platform.messages(async (message, ctx) => {
    if (message.MsgType === 'event' && /^weapp_audit_/.test(message.Event || '')) {
      send({ ev: 'wxa', appid: ctx.authorizerAppid, event: message.Event, at: Date.now() })
      return ''
    }
    send({ ev: 'message', key: message.Content, at: Date.now() })
    return `echo:${message.Content}`
  })
  const server = http.createServer((req, res) => {
    if (req.url.startsWith('/auth')) return auth(req, res)
    return onMessage(req, res)
  })
  server.listen(0, o.bindHost || o.listenHost)
  server.on('listening', () => send({ listening: server.address().port }))
}

process.on('message', async (m) => {
  if (m.authorizers) authorizers = m.authorizers
  if (m.handleAuthCode) {
    try {
      const user = await platform.handleAuthCode(m.handleAuthCode)
      send({ id: m.id, wxToken: user.wx_token, appid: user.appid })
    } catch (e) {
      send({ id: m.id, error: `${e.name}: ${e.code || ''} ${e.message}` })
    }
  }
  if (m.rollout) {
    // The soak's rollout: a code template from a draft, then the rollout of it.
    try {
      await platform.addToTemplate(m.rollout.draftId, 0)
      const { template_list: list } = await platform.getTemplateList()
      const r = await platform.rollout({ ...m.rollout.options, templateId: list[list.length - 1].template_id })
      send({ id: m.id, rolloutId: r.id })
    } catch (e) {
      send({ id: m.id, error: `${e.name}: ${e.code || ''} ${e.message}` })
    }
  }
  if (m.rolloutStatus) {
    try {
      send({ id: m.id, status: await (await platform.getRollout(m.rolloutStatus)).status() })
    } catch (e) {
      send({ id: m.id, error: `${e.name}: ${e.code || ''} ${e.message}` })
    }
  }
  if (m.stop) {
    stopping = true
    await sleep(o.intervalMs * 2)
    clearInterval(flush)
    if (batch.length) send({ calls: batch })
    await platform.close().catch(() => {})
    if (serviceApi) await serviceApi.close().catch(() => {})
    send({ stopped: true })
    setTimeout(() => process.exit(0), 100)
  }
})

if (isWorker) {
  serveHttp()
  for (const kind of Object.keys(CALLS)) loop(kind)
}
send({ started: true, pid: process.pid })

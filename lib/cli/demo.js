'use strict'
// `wxthirdparty demo`: the whole job on the embedded default, SQLite and the
// bundled sandbox, as a user would run it: a master starts, WeChat pushes a
// ticket, the platform becomes ready, an admin authorizes an official
// account, and the platform calls the API for it. Prints each step.
const http = require('http')
const os = require('os')
const path = require('path')
const fs = require('fs')
const crypto = require('crypto')
const { once } = require('events')

const USAGE = `usage: wxthirdparty demo

Runs the whole flow on SQLite and the bundled sandbox (a local WeChat): a
master starts, WeChat pushes a ticket, the platform becomes ready, an admin
authorizes an official account, and the platform calls the API for it.`

module.exports = async function demo(argv = []) {
  if (argv.includes('--help') || argv.includes('-h')) return console.log(USAGE)
  if (argv.length) throw new TypeError(`unknown option ${argv[0]}\n${USAGE}`)
  const { ThirdpartyServer, startSandbox } = require('../..')
  let n = 0
  const step = (what) => console.log(`[${++n}] ${what}`)
  const t0 = Date.now()

  step('starting the sandbox (a local WeChat) …')
  const sandbox = await startSandbox()
  console.log(`    sandbox at ${sandbox.url}`)

  const appid = `wxdemo${crypto.randomBytes(5).toString('hex')}`
  const secret = crypto.randomBytes(16).toString('hex')
  const token = 'demotoken'
  const key = crypto.randomBytes(32).toString('base64').slice(0, 43)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxthirdparty-demo-'))
  const db = `sqlite://${path.join(dir, 'platform.db')}`

  step(`opening the platform ${appid} on ${db}`)
  const platform = new ThirdpartyServer(appid, secret, token, key, db, false, { apiBase: sandbox.url })
  platform.on('refresh_failed', (e) => console.log(`    (refresh failed: ${e.message}, retrying)`))

  const app = http.createServer(platform.middleware())
  app.listen(0, '127.0.0.1')
  await once(app, 'listening')
  const pushUrl = `http://127.0.0.1:${app.address().port}/wechat/auth`
  console.log(`    authorization-event URL: ${pushUrl}`)
  await sandbox.registerComponent({ appid, secret, token, encodingAESKey: key, pushUrl })

  step('start(): the master asks WeChat for a component_verify_ticket and waits for the push')
  const ready = once(platform, 'ready')
  platform.start()
  await ready
  const secrets = await platform.secrets()
  console.log(`    ready: ticket ${mask(secrets.ticket)}, component_access_token ${mask(secrets.access_token)}, pre_auth_code ${mask(secrets.preauthcode)}`)

  step('an official-account admin opens the authorization page')
  const url = await platform.getAuthorizeUrl('https://example.com/authorized')
  console.log(`    ${url.replace(/pre_auth_code=[^&]+/, 'pre_auth_code=…')}`)
  const { authorizerAppid, authCode } = await sandbox.authorize(appid, { nickName: '示例公众号 🚀', followers: 3 })
  console.log(`    the admin of ${authorizerAppid} authorized; WeChat redirects back with an auth_code`)

  step('fetch_user_info(auth_code): exchange the code, store the authorizer')
  const user = await platform.fetch_user_info(authCode)
  console.log(`    stored ${user.nick_name} (${user.appid}); wx_token for the cookie: ${user.wx_token.slice(0, 8)}…`)

  step('get_user_info(wx_token) → createClient(user): the API acting for the account')
  const again = await platform.get_user_info(user.wx_token)
  const client = platform.createClient(again)
  const followers = await client.getFollowers()
  const openid = followers.data.openid[0]
  const follower = await client.getUser(openid)
  console.log(`    ${followers.total} followers; first: ${follower.nickname} (${openid})`)
  await client.sendText(openid, 'Hello from wxthirdparty')
  console.log('    sent a text message')

  step('upstream calls the sandbox counted')
  const counters = await sandbox.counters()
  for (const [p, c] of Object.entries(counters)) console.log(`    ${String(c).padStart(3)}  ${p}`)

  await platform.close()
  app.close()
  await sandbox.close()
  fs.rmSync(dir, { recursive: true, force: true })
  console.log(`done in ${Date.now() - t0} ms`)
}

function mask(s) {
  return s ? `(${String(s).length} chars)` : '(none)'
}

'use strict'
// An existing wxthirdparty database (the original MySQL DDL: MyISAM, utf8)
// whose wx_users_info row holds a still-valid authorizer access token, as the
// original wrote it (DATETIME of expiry in the server's local time): a worker
// serves get_user_info and getUser with it, calling no token endpoint.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const path = require('path')
const { execFileSync } = require('child_process')
const { once } = require('events')
const { ThirdpartyServer } = require('..')
const { platformSetup } = require('./helpers/platform')
const { freshDatabase } = require('./helpers/fleet')

/** 'YYYY-MM-DD HH:MM:SS' in this machine's time zone (the original's DATETIMEs). */
function localDatetime(ms) {
  const d = new Date(ms)
  const p = (n) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
}

function mariadb(url, sql) {
  const u = new URL(url)
  execFileSync('mariadb', ['-h', u.hostname, '-P', u.port || '3306', '-u', decodeURIComponent(u.username || 'root'), u.pathname.slice(1)], { input: sql })
}

/** An authorizer issued by the sandbox (through a scratch platform), and the sandbox. */
async function authorizedElsewhere() {
  const env = await platformSetup()
  const { sandbox, creds } = env
  const scratch = new ThirdpartyServer(creds.appid, creds.secret, creds.token, creds.key, env.db.url, false, { apiBase: sandbox.url })
  env.receiver.box.handler = scratch.middleware()
  scratch.start()
  if (!scratch.ready) await once(scratch, 'ready')
  const { authorizerAppid, authCode } = await sandbox.authorize(creds.appid, { followers: 1 })
  const user = await scratch.handleAuthCode(authCode)
  const [openid] = await sandbox.followers(authorizerAppid)
  const secrets = await scratch.secrets()
  await scratch.close()
  return { env, user, openid, secrets }
}

const sql = (s) => `'${String(s).replace(/'/g, "''")}'`

async function serveLegacyRow({ expiresAt }) {
  const { env, user, openid, secrets } = await authorizedElsewhere()
  const db = freshDatabase('mysql')
  try {
    mariadb(db.url, fs.readFileSync(path.join(__dirname, 'fixtures', 'original-mysql.sql'), 'utf8'))
    const now = Date.now()
    mariadb(db.url, `INSERT INTO component_secrets (ticket, access_token, preauthcode, ticket_updated_at, access_token_updated_at, preauthcode_updated_at, access_token_expires_in, preauthcode_expires_in) VALUES (${sql(secrets.ticket)}, ${sql(secrets.access_token)}, ${sql(secrets.preauthcode)}, ${now}, ${now}, ${now}, 7000, 1700)`)
    const expiry = expiresAt(new Date(user.access_token_expires_in).getTime())
    mariadb(db.url, `INSERT INTO wx_users_info (appid, access_token, access_token_updated_at, access_token_expires_in, refresh_token, nick_name, wx_token) VALUES (${sql(user.appid)}, ${sql(user.access_token)}, ${sql(localDatetime(Date.now()))}, ${sql(localDatetime(expiry))}, ${sql(user.refresh_token)}, 'Legacy 号', 'legacy-wx-token')`)
    const worker = new ThirdpartyServer(env.creds.appid, env.creds.secret, env.creds.token, env.creds.key, db.url, true, { apiBase: env.sandbox.url })
    const before = await env.sandbox.counters()
    const info = await worker.getAuthorizer('legacy-wx-token')
    const follower = await worker.createClient(info).getUser(openid)
    const after = await env.sandbox.counters()
    await worker.close()
    const delta = (p) => (after[`/cgi-bin/component/${p}`] || 0) - (before[`/cgi-bin/component/${p}`] || 0)
    return { user, info, follower, openid, authorizerToken: delta('api_authorizer_token'), componentToken: delta('api_component_token') }
  } finally {
    db.drop()
    await env.close()
  }
}

test('a valid access token in the original wx_users_info is used as is', { timeout: 60_000 }, async () => {
  const r = await serveLegacyRow({ expiresAt: (ms) => ms })
  assert.equal(r.follower.openid, r.openid)
  assert.equal(r.info.access_token, r.user.access_token)
  assert.equal(r.authorizerToken, 0, 'no api_authorizer_token')
  assert.equal(r.componentToken, 0, 'no api_component_token')
})

test('an expired one is refreshed once from the stored refresh token', { timeout: 60_000 }, async () => {
  const r = await serveLegacyRow({ expiresAt: () => Date.now() - 60_000 })
  assert.equal(r.follower.openid, r.openid)
  assert.equal(r.authorizerToken, 1, 'one api_authorizer_token')
})

'use strict'
// Shared setup for the JS suites: a sandbox, a registered platform with fresh
// credentials, a push receiver, and a throwaway SQLite database.
const http = require('http')
const os = require('os')
const fs = require('fs')
const path = require('path')
const crypto = require('crypto')
const { once } = require('events')
const { startSandbox } = require('../..')

function credentials() {
  return {
    appid: `wxtest${crypto.randomBytes(6).toString('hex')}`,
    secret: crypto.randomBytes(16).toString('hex'),
    token: `tok${crypto.randomBytes(4).toString('hex')}`,
    key: crypto.randomBytes(32).toString('base64').slice(0, 43),
  }
}

function tempSqlite() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxtp-js-'))
  return { url: `sqlite://${path.join(dir, 'platform.db')}`, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) }
}

/** An http server on a free port; `handler(req, res)` may be swapped later. */
async function listen(handler) {
  const box = { handler }
  const server = http.createServer((req, res) => box.handler(req, res))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { server, box, url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) }
}

/** Sandbox + credentials registered with a push URL served by `receiver`. */
async function platformSetup(sandboxOptions) {
  const sandbox = await startSandbox(sandboxOptions || {})
  const creds = credentials()
  const receiver = await listen((req, res) => { res.statusCode = 503; res.end('not yet') })
  await sandbox.registerComponent({
    appid: creds.appid,
    secret: creds.secret,
    token: creds.token,
    encodingAESKey: creds.key,
    pushUrl: `${receiver.url}/wechat/auth`,
  })
  const db = tempSqlite()
  return {
    sandbox,
    creds,
    receiver,
    db,
    async close() {
      await receiver.close()
      await sandbox.close()
      db.cleanup()
    },
  }
}

/** platformSetup() plus a started master receiving the pushes, once 'ready'. */
async function readyPlatform() {
  const env = await platformSetup()
  const { appid, secret, token, key } = env.creds
  const { ThirdpartyServer } = require('../..')
  const platform = new ThirdpartyServer(appid, secret, token, key, env.db.url, false, {
    apiBase: env.sandbox.url, maxTickMs: 300, pollIntervalMs: 100, pushTicketIntervalMs: 1000,
  })
  env.receiver.box.handler = platform.middleware()
  const ready = once(platform, 'ready')
  platform.start()
  await ready
  return { env, platform }
}

function readBody(req) {
  return new Promise((resolve) => {
    let body = ''
    req.on('data', (d) => { body += d })
    req.on('end', () => resolve(body))
  })
}

module.exports = { credentials, tempSqlite, listen, platformSetup, readyPlatform, readBody }

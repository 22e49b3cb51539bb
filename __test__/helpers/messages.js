'use strict'
// Setup for the message-URL suites: a ready platform whose authorization-event
// URL and 消息与事件接收URL are served over real HTTP, an authorized account,
// and the sandbox pointed at the message URL.
const { once } = require('events')
const crypto = require('crypto')
const { ThirdpartyServer, WXBizMsgCrypt } = require('../..')
const { platformSetup, listen } = require('./platform')

const FAST = { maxTickMs: 300, pollIntervalMs: 100, pushTicketIntervalMs: 1000 }

/** A request handler for `framework` ('http' | 'express' | 'koa') mounting `handler` at `route` (Express; Koa and http take every path). */
function mount(framework, handler, route = '/wechat/:appid/callback') {
  if (framework === 'express') {
    const app = require('express')()
    // Express answers a path it cannot decode itself (400); quietly.
    app.set('env', 'test')
    app.all(route, handler)
    return app
  }
  if (framework === 'koa') {
    const Koa = require('koa')
    const koa = new Koa()
    koa.use(handler)
    return koa.callback()
  }
  return handler
}

/**
 * `makeHandler(platform)` → the messages() handler. Resolves to
 * { env, platform, authorizer, url, messageServer, close }.
 */
async function readyPlatform(makeHandler, { framework = 'http', sandbox, db } = {}) {
  const env = await platformSetup(sandbox)
  const { appid, secret, token, key } = env.creds
  const platform = new ThirdpartyServer(appid, secret, token, key, db || env.db.url, false, { ...FAST, apiBase: env.sandbox.url })
  env.receiver.box.handler = platform.middleware()
  const ready = once(platform, 'ready')
  platform.start()
  await ready
  const handler = makeHandler(platform)
  const messageServer = await listen(mount(framework, handler))
  await env.sandbox.setMessageUrl(appid, `${messageServer.url}/wechat/$APPID$/callback`)
  const { authCode, authorizerAppid } = await env.sandbox.authorize(appid, { followers: 3 })
  await platform.handleAuthCode(authCode)
  return {
    env,
    platform,
    handler,
    authorizer: authorizerAppid,
    url: messageServer.url,
    messageServer,
    async close() {
      await messageServer.close()
      await platform.close()
      await env.close()
    },
  }
}

/** A message as WeChat would post it to `url`, encrypted for `appid` and signed with `token` (a forger picks wrong ones) at `at` (seconds; now). */
function sealedRequest({ token, key, appid }, inner, extraQuery, at = Math.floor(Date.now() / 1000)) {
  const c = new WXBizMsgCrypt(token, key, appid)
  const encrypt = c.encrypt(inner)
  const timestamp = String(at)
  const nonce = crypto.randomBytes(4).toString('hex')
  const query = new URLSearchParams({ timestamp, nonce, encrypt_type: 'aes', msg_signature: c.getSignature(timestamp, nonce, encrypt), ...extraQuery })
  return { query, body: `<xml><ToUserName><![CDATA[gh_x]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>` }
}

function textXml(to, from, content, msgId) {
  return `<xml><ToUserName><![CDATA[${to}]]></ToUserName><FromUserName><![CDATA[${from}]]></FromUserName>` +
    `<CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
    `<Content><![CDATA[${content}]]></Content><MsgId>${msgId}</MsgId></xml>`
}

/** A fresh MariaDB database on WXTP_TEST_MYSQL: { url, sql(statement) → tab-separated rows, drop() }. */
function freshMysql(prefix = 'wxtp_msg') {
  const { execFileSync } = require('child_process')
  const base = process.env.WXTP_TEST_MYSQL || 'mysql://root@127.0.0.1:3306/test'
  const name = `${prefix}_${crypto.randomBytes(5).toString('hex')}`
  const u = new URL(base)
  const args = ['-h', u.hostname, '-P', u.port || '3306', '-u', decodeURIComponent(u.username || 'root')]
  if (u.password) args.push(`-p${decodeURIComponent(u.password)}`)
  execFileSync('mariadb', [...args, '-e', `CREATE DATABASE ${name} CHARACTER SET utf8mb4`])
  u.pathname = `/${name}`
  return {
    url: u.toString(),
    sql: (statement) => execFileSync('mariadb', [...args, '-N', name, '-e', statement], { encoding: 'utf8' }).trim(),
    drop: () => execFileSync('mariadb', [...args, '-e', `DROP DATABASE IF EXISTS ${name}`]),
  }
}

async function waitFor(fn, what, ms = 10000) {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

module.exports = { readyPlatform, mount, sealedRequest, textXml, waitFor, freshMysql, FAST }

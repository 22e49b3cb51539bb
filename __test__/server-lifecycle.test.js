'use strict'
// ThirdpartyServer's life cycle: failover workers, refresh failures as
// events, a ticket trusted only for its max age, close() letting the process
// exit, and the middleware under Express and Koa.
const { test, describe } = require('node:test')
const assert = require('node:assert/strict')
const { once } = require('events')
const { spawnSync } = require('child_process')
const path = require('path')
const { ThirdpartyServer, WXBizMsgCrypt } = require('..')
const { platformSetup } = require('./helpers/platform')

const FAST = { maxTickMs: 200, pollIntervalMs: 100, pushTicketIntervalMs: 500, leaseTtlMs: 1000, waitTimeoutMs: 1500 }
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

function newServer(env, isCluster, extra) {
  const { appid, secret, token, key } = env.creds
  return new ThirdpartyServer(appid, secret, token, key, env.db.url, isCluster, { ...FAST, apiBase: env.sandbox.url, ...extra })
}

async function readyMaster(env, extra) {
  const master = newServer(env, false, extra)
  env.receiver.box.handler = master.middleware()
  const ready = once(master, 'ready')
  master.start()
  await ready
  return master
}

describe('fleet roles', { timeout: 90000 }, () => {
  test('failover workers take over when the master is gone; plain workers report outdated', async () => {
    const env = await platformSetup({ lifetimes: { componentAccessToken: 2, preAuthCode: 2 }, graceSecs: 1 })
    const master = await readyMaster(env)
    const failover = newServer(env, true, { failover: true })
    const plain = newServer(env, true)
    await Promise.all([once(failover, 'ready'), once(plain, 'ready')])
    // The ticket keeps arriving (WeChat pushes it every 10 minutes) through the failover worker.
    env.receiver.box.handler = failover.middleware()
    await master.close()
    const outdated = once(plain, 'outdated')
    await sleep(5000)
    await outdated
    const before = await env.sandbox.issued()
    const token = await failover.getComponentAccessToken()
    assert.ok(token)
    const issued = await env.sandbox.issued()
    assert.ok((issued['/cgi-bin/component/api_component_token'] || 0) >= 3, JSON.stringify(issued))
    // The plain worker reads what the failover worker stored; it never called upstream itself.
    assert.equal(await plain.getComponentAccessToken(), token)
    assert.deepEqual(await env.sandbox.invalidTokenCalls(), [])
    assert.ok(before)
    await failover.close()
    await plain.close()
    await env.close()
  })

  test('a worker without a master (no failover) rejects with NotReadyError instead of calling WeChat', async () => {
    const env = await platformSetup()
    const worker = newServer(env, true)
    await assert.rejects(worker.getComponentAccessToken(), { name: 'NotReadyError' })
    const counters = await env.sandbox.counters()
    assert.equal(counters['/cgi-bin/component/api_component_token'] || 0, 0)
    await worker.close()
    await env.close()
  })
})

describe('refreshes', { timeout: 90000 }, () => {
  test('a failed refresh is a refresh_failed event carrying the errcode; the master recovers', async () => {
    const env = await platformSetup({ lifetimes: { componentAccessToken: 2 } })
    const master = await readyMaster(env)
    const failed = once(master, 'refresh_failed')
    await env.sandbox.injectFault('/cgi-bin/component/api_component_token', { errcode: 45009 }, 1)
    const [err] = await failed
    assert.equal(err.name, 'WeChatAPIError')
    assert.equal(err.code, 45009)
    assert.equal(err.tokenKind, 'component_access_token')
    await sleep(2500)
    const s = await master.secrets()
    assert.equal(typeof s, 'object', `recovered: ${s}`)
    assert.deepEqual(await env.sandbox.invalidTokenCalls(), [])
    await master.close()
    await env.close()
  })

  test('a ticket is trusted only for its max age: then the master asks for a new push', async () => {
    const env = await platformSetup()
    const master = await readyMaster(env, { ticketMaxAgeMs: 1200 })
    const first = (await env.sandbox.counters())['/cgi-bin/component/api_start_push_ticket']
    await sleep(2500)
    const later = (await env.sandbox.counters())['/cgi-bin/component/api_start_push_ticket']
    assert.ok(later > first, `asked again for a ticket (${first} → ${later})`)
    await master.close()
    await env.close()
  })
})

describe('life cycle', { timeout: 90000 }, () => {
  test('a call after close() says the platform is closed (a client made before close() too)', async () => {
    const env = await platformSetup()
    const master = await readyMaster(env)
    const { authCode, authorizerAppid } = await env.sandbox.authorize(env.creds.appid)
    await master.handleAuthCode(authCode)
    const client = master.createClient(authorizerAppid)
    assert.ok(await master.getAuthorizerAccessToken(authorizerAppid))
    await master.close()
    const closed = (e) => e.name === 'NotReadyError' && /closed \(close\(\) was called\)/.test(e.message) && !/pool/.test(e.message)
    await assert.rejects(master.getAuthorizerAccessToken(authorizerAppid), closed)
    await assert.rejects(master.getAuthorizer(authorizerAppid), closed)
    await assert.rejects(master.getComponentAccessToken(), closed)
    await assert.rejects(client.getFollowers(), closed)
    await env.close()
  })

  test('close() lets the process exit by itself', () => {
    const script = `
      const { ThirdpartyServer, startSandbox } = require(${JSON.stringify(path.join(__dirname, '..'))})
      const { platformSetup } = require(${JSON.stringify(path.join(__dirname, 'helpers', 'platform'))})
      ;(async () => {
        const env = await platformSetup()
        const { appid, secret, token, key } = env.creds
        const p = new ThirdpartyServer(appid, secret, token, key, env.db.url, false, { apiBase: env.sandbox.url, maxTickMs: 200 })
        env.receiver.box.handler = p.middleware()
        p.start()
        await new Promise((r) => p.once('ready', r))
        const worker = new ThirdpartyServer(appid, secret, token, key, env.db.url, true, { apiBase: env.sandbox.url })
        await worker.getComponentAccessToken()
        await p.close(); await worker.close(); await env.close()
        console.log('closed')
      })()`
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20000 })
    assert.equal(r.signal, null, `the process did not exit by itself: ${r.stdout}${r.stderr}`)
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /closed/)
  })

  test('close() right after the constructor, while the database is still opening, lets the process exit', () => {
    const script = `
      const { ThirdpartyServer } = require(${JSON.stringify(path.join(__dirname, '..'))})
      const s = new ThirdpartyServer('wx1', 's', 't', 'a'.repeat(43), 'sqlite::memory:')
      s.close().then(() => console.log('closed'))`
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20000 })
    assert.equal(r.signal, null, `the process did not exit by itself: ${r.stdout}${r.stderr}`)
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /closed/)
  })
})

describe('middleware', { timeout: 90000 }, () => {
  async function pushThrough(framework) {
    const env = await platformSetup()
    const master = newServer(env, false)
    let app
    if (framework === 'express') {
      const express = require('express')
      app = express()
      app.post('/wechat/auth', master.middleware())
    } else {
      const Koa = require('koa')
      const koa = new Koa()
      koa.use(master.middleware())
      app = koa.callback()
    }
    env.receiver.box.handler = app
    const ready = once(master, 'ready')
    master.start()
    await ready
    await env.sandbox.pushTicket(env.creds.appid)
    const pushes = await env.sandbox.pushes()
    assert.ok(pushes.length >= 2)
    for (const p of pushes) assert.equal(p.response, 'success', JSON.stringify(p))

    // A push signed with the wrong token: 401, nothing stored.
    const before = await master.secrets()
    const forger = new WXBizMsgCrypt('wrong-token', env.creds.key, env.creds.appid)
    const inner = `<xml><AppId><![CDATA[${env.creds.appid}]]></AppId><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><InfoType><![CDATA[component_verify_ticket]]></InfoType><ComponentVerifyTicket><![CDATA[forged]]></ComponentVerifyTicket></xml>`
    const encrypt = forger.encrypt(inner)
    const sig = forger.getSignature('1', 'n', encrypt)
    const res = await fetch(`${env.receiver.url}/wechat/auth?timestamp=1&nonce=n&msg_signature=${sig}`, {
      method: 'POST', headers: { 'content-type': 'text/xml' }, body: `<xml><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`,
    })
    assert.equal(res.status, 401)
    assert.deepEqual(await master.secrets(), before)
    await master.close()
    await env.close()
  }
  test('Express: pushes answered with success, forged ones refused', () => pushThrough('express'))
  test('Koa: pushes answered with success, forged ones refused', () => pushThrough('koa'))
})

'use strict'
// Setup for the rollout suites: the sandbox, a started master platform on a
// real database serving its push URL and message URL over HTTP (audit
// events land here), `count` mini programs authorized to it, a code
// template, and the checks every rollout must pass, read from the sandbox.
const assert = require('node:assert/strict')
const http = require('http')
const { once } = require('events')
const { ThirdpartyServer, startSandbox } = require('../..')
const { credentials, listen } = require('./platform')

async function rolloutFleet({ db, count, options, privacySecs = 0.3 }) {
  const sandbox = await startSandbox()
  await sandbox.updateConfig({ wxaPrivacyCheckSecs: privacySecs })
  const creds = credentials()
  const platform = new ThirdpartyServer(creds.appid, creds.secret, creds.token, creds.key, db, false, {
    apiBase: sandbox.url, maxTickMs: 300, pollIntervalMs: 100, ...options,
  })
  platform.on('db_error', () => {})
  const push = platform.middleware()
  const messages = platform.messages(() => {})
  const server = await listen((req, res) => (req.url.startsWith('/auth') ? push(req, res) : messages(req, res)))
  await sandbox.registerComponent({ appid: creds.appid, secret: creds.secret, token: creds.token, encodingAESKey: creds.key, pushUrl: `${server.url}/auth` })
  const ready = once(platform, 'ready')
  platform.start()
  await ready
  await sandbox.setMessageUrl(creds.appid, `${server.url}/wechat/$APPID$/callback`)
  await sandbox.setAuditQuota(creds.appid, { rest: 1000, limit: 1000 })
  const appids = []
  for (let i = 0; i < count; i++) {
    const auth = await sandbox.authorize(creds.appid, { miniProgram: true, nickName: `小店${i}` })
    await platform.handleAuthCode(auth.authCode)
    appids.push(auth.authorizerAppid)
  }
  const draft = await sandbox.addDraft(creds.appid, { userVersion: '1.0.0', userDesc: 'template' })
  await platform.addToTemplate(draft.draft_id, 0)
  const { template_list: templates } = await platform.getTemplateList()
  return {
    sandbox,
    creds,
    platform,
    appids,
    templateId: templates[templates.length - 1].template_id,
    url: server.url,
    async close() {
      http.globalAgent.destroy()
      await Promise.race([server.close(), new Promise((r) => setTimeout(r, 1000))])
      await platform.close()
      await sandbox.close()
    },
  }
}

/**
 * The guarantees, from what the sandbox (WeChat) saw of each app: one
 * accepted commit and submit per round, one release per approved app, none
 * refused for its order, rejections with the reviewer's reason and screenshots.
 */
async function checkExactlyOnce(sandbox, status, { rounds = {}, rejected = {}, userVersion } = {}) {
  for (const app of status.apps) {
    const mp = await sandbox.miniProgram(app.appid)
    const calls = mp.calls || {}
    const n = rounds[app.appid] || 1
    const what = `${app.appid} (${app.state}): ${JSON.stringify(calls)}`
    assert.equal(calls['/wxa/commit'] || 0, n, `commits of ${what}`)
    assert.equal(calls['/wxa/submit_audit'] || 0, n, `accepted submits of ${what}`)
    assert.equal(mp.audits.length, n, `audits of ${what}`)
    const refused = Object.keys(calls).filter((k) => /^\/wxa\/(release|grayrelease) (85019|85020)$/.test(k) || k === '/wxa/submit_audit 85009')
    assert.deepEqual(refused, [], `nothing refused for its order: ${what}`)
    if (app.state === 'released') {
      assert.equal(calls['/wxa/release'] || 0, 1, `one release of ${what}`)
      assert.equal(mp.release.user_version, userVersion || mp.release.user_version)
      assert.equal(mp.audits[mp.audits.length - 1].status, 0)
    } else {
      assert.equal(calls['/wxa/release'] || 0, 0, `no release of ${what}`)
    }
    if (app.state === 'rejected') {
      const want = rejected[app.appid]
      assert.ok(want, `${app.appid} was not meant to be rejected`)
      assert.equal(app.reason, want.reason)
      assert.deepEqual(app.screenshots, want.screenshots)
    }
  }
}

module.exports = { rolloutFleet, checkExactlyOnce }

'use strict'
// A platform with a mini program authorized to it, against the sandbox: the
// platform on a real database, its message URL served (collecting what
// arrives), a template in its library, and a client for the mini program.
const { once } = require('events')
const { ThirdpartyServer } = require('../..')
const { platformSetup, listen } = require('./platform')
const { FAST } = require('./messages')

async function miniProgramPlatform({ db, sandbox } = {}) {
  const env = await platformSetup(sandbox)
  const { appid, secret, token, key } = env.creds
  const platform = new ThirdpartyServer(appid, secret, token, key, db || env.db.url, false, { ...FAST, apiBase: env.sandbox.url })
  env.receiver.box.handler = platform.middleware()
  const ready = once(platform, 'ready')
  platform.start()
  await ready
  // What reaches the message URL (weapp_audit_* among them).
  const arrived = []
  const messageServer = await listen(platform.messages((m) => { arrived.push(m) }))
  await env.sandbox.setMessageUrl(appid, `${messageServer.url}/wechat/$APPID$/callback`)
  const auth = await env.sandbox.authorize(appid, { miniProgram: true, nickName: '沙盒小程序' })
  await platform.handleAuthCode(auth.authCode)
  const draft = await env.sandbox.addDraft(appid, { userVersion: '1.0.0', userDesc: 'first draft' })
  await platform.addToTemplate(draft.draft_id, 0)
  const { template_list: templates } = await platform.getTemplateList()
  return {
    env,
    platform,
    sandbox: env.sandbox,
    component: appid,
    appid: auth.authorizerAppid,
    templateId: templates[templates.length - 1].template_id,
    client: platform.createClient(auth.authorizerAppid),
    arrived,
    async close() {
      await messageServer.close()
      await platform.close()
      await env.close()
    },
  }
}

module.exports = { miniProgramPlatform }

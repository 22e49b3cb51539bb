'use strict'
// A platform with a mini program authorized to it, against the sandbox: the
// platform on a real database, its message URL served (collecting what
// arrives), a template in its library, and a client for the mini program.
const { readyPlatform } = require('./messages')

async function miniProgramPlatform({ db, sandbox } = {}) {
  // What reaches the message URL (weapp_audit_* among them).
  const arrived = []
  const t = await readyPlatform((p) => p.messages((m) => { arrived.push(m) }), { db, sandbox })
  const { env, platform } = t
  const component = env.creds.appid
  const auth = await env.sandbox.authorize(component, { miniProgram: true, nickName: '沙盒小程序' })
  await platform.handleAuthCode(auth.authCode)
  const draft = await env.sandbox.addDraft(component, { userVersion: '1.0.0', userDesc: 'first draft' })
  await platform.addToTemplate(draft.draft_id, 0)
  const { template_list: templates } = await platform.getTemplateList()
  return {
    env,
    platform,
    sandbox: env.sandbox,
    component,
    appid: auth.authorizerAppid,
    templateId: templates[templates.length - 1].template_id,
    client: platform.createClient(auth.authorizerAppid),
    arrived,
    close: () => t.close(),
  }
}

module.exports = { miniProgramPlatform }

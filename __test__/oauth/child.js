'use strict'
// One process of the OAuth cluster test: runs one command against the shared
// database and reports the result to the parent over IPC.
const { OAuth } = require('../..')

const o = JSON.parse(process.env.WXTP_OAUTH)
const oauth = new OAuth(o.appid, o.secret, null, null, false, { db: o.db, apiBase: o.sandbox })

async function main() {
  try {
    if (o.cmd === 'getAccessToken') return { token: (await oauth.getAccessToken(o.code)).data }
    if (o.cmd === 'getUser') return { user: await oauth.getUser(o.openid) }
    throw new Error(`unknown cmd ${o.cmd}`)
  } catch (e) {
    return { error: { name: e.name, code: e.code, message: e.message } }
  } finally {
    await oauth.close()
  }
}

main().then((r) => process.send(r, () => process.exit(0)))

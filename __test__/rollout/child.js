'use strict'
// One process of the rollout crash test's fleet: a cluster-role platform
// that may drive rollouts (it takes one over when its driver's lease runs
// out). The parent SIGKILLs whichever child drives.
const { ThirdpartyServer } = require('../..')

const o = JSON.parse(process.env.WXTP_ROLLOUT_CHILD)
const platform = new ThirdpartyServer(o.appid, o.secret, o.token, o.key, o.db, true, { apiBase: o.sandbox, pollIntervalMs: 100, leaseTtlMs: o.leaseTtlMs })
platform.on('db_error', () => {})
platform.getComponentAccessToken().then(() => process.send({ ready: process.pid }), (e) => process.send({ failed: e.message }))
process.on('message', async (m) => {
  if (!m.stop) return
  await platform.close()
  process.exit(0)
})

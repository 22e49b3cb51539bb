'use strict'
// The soak's rollout: mini programs authorized to the platform, a code
// template, the sandbox's reviewer scripted per app (most pass, some are
// rejected with a reason and screenshots, some delayed, some verdicts' events
// lost, the last left to a person who never decides, so the rollout runs
// through every fault of the run), verdicts spread over the run. Started by a
// worker, driven by a master (workers never drive). Watched once a second
// through a host worker that is never killed; what the sandbox saw of each
// app collected at the end for rollout-report.js.
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
/** The pid in a rollout's driver id (the platform's owner id, host:pid:random). */
const driverPid = (driver) => (driver ? Number(String(driver).split(':').at(-2)) : null)

const USER_VERSION = '7.0.0'
const FINAL = ['released', 'rejected', 'failed', 'cancelled']

/** What the reviewer does with app i of n. */
function role(i, n) {
  if (i === n - 1) return 'manual'
  if (i % 6 === 1) return 'fail'
  if (i % 6 === 4) return 'delay'
  if (i % 8 === 3) return 'lost'
  return 'pass'
}

class SoakRollout {
  // 16 apps: each is one more authorizer whose 5 s token the masters keep
  // fresh (24 made the masters' upstream calls 7× the soak's without them).
  constructor(run, { count = 16 } = {}) {
    this.run = run
    this.count = count
    this.appids = []
    this.scripts = {} // appid → { role, reason?, screenshots? }
    this.statuses = [] // { at, state, driver, counts }
    this.drivers = [] // { at, driver } each time another process drives
    // Polling is the net for lost events: well inside the run, not busier.
    this.auditPollMs = Math.max(15000, Math.round((run.seconds * 1000) / 16))
  }

  /** Before the faults: the apps authorized, their reviewer scripted, a draft to make the template of. */
  async prepare() {
    const { run } = this
    const sb = run.sandbox
    await sb.updateConfig({ wxaPrivacyCheckSecs: 0.3 })
    await sb.setAuditQuota(run.creds.appid, { rest: 1000, limit: 1000 })
    const hosts = run.workers.filter((w) => w.side === 'host')
    for (let i = 0; i < this.count; i++) {
      const auth = await sb.authorize(run.creds.appid, { miniProgram: true, nickName: `soak店${i}` })
      let a
      for (let t = 0; t < 5; t++) {
        a = await run.ask(hosts[(i + t) % hosts.length], { handleAuthCode: auth.authCode })
        if (a.wxToken) break
        await sleep(500)
      }
      if (!a.wxToken) throw new Error(`mini program ${i} could not be authorized: ${a.error}`)
      this.appids.push(auth.authorizerAppid)
    }
    run.rolloutAppids = new Set(this.appids)
    // Verdicts from a few seconds in to about two thirds of the run: some
    // during the driver's death, the partition and the database restart.
    const span = run.seconds * 1000 * 0.62
    for (const [i, appid] of this.appids.entries()) {
      const r = role(i, this.count)
      const afterMs = 3000 + Math.round((span * i) / (this.count - 1))
      const s = { role: r }
      if (r === 'fail') {
        Object.assign(s, { reason: `soak: 类目不符 ${i}`, screenshots: [`soakshot${i}a`, `soakshot${i}b`] })
        await sb.setReviewer(appid, { verdict: 'fail', afterMs, reason: s.reason, screenshots: s.screenshots })
      } else if (r === 'delay') {
        await sb.setReviewer(appid, { verdict: 'delay', afterMs, delayMs: 2000 })
      } else if (r === 'manual') {
        await sb.setReviewer(appid, { verdict: 'manual' })
      } else {
        await sb.setReviewer(appid, { verdict: 'pass', afterMs })
        if (r === 'lost') await sb.loseNextEvent(appid)
      }
      this.scripts[appid] = s
    }
    this.draftId = (await sb.addDraft(run.creds.appid, { userVersion: '1.0.0', userDesc: 'soak template' })).draft_id
  }

  async start() {
    const { run } = this
    const options = {
      userVersion: USER_VERSION, userDesc: 'soak', appids: this.appids,
      extJson: { extAppid: '$APPID$', ext: { shop: '$APPID$' } },
      concurrency: 6, maxFailureRate: 0.5, auditPollMs: this.auditPollMs,
    }
    const a = await run.ask(run.workers[0], { rollout: { draftId: this.draftId, options } }, 30000)
    if (!a.rolloutId) throw new Error(`the soak's rollout did not start: ${a.error}`)
    this.id = a.rolloutId
    run.event('rollout started', { id: this.id, apps: this.count, auditPollMs: this.auditPollMs })
    this.watching = this.watch()
    run.cleanups.push(() => { this.stopped = true })
  }

  /** The rollout's status now, recorded (null while the store is away). */
  async refresh() {
    const a = await this.run.ask(this.run.workers[0], { rolloutStatus: this.id }, 3000)
    if (!a.status) return null
    const s = a.status
    this.last = s
    this.statuses.push({ at: Date.now(), state: s.state, driver: s.driver, counts: s.counts })
    const prev = this.drivers[this.drivers.length - 1]
    if (s.driver && (!prev || prev.driver !== s.driver)) this.drivers.push({ at: Date.now(), driver: s.driver })
    return s
  }

  async watch() {
    while (!this.stopped) {
      await this.refresh()
      await sleep(1000)
    }
  }

  /** The master driving the rollout now, if alive. */
  async driverProc() {
    for (let i = 0; i < 3; i++) {
      const s = await this.refresh()
      const pid = s && driverPid(s.driver)
      const m = pid && this.run.masters.find((p) => p.alive && p.pid === pid)
      if (m) return m
      await sleep(300)
    }
    return null
  }

  /** After the traffic: until every app the reviewer decides is in a final state (bounded). */
  async settle(ms) {
    const until = Date.now() + ms
    while (Date.now() < until) {
      const s = await this.refresh()
      if (s && s.apps.every((a) => FINAL.includes(a.state) || this.scripts[a.appid].role === 'manual')) break
      await sleep(500)
    }
    this.stopped = true
    await this.watching
  }

  /** What rollout-report.js judges: the final status and what WeChat (the sandbox) saw. */
  async collect() {
    this.final = (await this.refresh()) || this.last
    this.wechat = {}
    for (const appid of this.appids) this.wechat[appid] = await this.run.sandbox.miniProgram(appid)
    const ours = this.run.rolloutAppids
    this.events = (await this.run.sandbox.wxaEvents()).filter((e) => ours.has(e.appid))
  }
}

module.exports = { SoakRollout, USER_VERSION, FINAL, driverPid }

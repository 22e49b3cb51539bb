'use strict'
// Mini-program events as typed ThirdpartyServer events, once fleet-wide: a
// master and two worker processes on one database (MariaDB, PostgreSQL),
// the sandbox over HTTP. A load balancer in front sends each push or
// message to the processes we pick — to both workers at once, or again
// later — and the test counts what every process emitted.
//
// - fast registration: the push reaches both workers; its auth_code is
//   exchanged once, the mini program is stored (as a mini program, with its
//   permission sets) and one fast_register event is emitted; the same push
//   again emits nothing; a failed registration emits without an exchange; a
//   beta registration (notify_third_fastregisterbetaapp) emits its unique_id.
// - the message URL: weapp_audit_fail (reason, screenshots as media ids),
//   weapp_audit_delay then weapp_audit_success, wxa_nickname_audit,
//   wxa_category_audit, wxa_privacy_apply, wxa_media_check (both of WeChat's
//   versions) and an undocumented wxa_* event each become one typed event and
//   one handler run.
const { describe, test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const path = require('path')
const { fork } = require('child_process')
const { once } = require('events')
const { ThirdpartyServer, startSandbox } = require('..')
const { credentials, listen, readBody } = require('./helpers/platform')
const { freshMysql, waitFor } = require('./helpers/messages')
const { freshDatabase, POSTGRES } = require('./helpers/databases')

function worker(opts) {
  const child = fork(path.join(__dirname, 'wxa-events', 'worker.js'), [], {
    env: { ...process.env, WXTP_WXA_WORKER: JSON.stringify(opts) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  child.events = []
  child.runs = []
  child.pongs = new Map()
  child.on('message', (m) => {
    if (m.event) child.events.push(m.event)
    if (m.ran) child.runs.push(m.ran)
    if (m.pong) child.pongs.get(m.pong)()
    if (m.answer) child.calls.get(m.answer.id)(m.answer)
  })
  child.calls = new Map()
  // An API call made by the worker for an authorizer: its result, or rejects with its error.
  child.call = (appid, method, ...args) => new Promise((resolve, reject) => {
    const id = String(Math.random())
    child.calls.set(id, (a) => (a.error ? reject(Object.assign(new Error(a.error.message), a.error)) : resolve(a.result)))
    child.send({ call: { id, appid, method, args } })
  })
  child.readyP = new Promise((resolve) => child.on('message', (m) => m.ready && resolve(m.url)))
  // Resolves once every event the worker emitted before it is counted here.
  child.settled = () => new Promise((resolve) => {
    const id = String(Math.random())
    child.pongs.set(id, resolve)
    child.send({ ping: id })
  })
  return child
}

/**
 * A load balancer: each request goes to every URL `route(req)` names, at
 * once; the first one's answer is WeChat's. Requests are recorded for replay.
 */
async function balancer() {
  const recorded = []
  const lb = await listen(async (req, res) => {
    const body = await readBody(req)
    recorded.push({ url: req.url, body })
    const answers = await Promise.all(lb.route(req).map((base) => send(base, req.url, body)))
    res.statusCode = answers[0].status
    res.end(answers[0].text)
  })
  lb.recorded = recorded
  return lb
}

async function send(base, url, body) {
  try {
    const r = await fetch(`${base}${url}`, { method: 'POST', body, headers: { 'content-type': 'text/xml' } })
    return { status: r.status, text: await r.text() }
  } catch (e) {
    return { status: 502, text: String(e) }
  }
}

const named = (name) => (e) => e.name === name

for (const kind of ['mysql', 'postgres']) {
  describe(`mini-program events across two workers on ${kind}`, { timeout: 120000 }, () => {
    let db, sandbox, creds, master, lb, workers, urls, masterUrl, masterEvents, masterServer
    const all = (name) => workers.flatMap((w) => w.events.filter(named(name)))
    const settle = () => Promise.all(workers.map((w) => w.settled()))

    before(async () => {
      db = kind === 'mysql' ? freshMysql('wxtp_wxaev') : freshDatabase('postgres', POSTGRES)
      sandbox = await startSandbox()
      creds = credentials()
      master = new ThirdpartyServer(creds.appid, creds.secret, creds.token, creds.key, db.url, false, { apiBase: sandbox.url, maxTickMs: 300, pollIntervalMs: 100 })
      masterEvents = []
      for (const name of ['fast_register', 'weapp_audit', 'wxa_nickname_audit']) master.on(name, (p) => masterEvents.push({ name, payload: p }))
      masterServer = await listen(master.middleware())
      masterUrl = masterServer.url
      lb = await balancer()
      lb.route = () => [masterUrl]
      await sandbox.registerComponent({ appid: creds.appid, secret: creds.secret, token: creds.token, encodingAESKey: creds.key, pushUrl: `${lb.url}/auth` })
      const ready = once(master, 'ready')
      master.start()
      await ready
      const base = { appid: creds.appid, secret: creds.secret, token: creds.token, key: creds.key, db: db.url, sandbox: sandbox.url }
      workers = [worker(base), worker(base)]
      urls = await Promise.all(workers.map((w) => w.readyP))
      await sandbox.setMessageUrl(creds.appid, `${lb.url}/wechat/$APPID$/callback`)
    })

    after(async () => {
      for (const w of workers || []) w.send({ stop: true })
      await Promise.all((workers || []).map((w) => once(w, 'exit')))
      if (lb) await lb.close()
      if (masterServer) await masterServer.close()
      if (master) await master.close()
      if (sandbox) await sandbox.close()
      if (db) db.drop()
    })

    let appid // the fast-registered mini program

    test('a fast registration pushed to both workers: one exchange, the authorizer stored, one fast_register', async () => {
      // An official account beside it, to tell the two apart.
      const oa = await sandbox.authorize(creds.appid, {})
      await master.handleAuthCode(oa.authCode)

      await sandbox.scriptFastRegistration(creds.appid, { auto: false })
      await master.fastRegisterWeapp({ name: '沙盒快注册有限公司', code: '91440300MA5F000009', codeType: 1, legalPersonaWechat: 'legal', legalPersonaName: '王五' })
      lb.route = (req) => (req.url.startsWith('/auth') ? urls : [masterUrl])
      const from = lb.recorded.length
      const done = await sandbox.completeFastRegistration(creds.appid, '沙盒快注册有限公司')
      appid = done.appid
      await waitFor(() => all('fast_register').length >= 1, 'fast_register')
      await settle()
      const events = all('fast_register')
      assert.equal(events.length, 1, JSON.stringify(events))
      const e = events[0].payload
      assert.deepEqual(
        [e.kind, e.infoType, e.appid, e.status, e.msg, e.authorized, e.info.name, e.info.code],
        ['enterprise', 'notify_third_fasteregister', appid, 0, 'OK', true, '沙盒快注册有限公司', '91440300MA5F000009'],
      )
      assert.equal(typeof e.createTime, 'number')
      assert.ok(!JSON.stringify(e).includes(done.authCode), 'the auth_code is not part of the event')
      const exchanges = async () => (await sandbox.requests('/cgi-bin/component/api_query_auth')).filter((r) => r.body.authorization_code === done.authCode).length
      assert.equal(await exchanges(), 1, 'one api_query_auth for the pushed code')
      assert.equal(all('authorized').filter((a) => a.payload.appid === appid).length, 1, 'announced once')

      // Stored at once, as a mini program with what it granted.
      const user = await master.getAuthorizer(appid)
      assert.equal(user.app_type, 'mini_program')
      assert.ok(user.func_scopes.includes(18), JSON.stringify(user.func_scopes))
      assert.equal(typeof user.mini_program_info, 'object')
      assert.equal((await master.getAuthorizer(oa.authorizerAppid)).app_type, 'official_account')
      const code = await master.findAuthorizers({ appType: 'mini_program', funcScopes: [18] })
      assert.deepEqual(code.map((a) => a.appid), [appid])
      assert.equal(code[0].access_token, undefined, 'no token in the list')
      const listed = await master.getAuthorizerList()
      const item = listed.find((a) => a.authorizer_appid === appid)
      assert.equal(item.app_type, 'mini_program')
      assert.ok(item.func_scopes.includes(18))
      assert.equal(listed.find((a) => a.authorizer_appid === oa.authorizerAppid).app_type, 'official_account')

      // The same push again, at a worker and at the master: nothing new.
      const pushes = lb.recorded.slice(from).filter((r) => r.url.startsWith('/auth'))
      assert.ok(pushes.length >= 1)
      for (const target of [urls[1], masterUrl, urls[0]]) {
        for (const p of pushes) assert.equal((await send(target, p.url, p.body)).status, 200)
      }
      await settle()
      assert.equal(all('fast_register').length, 1)
      assert.equal(masterEvents.filter(named('fast_register')).length, 0)
      assert.equal(await exchanges(), 1, 'still one exchange')
      lb.route = () => [masterUrl]
    })

    test('a failed registration emits fast_register once, with no exchange', async () => {
      const personal = await master.fastRegisterPersonalWeapp({ idname: '赵六', wxuser: 'zhaoliu' })
      const queries = (await sandbox.requests('/cgi-bin/component/api_query_auth')).length
      lb.route = (req) => (req.url.startsWith('/auth') ? urls : [masterUrl])
      await sandbox.completeFastRegistration(creds.appid, personal.taskid, { status: 5 })
      await waitFor(() => all('fast_register').length >= 2, 'the second fast_register')
      await settle()
      // Workers' events are listed worker by worker: pick this one by its kind.
      assert.equal(all('fast_register').length, 2, JSON.stringify(all('fast_register')))
      const failed = all('fast_register').filter((e) => e.payload.kind === 'personal')
      assert.equal(failed.length, 1, JSON.stringify(failed))
      assert.deepEqual([failed[0].payload.kind, failed[0].payload.status, failed[0].payload.authorized, failed[0].payload.appid], ['personal', 5, false, null])
      assert.equal(failed[0].payload.info.wxuser, 'zhaoliu')
      assert.equal((await sandbox.requests('/cgi-bin/component/api_query_auth')).length, queries, 'nothing exchanged')
      lb.route = () => [masterUrl]
    })

    test('a beta registration pushed to both workers: one fast_register of kind beta, with its unique_id', async () => {
      const name = '小麦烤鸡店铺'
      const beta = await master.fastRegisterBetaWeapp({ name, openid: 'oBetaUser' })
      lb.route = (req) => (req.url.startsWith('/auth') ? urls : [masterUrl])
      const b = await sandbox.completeFastRegistration(creds.appid, beta.unique_id)
      await waitFor(() => all('fast_register').length >= 3, 'the beta fast_register')
      await settle()
      const events = all('fast_register').filter((e) => e.payload.kind === 'beta')
      assert.equal(events.length, 1, JSON.stringify(all('fast_register')))
      const e = events[0].payload
      assert.ok(b.appid, 'the sandbox created the beta mini program')
      assert.deepEqual(
        [e.infoType, e.appid, e.status, e.msg, e.uniqueId, e.info.unique_id, e.info.name],
        ['notify_third_fastregisterbetaapp', b.appid, 0, 'OK', beta.unique_id, beta.unique_id, name],
      )
      // Its authorization came as its own `authorized` push, before the result.
      assert.equal(e.authorized, true)
      assert.equal((await master.getAuthorizer(b.appid)).app_type, 'mini_program')
      assert.equal(all('fast_register').length, 3, 'nothing else emitted')
      lb.route = () => [masterUrl]
    })

    test('audit and other wxa events on the message URL: one typed event and one handler run each, across both workers', async () => {
      assert.ok(appid, 'the fast-registered mini program')
      lb.route = (req) => (req.url.startsWith('/auth') ? [masterUrl] : urls)
      const client = master.createClient(appid)
      await sandbox.updateConfig({ wxaPrivacyCheckSecs: 0 })
      const draft = await sandbox.addDraft(creds.appid, { userVersion: '1.0.0', userDesc: 'events' })
      await master.addToTemplate(draft.draft_id, 0)
      const templates = (await master.getTemplateList()).template_list
      await client.commit({ templateId: templates[templates.length - 1].template_id, extJson: { extAppid: appid }, userVersion: '1.0.0', userDesc: 'events' })
      await sandbox.setReviewer(appid, { verdict: 'fail', reason: '功能不完整', screenshots: ['shotA', 'shotB'], afterMs: 0 })
      const { auditid } = await client.submitAudit({ versionDesc: 'events' })
      await waitFor(() => all('weapp_audit').length >= 1, 'weapp_audit')
      await settle()
      const audits = all('weapp_audit')
      assert.equal(audits.length, 1, JSON.stringify(audits))
      const a = audits[0].payload
      assert.deepEqual([a.appid, a.event, a.status, a.reason, a.screenshots], [appid, 'weapp_audit_fail', 'fail', '功能不完整', ['shotA', 'shotB']])
      assert.equal(typeof a.failTime, 'number')
      assert.equal(a.succTime, null)
      assert.equal((await client.getAuditStatus(auditid)).status, 1)
      const ran = (ev) => workers.flatMap((w) => w.runs).filter((r) => r.Event === ev).length
      assert.equal(ran('weapp_audit_fail'), 1, 'the handler ran once too')

      const others = [
        [{ MsgType: 'event', Event: 'wxa_nickname_audit', ret: 3, nickname: '新名字', reason: '' }, 'wxa_nickname_audit', (p) => assert.deepEqual([p.ret, p.approved, p.nickname], [3, true, '新名字'])],
        [{ MsgType: 'event', Event: 'wxa_category_audit', ret: 2, first: 3, second: 4, reason: '资质不符' }, 'wxa_category_audit', (p) => assert.deepEqual([p.approved, p.first, p.second, p.reason], [false, 3, 4, '资质不符'])],
        [{ MsgType: 'event', Event: 'wxa_privacy_apply', result_info: { api_name: 'wx.choosePoi', apply_time: 1631255210, audit_id: 4212, audit_time: 1631255362, status: 1, reason: '' } }, 'wxa_privacy_apply',
          (p) => assert.deepEqual([p.apiName, p.auditId, p.status, p.applyTime], ['wx.choosePoi', 4212, 1, 1631255210])],
        [{ MsgType: 'event', Event: 'wxa_sandbox_future', detail: 'x' }, 'wxa_event', (p) => assert.deepEqual([p.event, p.fields.detail], ['wxa_sandbox_future', 'x'])],
      ]
      for (const [message, name, check] of others) {
        const d = await sandbox.sendMessage(appid, message)
        assert.equal(d.error, null, d.error)
        await waitFor(() => all(name).length >= 1, name)
        await settle()
        const got = all(name)
        assert.equal(got.length, 1, `${name}: ${JSON.stringify(got)}`)
        assert.equal(got[0].payload.appid, appid)
        check(got[0].payload)
        assert.equal(ran(message.Event), 1, `${message.Event} reached one handler`)
      }
      // An ordinary message is no mini-program event.
      await sandbox.sendMessage(appid, 'hello')
      await settle()
      assert.deepEqual(workers.flatMap((w) => w.events).filter((e) => e.name.startsWith('wxa') || e.name === 'weapp_audit').length, 5)
      assert.equal(masterEvents.length, 0, 'the master served no message URL')
      await sandbox.updateConfig({ wxaPrivacyCheckSecs: 1 })
    })

    test('weapp_audit_delay then weapp_audit_success, and wxa_media_check: one typed event and one handler run each', async () => {
      lb.route = (req) => (req.url.startsWith('/auth') ? [masterUrl] : urls)
      const client = master.createClient(appid)
      const ran = (ev) => workers.flatMap((w) => w.runs).filter((r) => r.Event === ev).length
      const audits = (status) => all('weapp_audit').filter((e) => e.payload.status === status)
      // What the sandbox sent to the message URL for this app.
      const sent = async (ev) => (await sandbox.messages()).filter((d) => d.authorizerAppid === appid && d.message.Event === ev).map((d) => d.message)

      // The code committed above, audited again: delayed, then passed.
      await sandbox.updateConfig({ wxaPrivacyCheckSecs: 0 })
      const reason = '审核排队中，请耐心等待'
      await sandbox.setReviewer(appid, { verdict: 'delay', reason, afterMs: 0, delayMs: 300 })
      const { auditid } = await client.submitAudit({ versionDesc: 'delayed' })
      await waitFor(() => audits('success').length >= 1, 'weapp_audit success')
      await settle()
      assert.equal(audits('fail').length, 1, 'the earlier fail only')
      const [delays, passes] = [audits('delay'), audits('success')]
      assert.equal(delays.length, 1, JSON.stringify(delays))
      assert.equal(passes.length, 1, JSON.stringify(passes))
      // The sandbox logs a delivery once it is answered, after the event is out.
      const [delaySent] = await waitFor(async () => { const l = await sent('weapp_audit_delay'); return l.length && l }, 'the delay in the sandbox log')
      const [passSent] = await waitFor(async () => { const l = await sent('weapp_audit_success'); return l.length && l }, 'the pass in the sandbox log')
      assert.deepEqual([(await sent('weapp_audit_delay')).length, (await sent('weapp_audit_success')).length], [1, 1], 'the sandbox pushed each once')
      const d = delays[0].payload
      assert.deepEqual([d.appid, d.event, d.reason, d.screenshots, d.delayTime, d.succTime, d.failTime],
        [appid, 'weapp_audit_delay', reason, [], delaySent.DelayTime, null, null])
      assert.equal(typeof d.delayTime, 'number')
      const p = passes[0].payload
      assert.deepEqual([p.appid, p.event, p.screenshots, p.succTime, p.failTime, p.delayTime],
        [appid, 'weapp_audit_success', [], passSent.SuccTime, null, null])
      assert.equal(typeof p.succTime, 'number')
      assert.ok(p.succTime >= d.delayTime, 'the pass after the delay')
      assert.equal((await client.getAuditStatus(auditid)).status, 0)
      assert.equal(ran('weapp_audit_delay'), 1, 'the delay reached one handler')
      assert.equal(ran('weapp_audit_success'), 1, 'the pass reached one handler')
      await sandbox.updateConfig({ wxaPrivacyCheckSecs: 1 })

      // mediaCheckAsync's verdicts, in WeChat's two versions (the sandbox has no media check: sent as WeChat pushes them).
      const v2 = { MsgType: 'event', Event: 'wxa_media_check', appid, trace_id: '60ae120f-371d5872-7941a05b', version: 2,
        detail: [{ strategy: 'content_model', errcode: 0, suggest: 'risky', label: 20002, prob: 90 }], errcode: 0, errmsg: 'ok',
        result: { suggest: 'risky', label: 20002 } }
      const v1 = { MsgType: 'event', Event: 'wxa_media_check', isrisky: 1, extra_info_json: '', appid, trace_id: '967e945cd8a3e458f3c74dcb886068e9', status_code: 0 }
      // One sender pushes every verdict, many a second: the second is pushed in the same second as the first and
      // is not taken for its retry (src/inbox/pipeline.rs dedup_key tells them apart by trace_id).
      let createTime
      for (const [i, message, check] of [
        [1, v2, (m) => assert.deepEqual([m.traceId, m.suggest, m.label, m.isrisky, m.statusCode], [v2.trace_id, v2.result.suggest, v2.result.label, null, null])],
        [2, v1, (m) => assert.deepEqual([m.traceId, m.suggest, m.label, m.isrisky, m.statusCode], [v1.trace_id, null, null, v1.isrisky, v1.status_code])],
      ]) {
        const delivered = await sandbox.sendMessage(appid, createTime ? { ...message, CreateTime: createTime } : message)
        assert.equal(delivered.error, null, delivered.error)
        createTime = Number(delivered.message.CreateTime)
        await waitFor(() => all('wxa_media_check').length >= i, `wxa_media_check ${i}`)
        await settle()
        const got = all('wxa_media_check')
        assert.equal(got.length, i, JSON.stringify(got))
        const m = got.find((e) => e.payload.traceId === message.trace_id)
        assert.ok(m, JSON.stringify(got))
        assert.deepEqual([m.payload.appid, m.payload.event], [appid, 'wxa_media_check'])
        check(m.payload)
        assert.equal(ran('wxa_media_check'), i, 'each reached one handler')
      }
      assert.equal(all('wxa_event').length, 1, 'none of them is an untyped wxa_event')
      assert.equal(masterEvents.filter(named('weapp_audit')).length, 0, 'the master served no message URL')
    })

    test("a mini program's token rejected mid-flow, met by the master and both workers at once: one refresh, every call answered", async () => {
      const client = master.createClient(appid)
      await client.queryQuota()
      await Promise.all(workers.map((w) => w.call(appid, 'queryQuota')))
      const issued = async (path) => (await sandbox.issued())[path] || 0
      const [authorizer, component] = [await issued('/cgi-bin/component/api_authorizer_token'), await issued('/cgi-bin/component/api_component_token')]
      const invalid = (await sandbox.invalidTokenCalls()).length
      // Every token is voided, the platform's too: the authorizer's refresh needs a new component token first.
      await sandbox.invalidateTokens()
      const answers = await Promise.all([client.queryQuota(), ...workers.map((w) => w.call(appid, 'queryQuota'))])
      for (const q of answers) assert.equal(typeof q.rest, 'number', JSON.stringify(q))
      assert.equal(await issued('/cgi-bin/component/api_authorizer_token'), authorizer + 1, 'one authorizer token refresh fleet-wide')
      assert.equal(await issued('/cgi-bin/component/api_component_token'), component + 1, 'one component token refresh')
      const rejected = (await sandbox.invalidTokenCalls()).slice(invalid)
      const why = JSON.stringify(rejected)
      assert.equal(rejected.filter((c) => c.path === '/wxa/queryquota').length, 3, `each process met the rejection once: ${why}`)
      assert.ok(rejected.filter((c) => c.path === '/cgi-bin/component/api_authorizer_token').length <= 1, why)
    })

    test('findAuthorizers checks its filter before any call', async () => {
      assert.throws(() => master.findAuthorizers({ appType: 'weapp' }), (e) => e instanceof TypeError && /^filter\.appType:/.test(e.message))
      assert.throws(() => master.findAuthorizers({ funcScopes: ['18'] }), (e) => e instanceof TypeError && /^filter\.funcScopes:/.test(e.message))
      assert.throws(() => master.findAuthorizers('mini_program'), (e) => e instanceof TypeError && /^filter:/.test(e.message))
      // The official account, the enterprise's and the beta's mini programs.
      const everyone = await master.findAuthorizers()
      assert.deepEqual(everyone.map((a) => a.app_type).sort(), ['mini_program', 'mini_program', 'official_account'])
      assert.deepEqual((await master.findAuthorizers({ appType: 'official_account' })).map((a) => a.app_type), ['official_account'])
    })
  })
}

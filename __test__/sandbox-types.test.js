'use strict'
// The sandbox's answers (built in Rust, crossing to JS as JSON) have the shapes
// index.d.ts declares for them: each Sandbox method's resolved value is checked,
// through the TypeScript compiler's own reading of the declarations, against
// its declared return type — no undeclared field, no missing required one, every
// value of its declared kind. The values come from a real scenario (a platform
// on SQLite, an authorized account, pushes, messages, the release check).
const { describe, test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const path = require('path')
const ts = require('typescript')
const { readyPlatform } = require('./helpers/messages')

const INDEX_DTS = path.join(__dirname, '..', 'index.d.ts')

/** The Sandbox interface of `text` (index.d.ts, or a changed copy of it) and its checker. */
function loadSandbox(text) {
  const options = { strict: true, types: ['node'], noEmit: true }
  const host = ts.createCompilerHost(options)
  if (text !== undefined) {
    const { getSourceFile, readFile } = host
    const ours = (f) => path.resolve(f) === INDEX_DTS
    host.getSourceFile = (f, lang, ...rest) => (ours(f) ? ts.createSourceFile(f, text, lang, true) : getSourceFile.call(host, f, lang, ...rest))
    host.readFile = (f) => (ours(f) ? text : readFile.call(host, f))
  }
  const program = ts.createProgram([INDEX_DTS], options, host)
  const checker = program.getTypeChecker()
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(INDEX_DTS))
  const symbol = checker.getExportsOfModule(moduleSymbol).find((s) => s.name === 'Sandbox')
  assert.ok(symbol, 'index.d.ts exports interface Sandbox')
  return { checker, sandbox: checker.getDeclaredTypeOfSymbol(symbol) }
}

/** What Sandbox[method](...) resolves to: the overload without a callback, Promise<T> unwrapped. */
function resolvedType({ checker, sandbox }, method) {
  const prop = checker.getPropertyOfType(sandbox, method)
  assert.ok(prop, `Sandbox.${method} is declared`)
  const sigs = checker.getSignaturesOfType(checker.getTypeOfSymbol(prop), ts.SignatureKind.Call)
  const sig = sigs.find((s) => !s.getParameters().some((p) => p.name === 'callback'))
  assert.ok(sig, `Sandbox.${method} has a signature without a callback`)
  return checker.getAwaitedType(sig.getReturnType())
}

const show = (v) => {
  const s = JSON.stringify(v)
  return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s
}
const isRecord = (v) => v !== null && typeof v === 'object' && !Array.isArray(v)

/**
 * The ways `value` departs from `type`: a list of "path: what is wrong".
 * Objects: every key declared (or covered by a string index signature), every
 * required property present; arrays element by element; a union when any
 * member fits; unknown/any take anything.
 */
function conforms(checker, value, type, where) {
  const F = ts.TypeFlags
  const f = type.flags
  const named = () => checker.typeToString(type)
  const wrong = () => [`${where}: ${show(value)} is not ${named()}`]

  if (f & (F.Any | F.Unknown)) return []
  if (type.isUnion()) {
    const tries = type.types.map((member) => ({ member, problems: conforms(checker, value, member, where) }))
    if (tries.some((t) => t.problems.length === 0)) return []
    // A value that is an object (or array) fails the one object (array) member
    // it can be: its problems say more than "is not A | B".
    const kin = tries.filter((t) => isStructured(checker, t.member) && (Array.isArray(value) === checker.isArrayType(t.member)))
    if (isStructuredValue(value) && kin.length === 1) return kin[0].problems
    return wrong()
  }
  if (f & F.StringLiteral) return value === type.value ? [] : wrong()
  if (f & F.NumberLiteral) return value === type.value ? [] : wrong()
  if (f & F.BooleanLiteral) return value === (type.intrinsicName === 'true') ? [] : wrong()
  if (f & F.String) return typeof value === 'string' ? [] : wrong()
  if (f & F.Number) return typeof value === 'number' ? [] : wrong()
  if (f & F.Boolean) return typeof value === 'boolean' ? [] : wrong()
  if (f & F.BigInt) return typeof value === 'bigint' ? [] : wrong()
  if (f & F.Null) return value === null ? [] : wrong()
  if (f & (F.Undefined | F.Void)) return value === undefined ? [] : wrong()
  if (type.getSymbol() && type.getSymbol().name === 'Date') return value instanceof Date ? [] : wrong()

  if (checker.isTupleType(type)) {
    const elements = checker.getTypeArguments(type)
    if (!Array.isArray(value) || value.length !== elements.length) return wrong()
    return value.flatMap((v, i) => conforms(checker, v, elements[i], `${where}[${i}]`))
  }
  if (checker.isArrayType(type)) {
    if (!Array.isArray(value)) return wrong()
    const [element] = checker.getTypeArguments(type)
    return value.flatMap((v, i) => conforms(checker, v, element, `${where}[${i}]`))
  }
  if (f & (F.Object | F.Intersection)) {
    if (!isRecord(value)) return wrong()
    const problems = []
    const props = new Map(checker.getPropertiesOfType(type).map((p) => [p.name, p]))
    const index = checker.getIndexInfosOfType(type).find((i) => i.keyType.flags & F.String)
    for (const [key, v] of Object.entries(value)) {
      const prop = props.get(key)
      if (prop) problems.push(...conforms(checker, v, checker.getTypeOfSymbol(prop), `${where}.${key}`))
      else if (index) problems.push(...conforms(checker, v, index.type, `${where}.${key}`))
      else problems.push(`${where}.${key}: not declared in ${named()} (value ${show(v)})`)
    }
    for (const [key, prop] of props) {
      if (!(prop.flags & ts.SymbolFlags.Optional) && value[key] === undefined) {
        problems.push(`${where}.${key}: declared required in ${named()}, missing`)
      }
    }
    return problems
  }
  // A kind of type this checker does not know: say so rather than pass it.
  return [`${where}: cannot check type ${named()} (flags ${f})`]
}

function isStructured(checker, type) {
  return Boolean(type.flags & (ts.TypeFlags.Object | ts.TypeFlags.Intersection)) || checker.isArrayType(type)
}
const isStructuredValue = (v) => v !== null && typeof v === 'object'

/** Every answer against the declarations `decl`: the problems, all together. */
function check(decl, answers) {
  return answers.flatMap(({ method, label, value }) => conforms(decl.checker, value, resolvedType(decl, method), label))
}

describe("the sandbox's answers against index.d.ts", { timeout: 60000 }, () => {
  let t
  /** [{ method, label, value }]: what each Sandbox method resolved to. */
  const answers = []
  const got = (method, value, label = `${method}()`) => {
    answers.push({ method, label, value })
    return value
  }
  const nonEmpty = (list, what) => assert.ok(Array.isArray(list) && list.length > 0, `${what}: no element to check (${show(list)})`)

  before(async () => {
    t = await readyPlatform((p) => p.messages((m) => (m.Content ? `echo ${m.Content}` : undefined)), { sandbox: { messageTimeoutSecs: 2 } })
    const sb = t.env.sandbox
    const component = t.env.creds.appid
    const account = t.authorizer

    got('config', await sb.config())
    got('updateConfig', await sb.updateConfig({ followersPageSize: 5000 }))
    // Pushed: the authorized event reaches the platform (a push with an authorizerAppid).
    const second = got('authorize', await sb.authorize(component, { followers: 2, nickName: 'types', push: true }), 'authorize(push)')
    got('authorize', await sb.authorize(component, { appid: second.authorizerAppid }), 'authorize(again)')
    got('oauthCode', await sb.oauthCode(account, { scope: 'snsapi_userinfo', componentAppid: component }))
    got('jsCode', await sb.jsCode(account, { componentAppid: component }), 'jsCode(component)')
    await sb.registerApp('wxtypesapp0000001', 'types-app-secret')
    got('jsCode', await sb.jsCode('wxtypesapp0000001'), 'jsCode(app)')
    nonEmpty(got('followers', await sb.followers(account)), 'followers()')
    got('pushTicket', await sb.pushTicket(component))

    // Messages: one with a passive reply, one answered `success`.
    got('sendMessage', await sb.sendMessage(account, 'hello'), 'sendMessage(text)')
    got('sendMessage', await sb.sendMessage(account, { MsgType: 'event', Event: 'subscribe' }), 'sendMessage(event)')
    const report = got('runReleaseCheck', await sb.runReleaseCheck(component))
    nonEmpty(report.cases, 'runReleaseCheck().cases')

    // Account calls: a recorded body, a made-up token, then a token voided by invalidateTokens.
    const tokenRes = await fetch(`${sb.url}/cgi-bin/token?grant_type=client_credential&appid=wxtypesapp0000001&secret=types-app-secret`)
    const { access_token: token } = await tokenRes.json()
    assert.equal(typeof token, 'string')
    await sb.setFollowers('wxtypesapp0000001', 1)
    const [touser] = got('followers', await sb.followers('wxtypesapp0000001'), 'followers(app)')
    const send = (tok) => fetch(`${sb.url}/cgi-bin/message/custom/send?access_token=${tok}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ touser, msgtype: 'text', text: { content: 'hi' } }),
    }).then((r) => r.json())
    assert.equal((await send(token)).errcode, 0)
    assert.notEqual((await send('not-a-token')).errcode, 0)
    await sb.invalidateTokens()
    assert.notEqual((await send(token)).errcode, 0)

    // Mini programs: a template, a commit, an audit decided by hand, a fast registration.
    await sb.updateConfig({ wxaPrivacyCheckSecs: 0 })
    const mp = await sb.authorize(component, { miniProgram: true })
    await t.platform.handleAuthCode(mp.authCode)
    const draft = got('addDraft', await sb.addDraft(component, { userVersion: '1.0.0' }))
    await t.platform.addToTemplate(draft.draft_id)
    const [template] = (await t.platform.getTemplateList()).template_list
    got('setReviewer', await sb.setReviewer(mp.authorizerAppid, { verdict: 'manual' }))
    got('setAuditQuota', await sb.setAuditQuota(component, { rest: 5 }))
    const client = t.platform.createClient(mp.authorizerAppid)
    await client.commit({ templateId: template.template_id, extJson: {}, userVersion: '1.0.0', userDesc: 'types' })
    await client.submitAudit()
    got('review', await sb.review(mp.authorizerAppid, { verdict: 'fail', reason: 'types', screenshots: ['m1'] }))
    got('scriptFastRegistration', await sb.scriptFastRegistration(component, { auto: false }))
    const beta = await t.platform.fastRegisterBetaWeapp({ name: '类型检查小程序', openid: 'oTypes' })
    got('completeFastRegistration', await sb.completeFastRegistration(component, beta.unique_id))
    got('miniProgram', await sb.miniProgram(mp.authorizerAppid))
    nonEmpty(got('wxaPlatform', await sb.wxaPlatform(component)).registrations, 'wxaPlatform().registrations')
    nonEmpty(got('wxaEvents', await sb.wxaEvents()), 'wxaEvents()')

    const messages = got('messages', await sb.messages())
    nonEmpty(messages, 'messages()')
    for (const d of messages) nonEmpty(d.attempts, 'messages()[].attempts')
    nonEmpty(got('pushes', await sb.pushes()), 'pushes()')
    nonEmpty(got('recordedCalls', await sb.recordedCalls()), 'recordedCalls()')
    nonEmpty(got('recordedCalls', await sb.recordedCalls('/cgi-bin/message/custom/send'), "recordedCalls('/cgi-bin/message/custom/send')"), 'recordedCalls(path)')
    nonEmpty(got('invalidTokenCalls', await sb.invalidTokenCalls()), 'invalidTokenCalls()')
    nonEmpty(got('requests', await sb.requests()), 'requests()')
    nonEmpty(got('requests', await sb.requests('/cgi-bin/message/custom/send'), "requests('/cgi-bin/message/custom/send')"), 'requests(path)')
    for (const m of ['counters', 'issued']) {
      const counts = got(m, await sb[m]())
      assert.ok(Object.keys(counts).length > 0, `${m}(): no entry to check`)
    }
  })
  after(async () => {
    if (t) await t.close()
  })

  test('every answer has exactly the fields and kinds its declared type names', () => {
    const decl = loadSandbox()
    const problems = check(decl, answers)
    assert.deepEqual(problems, [], `index.d.ts and the sandbox's answers differ:\n  ${problems.join('\n  ')}`)
    // The scenario reached both branches of the nullable fields it can.
    const pushes = answers.find((a) => a.method === 'pushes').value
    assert.ok(pushes.some((p) => p.authorizerAppid === null) && pushes.some((p) => typeof p.authorizerAppid === 'string'), show(pushes))
    const sent = answers.filter((a) => a.method === 'sendMessage').map((a) => a.value)
    assert.ok(sent.some((d) => d.reply === null) && sent.some((d) => d.reply !== null), show(sent))
  })

  test('the drift check notices a renamed field', () => {
    const text = fs.readFileSync(INDEX_DTS, 'utf8')
    const renamed = text.replace(/(export interface SandboxPush \{[^}]*?)\binfoType:/, '$1eventType:')
    assert.notEqual(renamed, text, 'SandboxPush.infoType found in index.d.ts')
    const problems = check(loadSandbox(renamed), answers)
    assert.ok(problems.some((p) => /^pushes\(\)\[\d+\]\.infoType: not declared/.test(p)), problems.join('\n'))
    assert.ok(problems.some((p) => /^pushes\(\)\[\d+\]\.eventType: declared required .*missing$/.test(p)), problems.join('\n'))
    // Nothing but the pushes is affected.
    assert.deepEqual(problems.filter((p) => !p.startsWith('pushes()')), [])
  })
})

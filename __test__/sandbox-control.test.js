'use strict'
// One definition of the sandbox's control operations: startSandbox() sends
// its calls through the sandbox's /__sandbox router in process,
// connectSandbox(url) sends the same calls over HTTP. Both answer alike,
// errors included (class, name and message), on the very same sandbox.
const test = require('node:test')
const assert = require('node:assert/strict')
const { startSandbox, connectSandbox, TransportError } = require('..')

const COMPONENT = { appid: 'wxctlcomponent001', secret: 'ctl-component-secret', token: 'ctltoken', encodingAESKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' }

/** The error a call ends with, whether it throws at once or rejects. */
async function failure(call) {
  try {
    await call()
  } catch (e) {
    return e
  }
  assert.fail('no error')
}

test('native and HTTP transports: the same answers and the same errors', async (t) => {
  const native = await startSandbox()
  t.after(() => native.close())
  const remote = connectSandbox(native.url)
  await native.registerComponent(COMPONENT)
  await remote.registerApp('wxctlapp000000001', 'ctl-app-secret')
  const { authorizerAppid } = await remote.authorize(COMPONENT.appid, { followers: 3 })

  // Answers: the same state read through either transport.
  for (const read of ['counters', 'issued', 'invalidTokenCalls', 'pushes', 'config', 'messages', 'recordedCalls', 'requests']) {
    assert.deepEqual(await native[read](), await remote[read](), read)
  }
  assert.deepEqual(await native.followers(authorizerAppid), await remote.followers(authorizerAppid))
  assert.equal((await remote.followers(authorizerAppid)).length, 3)

  const bad = {
    'pushTicket of an unknown component': (s) => s.pushTicket('wxnobody'),
    'pushEvent with a bogus infoType': (s) => s.pushEvent(COMPONENT.appid, 'bogus', authorizerAppid),
    'registerComponent with a short key': (s) => s.registerComponent({ ...COMPONENT, encodingAESKey: 'short' }),
    'setMessageUrl of an unknown component': (s) => s.setMessageUrl('wxnobody', 'http://127.0.0.1:1/m'),
    'updateConfig with a string for a number': (s) => s.updateConfig({ graceSecs: 'soon' }),
    'authorize with a string for followers': (s) => s.authorize(COMPONENT.appid, { followers: 'many' }),
    'sendMessage for an account nobody authorized': (s) => s.sendMessage('wxnotauthorized01', 'hi'),
    'runReleaseCheck without a message URL': (s) => s.runReleaseCheck(COMPONENT.appid),
  }
  for (const [what, call] of Object.entries(bad)) {
    const [n, r] = [await failure(() => call(native)), await failure(() => call(remote))]
    assert.equal(n.constructor, r.constructor, `${what}: ${n.name} natively, ${r.name} over HTTP`)
    assert.equal(n.name, 'TypeError', `${what}: ${n.message}`)
    assert.equal(n.message, r.message, what)
    assert.match(n.message, /^sandbox: /, what)
  }
  const short = await failure(() => native.registerComponent({ ...COMPONENT, encodingAESKey: 'short' }))
  assert.ok(!short.message.includes('short'), 'the key is not echoed')

  // A push that cannot reach the platform: a TransportError either way.
  await native.registerComponent({ ...COMPONENT, pushUrl: 'http://127.0.0.1:1/wechat/auth' })
  const [n, r] = [await failure(() => native.pushTicket(COMPONENT.appid)), await failure(() => remote.pushTicket(COMPONENT.appid))]
  assert.ok(n instanceof TransportError && r instanceof TransportError, `${n.name} / ${r.name}`)
  assert.equal(n.message, r.message)
  assert.match(n.message, /^sandbox: push of component_verify_ticket to the component's push_url failed/)
})

test('natively, bad arguments the sandbox checks throw at once; calls that talk to the platform reject', async (t) => {
  const sb = await startSandbox()
  t.after(() => sb.close())
  assert.throws(() => sb.updateConfig({ graceSecs: 'soon' }), (e) => e instanceof TypeError && /^sandbox: config: /.test(e.message))
  assert.throws(() => sb.setMessageUrl('wxnobody', 'http://127.0.0.1:1/m'), TypeError)
  const p = sb.pushTicket('wxnobody')
  assert.ok(p instanceof Promise)
  await assert.rejects(p, (e) => e instanceof TypeError && /component_appid/.test(e.message))
  // With a callback: the error reaches it, nothing throws.
  const err = await new Promise((resolve) => sb.updateConfig({ graceSecs: 'soon' }, resolve))
  assert.ok(err instanceof TypeError)
})

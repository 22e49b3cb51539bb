'use strict'
// index.d.ts is valid TypeScript and describes the README's calls.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('child_process')
const path = require('path')

const FRAMEWORKS = 'frameworks.ts'
const TSC = path.join(__dirname, '..', 'node_modules', 'typescript', 'bin', 'tsc')
/** `tsc --noEmit --strict …args`, its exit status and output. */
const tsc = (args, options) => spawnSync(process.execPath, [TSC, '--noEmit', '--strict', ...args], { encoding: 'utf8', ...options })

test('index.d.ts type-checks the documented usage', () => {
  const files = require('fs').readdirSync(path.join(__dirname, 'types')).filter((f) => f.endsWith('.ts') && f !== FRAMEWORKS)
  const r = tsc(['--types', 'node', '--skipLibCheck', 'false', ...files.map((f) => path.join(__dirname, 'types', f))])
  assert.equal(r.status, 0, r.stdout + r.stderr)
})

// Apart, with skipLibCheck: @types/koa does not itself check against the
// content-disposition koa 3 installs. index.d.ts is checked in full above.
test('the handlers mount on Express, Koa and http as their own types see them', () => {
  const r = tsc(['--types', 'node', '--skipLibCheck', 'true', path.join(__dirname, 'types', FRAMEWORKS)])
  assert.equal(r.status, 0, r.stdout + r.stderr)
})

/**
 * `app.ts` (the `lines`) in an app that installed the package and nothing
 * else, as npm lays it out (the package's own dependencies beside it);
 * `check(dir, file)` runs tsc there.
 */
function inApp(lines, check) {
  const fs = require('fs')
  const os = require('os')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxtp-ts-'))
  try {
    fs.mkdirSync(path.join(dir, 'node_modules'))
    fs.symlinkSync(path.join(__dirname, '..'), path.join(dir, 'node_modules', 'wxthirdparty'), 'dir')
    fs.writeFileSync(path.join(dir, 'app.ts'), [...lines, ''].join('\n'))
    check(dir, path.join(dir, 'app.ts'))
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

test('a TypeScript app with no @types/node of its own still sees EventEmitter methods', () => {
  inApp([
    "import { ThirdpartyServer } from 'wxthirdparty'",
    "const p = new ThirdpartyServer('wx1', 's', 't', 'k'.repeat(43), 'sqlite::memory:')",
    "p.on('ready', () => undefined).once('end', () => undefined)",
    'p.removeAllListeners()',
  ], (dir, app) => {
    const r = tsc(['--target', 'es2020', '--module', 'commonjs', '--moduleResolution', 'node', app], { cwd: dir })
    assert.equal(r.status, 0, r.stdout + r.stderr)
  })
})

test("the require line of wechat-api, wechat-oauth and wechat: wxthirdparty/api, /oauth and /wechat type-check, with and without package exports", () => {
  inApp([
    "import API = require('wxthirdparty/api')",
    "import OAuth = require('wxthirdparty/oauth')",
    "import wechat = require('wxthirdparty/wechat')",
    "import type { InboundMessage } from 'wxthirdparty'",
    "const api = new API('wx1', 'secret')",
    "api.getUser('o1', (err, user, res) => { if (!err && user && res) console.log(user.openid, res.statusCode) })",
    "const ok: boolean = new API.AccessToken('t', 1).isValid()",
    "const url: string = new OAuth('wx1', 's').getAuthorizeURL('https://example.com/cb', 'st', 'snsapi_userinfo')",
    "const handler = wechat({ token: 't', appid: 'wx1' }, (req, res, next) => (req.weixin.Content ? res.reply(`you said ${req.weixin.Content}`) : next()))",
    "const chained = wechat('t').text((m: InboundMessage, req, res) => res.transfer2CustomerService('kf')).event(wechat.Event.dispatch(new wechat.Event().add('CLICK', (m, req, res) => res.reply(1)))).middlewarify()",
    "const routed = wechat({ token: 't', checkSignature: false }, { text: (m, req, res, next) => next(), event: { subscribe: (m, req, res) => res.wait('menu') } })",
    "wechat.List.add('menu', [['{a} apple', 'you chose apple']])",
    "console.log(typeof chained, typeof routed, wechat.reply('hi', 'gh', 'o'))",
    'console.log(ok, url, typeof handler)',
  ], (dir, app) => {
    // node: package.json "exports" unread (the root's api.d.ts); node16: through "exports".
    for (const [resolution, module] of [['node', 'commonjs'], ['node16', 'node16']]) {
      const r = tsc(['--target', 'es2020', '--module', module, '--moduleResolution', resolution, app], { cwd: dir })
      assert.equal(r.status, 0, `${resolution}: ${r.stdout}${r.stderr}`)
    }
  })
})

'use strict'
// The package as a user gets it: `npm pack` of wxthirdparty and of the host's
// platform package (holding this checkout's release build), installed into an
// empty directory on a PATH without cargo or rustc; then the README's demo and
// a require() of every export. Also the loader's error when no addon exists.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('child_process')
const fs = require('fs')
const os = require('os')
const path = require('path')
const { platformName } = require('../lib/native')

const root = path.join(__dirname, '..')
const name = platformName()
const manifest = fs.readFileSync(path.join(root, 'package.json'), 'utf8')
const pkg = JSON.parse(manifest)

function sh(cmd, args, opts) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 180000, ...opts })
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`)
  return r
}

test('the packed package installs and runs without a Rust toolchain', { timeout: 300000 }, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wxthirdparty-pack-'))
  try {
    // The host's platform package, as `napi artifacts` fills npm/<platform>/.
    const plat = path.join(tmp, name)
    fs.cpSync(path.join(root, 'npm', name), plat, { recursive: true })
    fs.copyFileSync(path.join(root, 'native', 'wxthirdparty.node'), path.join(plat, `wxthirdparty.${name}.node`))
    const npm = path.join(path.dirname(process.execPath), 'npm')
    const npmCmd = fs.existsSync(npm) ? npm : 'npm'
    sh(npmCmd, ['pack', '--pack-destination', tmp], { cwd: plat })
    const packed = sh(npmCmd, ['pack', '--json', '--pack-destination', tmp], { cwd: root })
    const files = JSON.parse(packed.stdout)[0].files.map((f) => f.path)
    for (const f of files) assert.ok(!/^(__test__|tests|benches|target|native|npm)\//.test(f), `${f} is packed`)

    // No cargo, no rustc: node's own directory and the system's.
    const env = { ...process.env, PATH: [path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter) }
    delete env.CARGO_TARGET_DIR
    for (const k of Object.keys(env)) if (/^npm_/i.test(k)) delete env[k]
    assert.notEqual(spawnSync('sh', ['-c', 'command -v cargo || command -v rustc'], { env }).status, 0, 'cargo is on the test PATH')

    const app = path.join(tmp, 'app')
    fs.mkdirSync(app)
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }))
    const install = sh(npmCmd, ['install', '--no-audit', '--no-fund',
      path.join(tmp, `wxthirdparty-${pkg.version}.tgz`), path.join(tmp, `wxthirdparty-${name}-${pkg.version}.tgz`)], { cwd: app, env })
    assert.doesNotMatch(install.stderr, /warn|ERR/i, `install printed:\n${install.stderr}`)
    assert.ok(!fs.existsSync(path.join(app, 'node_modules', 'wxthirdparty', 'native')), 'the install built from source')
    const installed = require(path.join(app, 'node_modules', 'wxthirdparty', 'package.json'))
    const platforms = fs.readdirSync(path.join(root, 'npm')).map((d) => `wxthirdparty-${d}`).sort()
    assert.deepEqual(Object.keys(installed.optionalDependencies).sort(), platforms)
    assert.deepEqual(Object.keys(installed.scripts).filter((s) => /install|prepare|pack/.test(s)), [])
    assert.equal(fs.readFileSync(path.join(root, 'package.json'), 'utf8'), manifest, 'npm pack left package.json changed')

    const demo = sh(path.join(app, 'node_modules', '.bin', 'wxthirdparty'), ['demo'], { cwd: app, env })
    assert.match(demo.stdout, /done in/)

    const probe = `const m = require('wxthirdparty'); const keys = Object.keys(m);
      const missing = keys.filter((k) => m[k] === undefined);
      if (!keys.length || missing.length) throw new Error('bad exports: ' + missing);
      if (require('wxthirdparty/api') !== m.API || require('wxthirdparty/oauth') !== m.OAuth || typeof require('wxthirdparty/wechat') !== 'function') throw new Error('bad subpath exports');
      console.log(JSON.stringify({ keys, addon: require.resolve('wxthirdparty-${name}') }))`
    const out = JSON.parse(sh(process.execPath, ['-e', probe], { cwd: app, env }).stdout)
    assert.deepEqual(out.keys.sort(), Object.keys(require('..')).sort())
    assert.ok(out.addon.startsWith(path.join(app, 'node_modules', `wxthirdparty-${name}`)), out.addon)
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true })
  }
})

test('without a platform package or a local build, require() names the platform and the way out', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wxthirdparty-noaddon-'))
  try {
    fs.cpSync(path.join(root, 'lib'), path.join(tmp, 'lib'), { recursive: true })
    const r = spawnSync(process.execPath, ['-e', "require('./lib/native')"], { cwd: tmp, encoding: 'utf8' })
    assert.notEqual(r.status, 0)
    assert.match(r.stderr, new RegExp(`no native addon for this platform \\(${name}`))
    assert.match(r.stderr, new RegExp(`npm install wxthirdparty-${name}`))
    assert.match(r.stderr, /npm explore wxthirdparty -- npm run build/)

    // WXTHIRDPARTY_NATIVE_PATH wins, and a wrong one is named rather than skipped.
    const probe = "console.log(typeof require('./lib/native').binding)"
    const given = spawnSync(process.execPath, ['-e', probe], { cwd: tmp, encoding: 'utf8',
      env: { ...process.env, WXTHIRDPARTY_NATIVE_PATH: path.join(root, 'native', 'wxthirdparty.node') } })
    assert.equal(given.stdout.trim(), 'object', given.stderr)
    const wrong = spawnSync(process.execPath, ['-e', probe], { cwd: tmp, encoding: 'utf8',
      env: { ...process.env, WXTHIRDPARTY_NATIVE_PATH: path.join(tmp, 'nope.node') } })
    assert.notEqual(wrong.status, 0)
    assert.match(wrong.stderr, /could not load WXTHIRDPARTY_NATIVE_PATH=.*nope\.node/)
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true })
  }
})

'use strict'
// The README's first command in a clone, `npm install && npx wxthirdparty demo`:
// the npx step must not build the addon again. npm exec may install the
// project folder (running `prepare`); `prepare` then finds native/ built from
// these sources (native/.build-stamp) and does nothing. A `cargo` on PATH
// that fails and leaves a mark stands in for a rebuild.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync, execFileSync } = require('child_process')
const fs = require('fs')
const os = require('os')
const path = require('path')

const root = path.join(__dirname, '..')

test('in a clone with the addon built, `npx wxthirdparty demo` runs the demo and never cargo; a changed source does rebuild', { timeout: 180000 }, (t) => {
  const stamp = path.join(root, 'native', '.build-stamp')
  if (!fs.existsSync(stamp)) return t.skip('native/ was not built by `npm run build` here (no .build-stamp)')
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wxthirdparty-clone-'))
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }))
  const clone = path.join(tmp, 'wxthirdparty')
  // The clone: the tracked files as they are in this tree (what native/ was built from).
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean)
  for (const f of files) {
    if (!fs.existsSync(path.join(root, f))) continue
    fs.mkdirSync(path.dirname(path.join(clone, f)), { recursive: true })
    fs.copyFileSync(path.join(root, f), path.join(clone, f))
  }
  // What `npm install` left: the built addon and its stamp.
  fs.mkdirSync(path.join(clone, 'native'))
  for (const f of ['wxthirdparty.node', '.build-stamp']) fs.copyFileSync(path.join(root, 'native', f), path.join(clone, 'native', f))

  const bin = path.join(tmp, 'bin')
  const mark = path.join(tmp, 'cargo-ran')
  fs.mkdirSync(bin)
  fs.writeFileSync(path.join(bin, 'cargo'), `#!/bin/sh\necho "$@" >> '${mark}'\nexit 1\n`, { mode: 0o755 })
  const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}`, npm_config_cache: path.join(tmp, 'npm-cache'), npm_config_update_notifier: 'false' }
  for (const k of Object.keys(env)) if (k.startsWith('npm_') && !k.startsWith('npm_config_')) delete env[k]

  // `prepare` as npm runs it (npm install, and npm exec installing the folder): nothing to build.
  const prepare = spawnSync(process.execPath, ['scripts/build.js'], { cwd: clone, env: { ...env, npm_lifecycle_event: 'prepare' }, encoding: 'utf8' })
  assert.equal(prepare.status, 0, prepare.stdout + prepare.stderr)
  assert.match(prepare.stdout, /not rebuilding/)

  const npx = spawnSync('npx', ['--offline', 'wxthirdparty', 'demo'], { cwd: clone, env, encoding: 'utf8', timeout: 120000 })
  assert.equal(npx.status, 0, npx.stdout + npx.stderr)
  assert.match(npx.stdout, /done in/)
  assert.equal(fs.existsSync(mark), false, 'npx ran cargo')

  // Sound "current": a changed source is not current, and prepare builds.
  fs.appendFileSync(path.join(clone, 'src', 'lib.rs'), '\n// changed\n')
  const stale = spawnSync(process.execPath, ['scripts/build.js'], { cwd: clone, env: { ...env, npm_lifecycle_event: 'prepare' }, encoding: 'utf8' })
  assert.notEqual(stale.status, 0)
  assert.equal(fs.existsSync(mark), true, 'a changed source must rebuild')
})

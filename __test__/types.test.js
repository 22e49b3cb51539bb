'use strict'
// index.d.ts is valid TypeScript and describes the README's calls.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('child_process')
const path = require('path')

const FRAMEWORKS = 'frameworks.ts'

test('index.d.ts type-checks the documented usage', () => {
  const tsc = path.join(__dirname, '..', 'node_modules', 'typescript', 'bin', 'tsc')
  const files = require('fs').readdirSync(path.join(__dirname, 'types')).filter((f) => f.endsWith('.ts') && f !== FRAMEWORKS)
  const r = spawnSync(process.execPath, [tsc, '--noEmit', '--strict', '--types', 'node', '--skipLibCheck', 'false',
    ...files.map((f) => path.join(__dirname, 'types', f))], { encoding: 'utf8' })
  assert.equal(r.status, 0, r.stdout + r.stderr)
})

// Apart, with skipLibCheck: @types/koa does not itself check against the
// content-disposition koa 3 installs. index.d.ts is checked in full above.
test('the handlers mount on Express, Koa and http as their own types see them', () => {
  const tsc = path.join(__dirname, '..', 'node_modules', 'typescript', 'bin', 'tsc')
  const r = spawnSync(process.execPath, [tsc, '--noEmit', '--strict', '--types', 'node', '--skipLibCheck', 'true',
    path.join(__dirname, 'types', FRAMEWORKS)], { encoding: 'utf8' })
  assert.equal(r.status, 0, r.stdout + r.stderr)
})

test('a TypeScript app with no @types/node of its own still sees EventEmitter methods', () => {
  const fs = require('fs')
  const os = require('os')
  const root = path.join(__dirname, '..')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxtp-ts-'))
  try {
    // As npm lays it out for a user: the package (with its own dependencies
    // beside it) and an app that installed nothing else.
    fs.mkdirSync(path.join(dir, 'node_modules'))
    fs.symlinkSync(root, path.join(dir, 'node_modules', 'wxthirdparty'), 'dir')
    fs.writeFileSync(path.join(dir, 'app.ts'), [
      "import { ThirdpartyServer } from 'wxthirdparty'",
      "const p = new ThirdpartyServer('wx1', 's', 't', 'k'.repeat(43), 'sqlite::memory:')",
      "p.on('ready', () => undefined).once('end', () => undefined)",
      'p.removeAllListeners()',
      '',
    ].join('\n'))
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc')
    const r = spawnSync(process.execPath, [tsc, '--noEmit', '--strict', '--target', 'es2020', '--module', 'commonjs', '--moduleResolution', 'node', path.join(dir, 'app.ts')],
      { cwd: dir, encoding: 'utf8' })
    assert.equal(r.status, 0, r.stdout + r.stderr)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

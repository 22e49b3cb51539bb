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
    const r = tsc(['--target', 'es2020', '--module', 'commonjs', '--moduleResolution', 'node', path.join(dir, 'app.ts')], { cwd: dir })
    assert.equal(r.status, 0, r.stdout + r.stderr)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

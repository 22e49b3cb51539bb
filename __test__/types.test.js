'use strict'
// index.d.ts is valid TypeScript and describes the README's calls.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('child_process')
const path = require('path')

test('index.d.ts type-checks the documented usage', () => {
  const tsc = path.join(__dirname, '..', 'node_modules', 'typescript', 'bin', 'tsc')
  const files = require('fs').readdirSync(path.join(__dirname, 'types')).filter((f) => f.endsWith('.ts'))
  const r = spawnSync(process.execPath, [tsc, '--noEmit', '--strict', '--types', 'node', '--skipLibCheck', 'false',
    ...files.map((f) => path.join(__dirname, 'types', f))], { encoding: 'utf8' })
  assert.equal(r.status, 0, r.stdout + r.stderr)
})

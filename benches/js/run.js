#!/usr/bin/env node
// `npm run bench`: runs every benchmark script in benches/js/ (except this
// one), one after another, each in its own node process.
'use strict'
const { spawnSync } = require('child_process')
const fs = require('fs')
const path = require('path')

const only = process.argv.slice(2)
const scripts = fs.readdirSync(__dirname)
  .filter((f) => f.endsWith('.js') && f !== 'run.js' && !f.startsWith('_'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort()
let failed = false
for (const f of scripts) {
  console.log(`\n=== benches/js/${f}`)
  const r = spawnSync(process.execPath, [path.join(__dirname, f)], { stdio: 'inherit' })
  if (r.status !== 0) failed = true
}
process.exit(failed ? 1 : 0)

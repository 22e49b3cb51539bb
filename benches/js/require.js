#!/usr/bin/env node
// require() time and RSS: the package against the dependency set a user of
// the original stack loads for the same features: the original
// wxthirdparty's storage (orm + mysql), its crypto and XML (wechat-crypto,
// xml2js), wechat-api, wechat-oauth and node-webot's wechat. Each sample is a
// fresh node process; medians of 9, alternating sides.
// Run: npm run bench -- require   (or: node benches/js/require.js)
'use strict'
const { execFileSync } = require('child_process')
const path = require('path')
const { emit } = require('./_measure')

const ROOT = path.join(__dirname, '..', '..')
const SIDES = {
  ours: [ROOT],
  theirs: ['orm', 'mysql', 'wechat-crypto', 'xml2js', 'wechat-api', 'wechat-oauth', 'wechat'],
}
const RUNS = 9

function sample(mods) {
  const script = `
    const rss0 = process.memoryUsage().rss
    const t0 = process.hrtime.bigint()
    for (const m of ${JSON.stringify(mods)}) require(m)
    const ms = Number(process.hrtime.bigint() - t0) / 1e6
    console.log(JSON.stringify({ ms, mib: (process.memoryUsage().rss - rss0) / 1048576 }))`
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' }))
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const got = { ours: [], theirs: [] }
for (let i = 0; i < RUNS; i++) for (const side of ['ours', 'theirs']) got[side].push(sample(SIDES[side]))
const [ms, mib] = ['ms', 'mib'].map((k) => Object.fromEntries(Object.entries(got).map(([s, xs]) => [s, median(xs.map((x) => x[k]))])))
console.log(`require() of the package: ${ms.ours.toFixed(1)} ms, RSS +${mib.ours.toFixed(1)} MiB`)
console.log(`require() of ${SIDES.theirs.join(' + ')}: ${ms.theirs.toFixed(1)} ms, RSS +${mib.theirs.toFixed(1)} MiB`)
const against = SIDES.theirs.join(' + ')
emit([
  { area: 'require()', case: 'time to require the package', ours: ms.ours, theirs: ms.theirs, unit: 'ms', against, lowerIsBetter: true },
  { area: 'require()', case: 'RSS added by require', ours: mib.ours, theirs: mib.theirs, unit: 'MiB', against, lowerIsBetter: true },
])

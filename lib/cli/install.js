'use strict'
// `wxthirdparty install --db URL`: creates or upgrades every table.
// `wxthirdparty install --build`: rebuilds the native addon from source (cargo).
const path = require('path')
const { parse } = require('./args')

const USAGE = `usage: wxthirdparty install --db URL     create or upgrade all tables (never drops any)
       wxthirdparty install --build      build the native addon from source (needs cargo)`

module.exports = async function install(argv) {
  const v = parse(argv, { db: { type: 'string' }, build: { type: 'boolean' } }, USAGE)
  if (!v) return
  if (v.build) {
    require('child_process').execFileSync(process.execPath, [path.join(__dirname, '..', '..', 'scripts', 'build.js')], { stdio: 'inherit' })
    return
  }
  if (!v.db) throw new TypeError(`--db URL is required\n${USAGE}`)
  const { binding } = require('../native')
  const r = await binding.installSchema(v.db)
  if (r.before === 0) console.log(`created the wxthirdparty tables (schema version ${r.after})`)
  else if (r.before < r.after) console.log(`upgraded the schema from version ${r.before} to ${r.after}`)
  else console.log(`the schema is already current (version ${r.after}); nothing to do`)
}

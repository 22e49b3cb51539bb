'use strict'
// Multi-process tests: fleet processes (__test__/fleet/child.js) on a
// throwaway database (helpers/databases).
const { fork } = require('child_process')
const path = require('path')
const databases = require('./databases')

/** A fresh database on the test server of `kind` ('mysql' | 'postgres'). */
function freshDatabase(kind, base = kind === 'mysql' ? databases.MYSQL : databases.POSTGRES) {
  return databases.freshDatabase(kind, base)
}

function spawnChild(opts) {
  const child = fork(path.join(__dirname, '..', 'fleet', 'child.js'), [], {
    env: { ...process.env, WXTP_FLEET: JSON.stringify(opts) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  child.readyP = new Promise((resolve) => child.on('message', (m) => m.ready && resolve()))
  child.statsP = new Promise((resolve) => child.on('message', (m) => m.stats && resolve(m.stats)))
  return child
}

module.exports = { freshDatabase, spawnChild }

'use strict'
// startConsole(): the operator console (src/console) on its own port.
// Returns a Promise of a Console, or calls back when given a callback.

const { binding } = require('./native')
const { NativeServer, starter } = require('./served')

const KEYS = new Set(['db', 'host', 'port', 'token', 'viewerToken', 'componentAppid'])

function checkLogins(o, where) {
  for (const k of ['token', 'viewerToken', 'componentAppid']) {
    if (o[k] != null && (typeof o[k] !== 'string' || o[k] === '')) throw new TypeError(`${where}.${k}: must be a non-empty string`)
  }
  for (const k of ['token', 'viewerToken']) {
    if (o[k] != null && o[k].length < 8) throw new TypeError(`${where}.${k}: must be at least 8 characters`)
  }
  if (o.token == null && o.viewerToken == null) throw new TypeError(`${where}.token: the console needs a login (token for an operator, viewerToken for a viewer)`)
  return { token: o.token, viewerToken: o.viewerToken, componentAppid: o.componentAppid }
}

function checkOptions(o) {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new TypeError('options: must be an object with at least { db, token }')
  for (const k of Object.keys(o)) if (!KEYS.has(k)) throw new TypeError(`options.${k}: unknown option (expected one of ${[...KEYS].join(', ')})`)
  if (typeof o.db !== 'string' || o.db === '') throw new TypeError('options.db: must be a database URL (mysql://, postgres://, sqlite://)')
  if (o.host != null && (typeof o.host !== 'string' || o.host === '')) throw new TypeError('options.host: must be a non-empty string')
  if (o.port != null && !(Number.isInteger(o.port) && o.port >= 0 && o.port <= 65535)) throw new TypeError('options.port: must be an integer from 0 to 65535')
  return { db: o.db, host: o.host, port: o.port, ...checkLogins(o, 'options') }
}

class Console extends NativeServer {}

/** startConsole({ db, token?, viewerToken?, host?, port?, componentAppid? }[, callback]) */
const startConsole = starter((o) => binding.startConsole(o), checkOptions, Console)

module.exports = { startConsole, Console, checkLogins }

'use strict'
// startTokenService(): the token service (wetoken's routes) in Rust, src/service.
// Returns a Promise of a TokenService, or calls back when given a callback.

const { binding } = require('./native')
const { NativeServer, starter } = require('./served')
const { connectionLimits } = require('./http')

const KEYS = new Set(['db', 'host', 'port', 'authToken', 'adminToken', 'legacyCreateGet', 'apiBase', 'allowOpen', 'rateLimit', 'trustedProxies', 'connectionLimits', 'console'])

function checkOptions(o) {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new TypeError('options: must be an object with at least { db }')
  for (const k of Object.keys(o)) if (!KEYS.has(k)) throw new TypeError(`options.${k}: unknown option (expected one of ${[...KEYS].join(', ')})`)
  if (typeof o.db !== 'string' || o.db === '') throw new TypeError('options.db: must be a database URL (mysql://, postgres://, sqlite://)')
  for (const k of ['host', 'authToken', 'adminToken', 'apiBase']) {
    if (o[k] != null && (typeof o[k] !== 'string' || o[k] === '')) throw new TypeError(`options.${k}: must be a non-empty string`)
  }
  if (o.port != null && !(Number.isInteger(o.port) && o.port >= 0 && o.port <= 65535)) throw new TypeError('options.port: must be an integer from 0 to 65535')
  if (o.rateLimit != null && !(Number.isInteger(o.rateLimit) && o.rateLimit >= 0)) throw new TypeError('options.rateLimit: must be a non-negative integer (requests per second per client; 0 = no limit)')
  if (o.trustedProxies != null && !(Array.isArray(o.trustedProxies) && o.trustedProxies.every((p) => typeof p === 'string'))) throw new TypeError('options.trustedProxies: must be an array of IP address strings')
  for (const k of ['allowOpen', 'legacyCreateGet']) {
    if (o[k] != null && typeof o[k] !== 'boolean') throw new TypeError(`options.${k}: must be a boolean`)
  }
  if (o.console != null && (typeof o.console !== 'object' || Array.isArray(o.console))) throw new TypeError('options.console: must be an object { token, viewerToken?, componentAppid? }')
  const consoleLogins = o.console == null ? undefined : require('./console').checkLogins(o.console, 'options.console')
  return { db: o.db, host: o.host, port: o.port, authToken: o.authToken, adminToken: o.adminToken, legacyCreateGet: o.legacyCreateGet, apiBase: o.apiBase, allowOpen: o.allowOpen, rateLimit: o.rateLimit, trustedProxies: o.trustedProxies, connectionLimits: connectionLimits(o.connectionLimits, 'options.connectionLimits'), console: consoleLogins }
}

class TokenService extends NativeServer {}

/** startTokenService({ db, host?, port?, authToken?, adminToken?, legacyCreateGet?, apiBase?, allowOpen?, rateLimit?, trustedProxies?, connectionLimits?, console? }[, callback]) */
const startTokenService = starter((o) => binding.startTokenService(o), checkOptions, TokenService)

module.exports = { startTokenService, TokenService }

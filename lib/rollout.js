'use strict'
// ThirdpartyServer's rollouts: the options checked and resolved per app
// (extJson, audit), the stored rollout started natively, and a handle that
// reads it back from the store (any process of the fleet sees the same).
const { EventEmitter } = require('events')
const { settle } = require('./native')

const CODE_MANAGEMENT = 18
const END_STATES = ['done', 'cancelled']

function camel(key) {
  return key.replace(/_([a-z])/g, (_, c) => c.toUpperCase())
}

/** submit_audit's options: camelCase (snake_case keys accepted); the native table sends snake_case. */
function auditOptions(v, appid) {
  if (v === undefined || v === null) return null
  if (typeof v !== 'object' || Array.isArray(v)) throw new TypeError(`audit: for ${appid}, must be an object of submit_audit's fields`)
  const out = {}
  for (const [k, val] of Object.entries(v)) out[camel(k)] = val
  return out
}

/** ext_json text for one app, `$APPID$` replaced. */
function extJsonFor(ext, appid) {
  let v = typeof ext === 'function' ? ext(appid) : ext
  if (v === undefined || v === null) v = { extAppid: '$APPID$' }
  let text
  if (typeof v === 'string') text = v
  else if (typeof v === 'object' && !Array.isArray(v)) text = JSON.stringify(v)
  else throw new TypeError(`extJson: for ${appid}, must be an object, its JSON text, or a function (appid) => either`)
  text = text.split('$APPID$').join(appid)
  let parsed
  try { parsed = JSON.parse(text) } catch (e) { throw new TypeError(`extJson: for ${appid}, is not JSON text (${e.message})`) }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new TypeError(`extJson: for ${appid}, must be a JSON object`)
  return text
}

function releaseSpec(release) {
  if (release === undefined || release === 'auto') return { release: 'auto' }
  if (release === 'manual') return { release: 'manual' }
  if (release && typeof release === 'object' && Array.isArray(release.gray)) {
    const gray = release.gray
    if (!gray.length || gray.some((p, i) => !Number.isInteger(p) || p < 1 || p > 100 || (i > 0 && p <= gray[i - 1]))) {
      throw new TypeError('release.gray: must be ascending integer percentages from 1 to 100')
    }
    const stepMs = release.stepMs === undefined ? 60 * 60 * 1000 : release.stepMs
    if (!Number.isFinite(stepMs) || stepMs < 0) throw new TypeError('release.stepMs: must be a number of ms, 0 or more')
    return { release: 'gray', gray, stepMs: Math.floor(stepMs) }
  }
  throw new TypeError("release: must be 'auto', 'manual' or { gray: [10, 50, 100], stepMs }")
}

function number(v, name, dflt, check, what) {
  if (v === undefined) return dflt
  if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) throw new TypeError(`${name}: must be ${what}`)
  return v
}

function spec(opts) {
  if (!opts || typeof opts !== 'object') throw new TypeError('options: must be an object ({ templateId, userVersion, appids, … })')
  if (!Number.isInteger(opts.templateId) || opts.templateId <= 0) throw new TypeError('templateId: must be a positive integer')
  if (typeof opts.userVersion !== 'string' || !opts.userVersion) throw new TypeError('userVersion: must be a non-empty string')
  if (opts.userDesc !== undefined && typeof opts.userDesc !== 'string') throw new TypeError('userDesc: must be a string')
  if (opts.audit !== undefined && opts.audit !== null && typeof opts.audit !== 'object' && typeof opts.audit !== 'function') {
    throw new TypeError('audit: must be an object or a function (appid) => object')
  }
  return {
    templateId: opts.templateId,
    userVersion: opts.userVersion,
    userDesc: opts.userDesc || '',
    ...releaseSpec(opts.release),
    concurrency: number(opts.concurrency, 'concurrency', 20, (n) => Number.isInteger(n) && n >= 1 && n <= 1000, 'an integer from 1 to 1000'),
    maxFailureRate: number(opts.maxFailureRate, 'maxFailureRate', 0.2, (n) => n >= 0 && n <= 1, 'a number from 0 to 1'),
    auditPollMs: Math.floor(number(opts.auditPollMs, 'auditPollMs', 10 * 60 * 1000, (n) => n >= 100, 'a number of ms, at least 100')),
  }
}

function checkAppids(appids) {
  if (!Array.isArray(appids) || !appids.length || appids.some((a) => typeof a !== 'string' || !a)) {
    throw new TypeError('appids: must be a non-empty array of appids')
  }
  if (new Set(appids).size !== appids.length) throw new TypeError('appids: an appid is listed twice')
  return appids
}

/** The platform's mini programs that granted code management (or those `filter` selects). */
async function appidsOf(platform, opts) {
  const filter = opts.filter || { appType: 'mini_program', funcScopes: [CODE_MANAGEMENT] }
  const found = await platform.findAuthorizers(filter)
  return found.map((a) => a.appid)
}

/** What a ThirdpartyServer lends its rollouts (these methods are its own, mixed in). */
const lent = (server) => ({ core: () => server._core(), closed: () => server._closed })

/** A rollout as any process sees it: read from the store, steered through it. */
class Rollout extends EventEmitter {
  /** `platform`: what ThirdpartyServer lends it, `{ core() → Promise of the native platform, closed() }`. */
  constructor(platform, id, options) {
    super()
    this.id = id
    this._platform = platform
    this._pollMs = (options && options.progressMs) || 500
    this._seen = new Map()
    this._timer = null
    this._ended = null
    this.on('newListener', (name) => {
      if (name === 'progress' || name === 'done') this._watch()
    })
  }

  _native() {
    return this._platform.core()
  }

  /** `{ id, state, reason, counts, apps: [{ appid, state, auditid, reason, screenshots, error, updatedAt }] }` */
  status(callback) {
    return settle(this._native().then((n) => n.rolloutStatus(this.id)), callback)
  }

  _control(action, appids, callback) {
    if (typeof appids === 'function') [appids, callback] = [undefined, appids]
    if (appids !== undefined && appids !== null && (!Array.isArray(appids) || appids.some((a) => typeof a !== 'string'))) {
      throw new TypeError('appids: must be an array of appids')
    }
    const p = this._native().then((n) => n.rolloutControl(this.id, action, appids || undefined))
    // Running again: a later done() waits for the new end.
    if (action === 'resume' || action === 'retry') {
      p.then(() => {
        this._ended = null
        if (this._watching()) this._watch()
      }, () => {})
    }
    return settle(p, callback)
  }

  pause(callback) { return this._control('pause', undefined, callback) }
  resume(callback) { return this._control('resume', undefined, callback) }
  cancel(callback) { return this._control('cancel', undefined, callback) }
  /** Rejected (or failed) apps start again from the commit, after a fix. */
  retry(appids, callback) { return this._control('retry', appids, callback) }
  /** Released apps back to their previous version; a gray release reverted. */
  rollback(appids, callback) { return this._control('rollback', appids, callback) }

  /** Resolves the summary (the final status) when the rollout is done or cancelled. */
  done(callback) {
    if (!this._ended) {
      this._ended = new Promise((resolve, reject) => {
        this._resolveEnd = resolve
        this._rejectEnd = reject
      })
      this._watch()
    }
    return settle(this._ended, callback)
  }

  /** Stops watching (progress events, done()) from this process; the rollout goes on. */
  close() {
    clearTimeout(this._timer)
    this._timer = null
    this._closed = true
  }

  _watching() {
    return this.listenerCount('progress') > 0 || this.listenerCount('done') > 0 || !!this._ended
  }

  _watch() {
    if (this._timer || this._closed) return
    this._timer = setTimeout(() => this._poll(), 0)
  }

  async _poll() {
    let s
    try {
      s = await (await this._native()).rolloutStatus(this.id)
    } catch (e) {
      this._timer = null
      if (this._platform.closed() || this._closed) return
      if (this._rejectEnd && e && e.name === 'NotFoundError') return this._rejectEnd(e)
      this._timer = setTimeout(() => this._poll(), this._pollMs)
      return
    }
    for (const app of s.apps) {
      const key = `${app.state}:${app.updatedAt}`
      if (this._seen.get(app.appid) !== key) {
        this._seen.set(app.appid, key)
        try { this.emit('progress', app) } catch (e) { setImmediate(() => { throw e }) }
      }
    }
    if (END_STATES.includes(s.state)) {
      this._timer = null
      if (this._resolveEnd) this._resolveEnd(s)
      try { this.emit('done', s) } catch (e) { setImmediate(() => { throw e }) }
      return
    }
    if (this._platform.closed() || this._closed) { this._timer = null; return }
    this._timer = setTimeout(() => this._poll(), this._pollMs)
  }
}

const methods = {
  /**
   * Commits `templateId` to each mini program with its ext_json, submits it
   * for audit, and releases what passes; stored, resumable, one driver fleet-wide.
   */
  rollout(opts, callback) {
    const s = spec(opts)
    const build = (appids) => appids.map((appid) => ({
      appid,
      extJson: extJsonFor(opts.extJson, appid),
      audit: auditOptions(typeof opts.audit === 'function' ? opts.audit(appid) : opts.audit, appid),
    }))
    // Given appids: every bad argument throws now, before anything is stored.
    const given = opts.appids !== undefined ? build(checkAppids(opts.appids)) : null
    const p = (async () => {
      const apps = given || build(await appidsOf(this, opts))
      const native = await this._core()
      const id = await native.rolloutStart(s, apps)
      return new Rollout(lent(this), id, opts)
    })()
    return settle(p, callback)
  },

  /** A stored rollout by id (started by any process of the fleet). */
  getRollout(id, callback) {
    if (typeof id !== 'string' || !id) throw new TypeError('id: must be a rollout id')
    const p = this._core().then((n) => n.rolloutStatus(id)).then(() => new Rollout(lent(this), id))
    return settle(p, callback)
  },

  /** The platform's rollouts, newest first: `[{ id, state, reason, templateId, userVersion, createdAt, … }]`. */
  rollouts(callback) {
    return settle(this._core().then((n) => n.rolloutList()), callback)
  },
}

module.exports = function install(ThirdpartyServer) {
  Object.assign(ThirdpartyServer.prototype, methods)
}
module.exports.Rollout = Rollout
// For the CLI (lib/cli/rollout.js): the same checks and per-app resolution.
module.exports.spec = spec
module.exports.extJsonFor = extJsonFor
module.exports.auditOptions = auditOptions
module.exports.checkAppids = checkAppids

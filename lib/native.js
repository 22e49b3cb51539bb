'use strict'
// Loads the native addon and hands it the error classes it throws.
const path = require('path')
const fs = require('fs')
const errors = require('./errors')

// napi-rs layout: the addon comes from the platform package npm picked from
// optionalDependencies (wxthirdparty-<platform>), else from a local build in
// native/ (a clone's `npm install`, or `npm explore wxthirdparty -- npm run build`).
function isMusl() {
  if (process.platform !== 'linux') return false
  const report = process.report && process.report.getReport()
  if (report && report.header && report.header.glibcVersionRuntime) return false
  try { return fs.readFileSync('/usr/bin/ldd', 'utf8').includes('musl') } catch (_) { return true }
}

/** The platform suffix of napi-rs's package names, e.g. `linux-x64-gnu`. */
function platformName(platform = process.platform, arch = process.arch, musl = isMusl()) {
  if (platform === 'linux') return `linux-${arch}-${musl ? 'musl' : 'gnu'}`
  if (platform === 'win32') return `win32-${arch}-msvc`
  return `${platform}-${arch}`
}

function loadBinding() {
  const name = platformName()
  const explicit = process.env.WXTHIRDPARTY_NATIVE_PATH
  if (explicit) {
    try {
      return require(path.resolve(explicit))
    } catch (e) {
      e.message = `wxthirdparty: could not load WXTHIRDPARTY_NATIVE_PATH=${explicit}: ${e.message}`
      throw e
    }
  }
  const tried = []
  for (const c of [`wxthirdparty-${name}`, path.join(__dirname, '..', 'native', 'wxthirdparty.node')]) {
    try {
      return require(c)
    } catch (e) {
      if (e.code !== 'MODULE_NOT_FOUND' || !e.message.includes(c)) {
        e.message = `wxthirdparty: could not load ${c}: ${e.message}`
        throw e
      }
      tried.push(c)
    }
  }
  const err = new Error(`wxthirdparty: no native addon for this platform (${name}, Node ${process.version}). ` +
    `Tried: ${tried.join(', ')}. Install the prebuilt package (\`npm install wxthirdparty-${name}\`; ` +
    'npm installs it on its own unless optional dependencies are omitted, e.g. --omit=optional or a lockfile made on another platform), ' +
    'or build it from source with a Rust toolchain (`npm explore wxthirdparty -- npm run build`, ' +
    'or point WXTHIRDPARTY_NATIVE_PATH at a built .node file).')
  err.code = 'ERR_WXTHIRDPARTY_NO_ADDON'
  throw err
}

const binding = loadBinding()
// Native errors are built as these classes on the JS thread (src/node/errors.rs).
binding.registerErrorClasses({ ...errors, TypeError })

/**
 * Runs `promise` and either returns it (no callback) or reports to a
 * node-style callback.
 */
function settle(promise, callback, shape) {
  const p = Promise.resolve(promise)
  if (typeof callback !== 'function') return p
  p.then(
    (value) => { shape ? shape(callback, value) : callback(null, value) },
    (err) => callback(err),
  )
  return undefined
}

/** Splits a trailing callback off an arguments list. */
function splitCallback(args) {
  const list = Array.from(args)
  const cb = typeof list[list.length - 1] === 'function' ? list.pop() : undefined
  return [list, cb]
}

module.exports = { binding, platformName, settle, splitCallback }

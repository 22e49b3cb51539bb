'use strict'
// Loads the native addon and turns its errors into proper JS errors.
const path = require('path')
const { errorOf } = require('./errors')

let binding
try {
  binding = require(path.join(__dirname, '..', 'native', 'wxthirdparty.node'))
} catch (e) {
  e.message = `wxthirdparty: the native addon is not built (run \`npm install\` or \`npm run build\`): ${e.message}`
  throw e
}

const ERROR_RE = /^(\w+)\|(-?\d*)\|([\s\S]*)$/

/** Native errors cross as `Kind|code|message`; rebuild the JS error. */
function convertError(err) {
  if (!err || typeof err.message !== 'string') return err
  const m = ERROR_RE.exec(err.message)
  if (!m) return err
  const [, kind, code, message] = m
  return errorOf(kind, message, code === '' ? undefined : Number(code))
}

/** Calls a native function, rethrowing its error converted. */
function call(fn, self, args) {
  try {
    return fn.apply(self, args)
  } catch (e) {
    throw convertError(e)
  }
}

/**
 * Runs `promise` and either returns it (no callback) or reports to a
 * node-style callback. Errors are converted either way.
 */
function settle(promise, callback, shape) {
  const p = Promise.resolve(promise).catch((e) => { throw convertError(e) })
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

module.exports = { binding, convertError, call, settle, splitCallback }

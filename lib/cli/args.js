'use strict'
// Flag parsing shared by the CLI commands: node's parseArgs, with errors
// that name the flag and end with the command's usage.
const { parseArgs } = require('util')

/** `options` as for util.parseArgs; adds --help. Returns null when help was printed. */
function parse(argv, options, usage) {
  let values
  try {
    ({ values } = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }))
  } catch (e) {
    throw new TypeError(`${e.message.replace(/\. To specify.*$/s, '')}\n${usage}`)
  }
  if (values.help) {
    console.log(usage)
    return null
  }
  return values
}

function required(values, name, usage) {
  if (typeof values[name] !== 'string' || values[name] === '') throw new TypeError(`--${name} is required\n${usage}`)
  return values[name]
}

function port(value, usage) {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new TypeError(`--port: expected an integer from 0 to 65535, got ${value}\n${usage}`)
  return n
}

module.exports = { parse, required, port }

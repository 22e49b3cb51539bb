'use strict'
// index.d.ts's API method section is what scripts/api-types.js makes from the
// endpoint tables: every method typed, no drift.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const path = require('path')
const { generate } = require('../scripts/api-types')
const { binding } = require('../lib/native')

test('index.d.ts matches the endpoint tables (run node scripts/api-types.js after changing them)', () => {
  const { current, next } = generate()
  assert.ok(current === next, 'index.d.ts is out of date: node scripts/api-types.js')
})

test('every native method has a promise and a callback signature; retired ones are marked deprecated', () => {
  const dts = fs.readFileSync(path.join(__dirname, '..', 'index.d.ts'), 'utf8')
  for (const m of binding.apiMethodTable()) {
    assert.match(dts, new RegExp(`\\n  ${m.name}\\([^\\n]*\\): Promise<`), m.name)
    assert.match(dts, new RegExp(`\\n  ${m.name}\\([^\\n]*callback: ApiCallback<[^\\n]*\\): void`), m.name)
    if (m.retired) assert.match(dts, new RegExp(`@deprecated[^\\n]*\`${m.path.replace(/[/.]/g, '\\$&')}\``), m.name)
  }
})

test("every platform mini-program method is typed on ThirdpartyServer, with a callback form", () => {
  const dts = fs.readFileSync(path.join(__dirname, '..', 'index.d.ts'), 'utf8')
  const block = dts.slice(dts.indexOf('export interface WxaPlatformMethods {'), dts.indexOf('// </wxa-platform-methods>'))
  const { ThirdpartyServer } = require('..')
  for (const m of binding.wxaPlatformTable()) {
    assert.equal(typeof ThirdpartyServer.prototype[m.name], 'function', m.name)
    assert.match(block, new RegExp(`\\n  ${m.name}\\([^\\n]*\\): Promise<`), m.name)
    assert.match(block, new RegExp(`\\n  ${m.name}\\([^\\n]*callback: Callback<[^\\n]*\\): void`), m.name)
  }
  assert.match(dts, /export interface ThirdpartyServer extends WxaPlatformMethods \{\}/)
})

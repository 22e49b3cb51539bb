'use strict'
// The addon, the crate and the package name one release: a prebuilt binary
// from another release would otherwise load and fail in odd places.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const path = require('path')
const { execFileSync } = require('child_process')
const { binding } = require('../lib/native')
const pkg = require('../package.json')

test('nativeVersion() is the package version', () => {
  assert.equal(binding.nativeVersion(), pkg.version)
})

test('`npm version`\'s hook moves the crate to the package version', () => {
  const tmp = fs.mkdtempSync(path.join(require('os').tmpdir(), 'wxtp-version-'))
  try {
    fs.mkdirSync(path.join(tmp, 'scripts'))
    fs.copyFileSync(path.join(__dirname, '..', 'scripts', 'sync-version.js'), path.join(tmp, 'scripts', 'sync-version.js'))
    fs.writeFileSync(path.join(tmp, 'package.json'), JSON.stringify({ ...pkg, version: '9.8.7' }))
    for (const f of ['Cargo.toml', 'Cargo.lock']) fs.copyFileSync(path.join(__dirname, '..', f), path.join(tmp, f))
    execFileSync(process.execPath, [path.join(tmp, 'scripts', 'sync-version.js')])
    assert.match(fs.readFileSync(path.join(tmp, 'Cargo.toml'), 'utf8'), /^\[package\]\nname = "wxthirdparty"\nversion = "9\.8\.7"/m)
    assert.match(fs.readFileSync(path.join(tmp, 'Cargo.lock'), 'utf8'), /^name = "wxthirdparty"\nversion = "9\.8\.7"/m)
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true })
  }
})

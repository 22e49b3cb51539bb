#!/usr/bin/env node
// `npm version` hook: the crate's version follows package.json, so the
// addon's nativeVersion() names the release it was built for.
'use strict'
const fs = require('fs')
const path = require('path')

const root = path.join(__dirname, '..')
const { version } = require('../package.json')
const edit = (file, re) => {
  const p = path.join(root, file)
  const text = fs.readFileSync(p, 'utf8')
  if (!re.test(text)) throw new Error(`${file}: no wxthirdparty version line`)
  fs.writeFileSync(p, text.replace(re, `$1${version}$2`))
}
edit('Cargo.toml', /^(\[package\]\nname = "wxthirdparty"\nversion = ")[^"]+(")/m)
edit('Cargo.lock', /^(name = "wxthirdparty"\nversion = ")[^"]+(")/m)

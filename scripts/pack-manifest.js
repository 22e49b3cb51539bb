#!/usr/bin/env node
// `npm pack` / `npm publish` hooks. The repository's own `npm install` builds
// the addon through `prepare`, but npm 11 warns a user about any install-time
// script of a dependency; the published manifest carries none of them. It
// names the platform packages (npm/*) as optionalDependencies, as
// `napi prepublish` does: not in the repository's manifest, since they are not
// on the registry until released and `npm ci` would fail to resolve them.
// prepack writes that manifest, postpack puts the repository's back.
'use strict'
const fs = require('fs')
const path = require('path')

const file = path.join(__dirname, '..', 'package.json')
const saved = `${file}.orig`

if (process.argv[2] === 'strip') {
  fs.copyFileSync(file, saved)
  const pkg = JSON.parse(fs.readFileSync(file, 'utf8'))
  for (const s of ['preinstall', 'install', 'postinstall', 'prepare', 'prepack', 'postpack']) delete pkg.scripts[s]
  const npmDir = path.join(__dirname, '..', 'npm')
  pkg.optionalDependencies = {}
  for (const dir of fs.readdirSync(npmDir).sort()) {
    pkg.optionalDependencies[require(path.join(npmDir, dir, 'package.json')).name] = pkg.version
  }
  fs.writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`)
} else if (fs.existsSync(saved)) {
  fs.renameSync(saved, file)
}

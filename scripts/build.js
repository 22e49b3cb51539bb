#!/usr/bin/env node
// Builds the native addon from source (release). Uses @napi-rs/cli when it is
// installed (a fresh clone), plain cargo otherwise (installed as a dependency).
// Extra arguments go to `napi build` (the release workflow's --target/--platform).
'use strict'
const { spawnSync } = require('child_process')
const crypto = require('crypto')
const fs = require('fs')
const path = require('path')

const root = path.join(__dirname, '..')
const prepare = process.env.npm_lifecycle_event === 'prepare'
// `npm pack` / `npm publish` run `prepare` too; the .node file is not packed
// (it ships in the platform packages), so there is nothing to build for them.
if (prepare && ['pack', 'publish'].includes(process.env.npm_command)) process.exit(0)
const out = path.join(root, 'native')
fs.mkdirSync(out, { recursive: true })

// What the addon is built from; `prepare` skips a build whose stamp matches.
// npm runs `prepare` again whenever it installs this folder, notably on
// `npx wxthirdparty demo` in a clone (npm exec installs the project itself).
function sourceStamp() {
  const hash = crypto.createHash('sha256').update(JSON.stringify(process.argv.slice(2)))
  const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]))
  for (const f of [...walk(path.join(root, 'src')), ...['build.rs', 'Cargo.toml', 'Cargo.lock'].map((f) => path.join(root, f))]) {
    if (fs.existsSync(f)) hash.update(path.relative(root, f)).update('\0').update(fs.readFileSync(f)).update('\0')
  }
  return hash.digest('hex')
}
const stampFile = path.join(out, '.build-stamp')
const stamp = sourceStamp()
const current = fs.existsSync(path.join(out, 'wxthirdparty.node')) && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp
if (prepare && current) {
  console.log('wxthirdparty: native/wxthirdparty.node is built from these sources; not rebuilding (npm run build forces it)')
  linkBin()
  process.exit(0)
}
fs.rmSync(stampFile, { force: true })

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' })
  if (r.error) throw r.error
  if (r.status !== 0) process.exit(r.status || 1)
}

const napiCli = path.join(root, 'node_modules', '@napi-rs', 'cli', 'package.json')
if (fs.existsSync(napiCli)) {
  run(process.execPath, [path.join(root, 'node_modules', '@napi-rs', 'cli', 'dist', 'cli.js'),
    'build', '--release', '--output-dir', 'native', '--dts', 'binding.d.ts', ...process.argv.slice(2)])
} else {
  // The published package leaves benches out; cargo refuses a manifest that
  // names missing bench targets, so drop those sections before building.
  const manifest = path.join(root, 'Cargo.toml')
  if (!fs.existsSync(path.join(root, 'benches'))) {
    fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8').replace(/^\[\[bench\]\][^[]*/gm, ''))
  }
  run('cargo', ['build', '--release', '--lib'])
  const target = process.env.CARGO_TARGET_DIR || path.join(root, 'target')
  const lib = { win32: 'wxthirdparty.dll', darwin: 'libwxthirdparty.dylib' }[process.platform] || 'libwxthirdparty.so'
  // Copied beside, then renamed over: a process running the old addon keeps
  // its file (overwriting it in place changes the code under its feet).
  const dest = path.join(out, 'wxthirdparty.node')
  fs.copyFileSync(path.join(target, 'release', lib), `${dest}.tmp`)
  fs.renameSync(`${dest}.tmp`, dest)
}

if (process.argv.length === 2) fs.writeFileSync(stampFile, stamp) // a plain host build is what prepare compares with
linkBin()

// In a clone (not installed as a dependency, where npm links bins itself),
// link our own bin so `npx wxthirdparty demo` works from the project folder.
function linkBin() {
  if (root.split(path.sep).includes('node_modules')) return
  const binDir = path.join(root, 'node_modules', '.bin')
  const link = path.join(binDir, 'wxthirdparty')
  try {
    fs.mkdirSync(binDir, { recursive: true })
    fs.rmSync(link, { force: true })
    fs.symlinkSync(path.join('..', '..', 'bin', 'wxthirdparty.js'), link)
  } catch (e) {
    console.warn(`wxthirdparty: could not link node_modules/.bin/wxthirdparty: ${e.message}`)
  }
}

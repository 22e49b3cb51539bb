#!/usr/bin/env node
// By hand: the crates of Cargo.lock against a checkout of RustSec's
// advisory-db (what `cargo audit --db DIR --no-fetch` reads; this machine
// cannot fetch it, nor build cargo-audit in CI's time). Lists every advisory
// whose patched / unaffected ranges miss the locked version; exits 1 when one
// is not in ACCEPTED below.
//   node scripts/advisories.js /path/to/advisory-db [Cargo.lock]
'use strict'
const fs = require('fs')
const path = require('path')
const semver = require('semver')

// Each with why it does not reach this package (README, "Security").
const ACCEPTED = {
  // sqlx-mysql encrypts the password to the server's public key (caching_sha2 /
  // sha256_password without TLS); the attack needs our own RSA decryptions.
  'RUSTSEC-2023-0071': 'rsa: Marvin attack on private-key decryption; we never decrypt',
  // src/message/parse.rs reads neither attributes() nor NsReader (WeChat's XML has no attributes).
  'RUSTSEC-2026-0194': 'quick-xml: attribute duplicate check; we never iterate attributes',
  'RUSTSEC-2026-0195': 'quick-xml: NsReader namespace declarations; we use the plain Reader',
}

const [db, lockPath = path.join(__dirname, '..', 'Cargo.lock')] = process.argv.slice(2)
if (!db || !fs.existsSync(path.join(db, 'crates'))) {
  console.error('usage: node scripts/advisories.js <advisory-db checkout> [Cargo.lock]')
  process.exit(2)
}
const lock = fs.readFileSync(lockPath, 'utf8')
const locked = [...lock.matchAll(/\[\[package\]\]\nname = "([^"]+)"\nversion = "([^"]+)"/g)].map((m) => [m[1], m[2]])
const list = (toml, key) => {
  const m = new RegExp(`^${key}\\s*=\\s*\\[([\\s\\S]*?)\\]`, 'm').exec(toml)
  return m ? [...m[1].matchAll(/"([^"]+)"/g)].map((x) => x[1].replace(/,/g, ' ')) : []
}
let open = 0
for (const [name, version] of locked) {
  const dir = path.join(db, 'crates', name)
  if (!fs.existsSync(dir)) continue
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.md'))) {
    const [, toml = '', body = ''] = fs.readFileSync(path.join(dir, file), 'utf8').split('```')
    if (/^withdrawn\s*=/m.test(toml)) continue
    const safe = [...list(toml, 'patched'), ...list(toml, 'unaffected')]
    if (safe.some((r) => semver.satisfies(version, r, { includePrerelease: true }))) continue
    const id = file.replace(/\.md$/, '')
    const title = (/^# (.*)$/m.exec(body) || [, ''])[1]
    const why = ACCEPTED[id]
    if (!why) open++
    console.log(`${why ? 'accepted' : 'OPEN    '} ${id} ${name} ${version}: ${title}${why ? ` (${why})` : ''}`)
  }
}
console.log(`${locked.length} crates checked; ${open} open advisories`)
process.exit(open ? 1 : 0)

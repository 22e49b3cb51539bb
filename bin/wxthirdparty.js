#!/usr/bin/env node
'use strict'
// `wxthirdparty <command>`: each command lives in lib/cli/<command>.js.
const path = require('path')
const fs = require('fs')

const COMMANDS = {
  install: 'create or upgrade all tables (--db URL); --build rebuilds the addon',
  serve: 'run the token service (wetoken routes) on a database (--db URL)',
  app: 'app add --db URL --appid ID --secret S: register an account with the token service',
  demo: 'run the whole flow on SQLite and the bundled sandbox',
  sandbox: 'run a local WeChat (sandbox) until interrupted [--port N]',
  rollout: 'rollout start|status|pause|resume|cancel|retry|list --db URL: mini-program rollouts',
  console: 'run the operator console over a database (--db URL --token T) [--port N] [--host H]',
}

const [cmd, ...rest] = process.argv.slice(2)
const file = cmd && path.join(__dirname, '..', 'lib', 'cli', `${cmd}.js`)
if (!cmd || !COMMANDS[cmd] || !fs.existsSync(file)) {
  console.log('usage: wxthirdparty <command> [options]\n')
  for (const [name, what] of Object.entries(COMMANDS)) console.log(`  ${name.padEnd(8)} ${what}`)
  process.exit(cmd && cmd !== 'help' && cmd !== '--help' ? 2 : 0)
}
Promise.resolve(require(file)(rest)).catch((e) => {
  console.error(`wxthirdparty ${cmd}: ${e && e.message ? e.message : e}`)
  process.exit(1)
})

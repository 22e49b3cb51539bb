'use strict'
// `wxthirdparty app add --db URL --appid ID --secret S`: registers an account
// whose tokens the token service keeps (the secret stays in the database).
const { parse, required } = require('./args')

const USAGE = `usage: wxthirdparty app add --db URL --appid APPID --secret SECRET [--platform]

Registers (or re-keys) an official account / mini program with the token
service's database. With --platform, APPID is a third-party platform's
component appid: the service then serves its component_access_token and every
authorizer's token (the ticket arrives through the platform's own pushes). The secret may also come from WXTP_APP_SECRET (kept out of
shell history and process lists).`

module.exports = async function app(argv) {
  const [sub, ...rest] = argv
  if (sub === '--help' || sub === '-h' || sub === undefined) {
    console.log(USAGE)
    if (sub === undefined) process.exitCode = 2
    return
  }
  if (sub !== 'add') throw new TypeError(`unknown subcommand app ${sub}\n${USAGE}`)
  const v = parse(rest, { db: { type: 'string' }, appid: { type: 'string' }, secret: { type: 'string' }, platform: { type: 'boolean' } }, USAGE)
  if (!v) return
  if (!v.secret && process.env.WXTP_APP_SECRET) v.secret = process.env.WXTP_APP_SECRET
  const db = required(v, 'db', USAGE)
  const appid = required(v, 'appid', USAGE)
  const secret = required(v, 'secret', USAGE)
  const { binding } = require('../native')
  const add = v.platform ? binding.addServicePlatform : binding.addServiceApp
  await add(db, appid, secret)
  console.log(v.platform
    ? `registered platform ${appid}: the token service on this database now serves its component_access_token and its authorizers' tokens`
    : `registered ${appid}: the token service on this database now keeps its access token and jsapi ticket`)
}

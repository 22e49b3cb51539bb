'use strict'
// Throwaway databases on the test MariaDB / PostgreSQL servers.
const crypto = require('crypto')
const { execFileSync } = require('child_process')

const MYSQL = process.env.WXTP_TEST_MYSQL || 'mysql://root@127.0.0.1:3306/test'
const POSTGRES = process.env.WXTP_TEST_POSTGRES || 'postgres://postgres@127.0.0.1:5432/test'

/** A fresh database on the server behind `base`; returns its URL and a drop(). */
function freshDatabase(kind, base) {
  const name = `wxtp_js_${crypto.randomBytes(5).toString('hex')}`
  const u = new URL(base)
  if (kind === 'mysql') {
    const args = ['-h', u.hostname, '-P', u.port || '3306', '-u', decodeURIComponent(u.username || 'root')]
    if (u.password) args.push(`-p${decodeURIComponent(u.password)}`)
    execFileSync('mariadb', [...args, '-e', `CREATE DATABASE ${name} CHARACTER SET utf8mb4`])
    u.pathname = `/${name}`
    return { url: u.toString(), drop: () => execFileSync('mariadb', [...args, '-e', `DROP DATABASE IF EXISTS ${name}`]) }
  }
  const admin = new URL(base)
  admin.pathname = '/postgres'
  execFileSync('psql', [admin.toString(), '-qc', `CREATE DATABASE ${name}`])
  u.pathname = `/${name}`
  return {
    url: u.toString(),
    drop: () => execFileSync('psql', [admin.toString(), '-qc', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]),
  }
}

module.exports = { MYSQL, POSTGRES, freshDatabase }

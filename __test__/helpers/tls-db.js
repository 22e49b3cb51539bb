'use strict'
// Private MariaDB / PostgreSQL servers that require TLS, in a temp dir on a
// free port, with a throwaway CA and a server certificate for 127.0.0.1 and
// localhost. The machine's own servers are left as they are.
const fs = require('fs')
const os = require('os')
const net = require('net')
const path = require('path')
const { spawn, execFileSync } = require('child_process')

const PG_BIN = fs.existsSync('/usr/lib/postgresql/15/bin/postgres') ? '/usr/lib/postgresql/15/bin' : path.dirname(execFileSync('which', ['postgres'], { encoding: 'utf8' }).trim())
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
    s.on('error', reject)
  })
}

function accepts(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1')
    s.once('connect', () => { s.destroy(); resolve(true) })
    s.once('error', () => resolve(false))
  })
}

/** ca.pem, server.pem, server.key in `dir` (CN and SAN: localhost, 127.0.0.1). */
function makeCerts(dir) {
  const o = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
  o('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=wxtp test CA', '-keyout', 'ca.key', '-out', 'ca.pem',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign')
  o('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr')
  fs.writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n')
  o('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', 'server.pem', '-extfile', 'ext.cnf')
}

/**
 * Starts a server of `kind` ('mysql' | 'postgres') that refuses plaintext.
 * Resolves `{ port, ca, url(params), stop() }`; `url` names database `tls`.
 */
async function startTlsServer(kind) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `wxtp-tls-${kind}-`))
  fs.chmodSync(dir, 0o755)
  makeCerts(dir)
  const port = await freePort()
  const log = path.join(dir, 'server.log')
  const out = fs.openSync(log, 'a')
  let proc
  if (kind === 'mysql') {
    execFileSync('mariadb-install-db', ['--no-defaults', `--datadir=${dir}/data`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db'],
      { stdio: ['ignore', out, out] })
    proc = spawn('mariadbd', ['--no-defaults', `--datadir=${dir}/data`, `--port=${port}`, '--bind-address=127.0.0.1',
      `--socket=${dir}/sock`, `--pid-file=${dir}/pid`, '--user=root', '--skip-log-bin', '--innodb-buffer-pool-size=16M',
      `--ssl-ca=${dir}/ca.pem`, `--ssl-cert=${dir}/server.pem`, `--ssl-key=${dir}/server.key`, '--require-secure-transport=ON'],
    { stdio: ['ignore', out, out] })
  } else {
    for (const f of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, f), f.endsWith('.key') ? 0o600 : 0o644)
    execFileSync('chown', ['-R', 'postgres', dir])
    execFileSync('runuser', ['-u', 'postgres', '--', `${PG_BIN}/initdb`, '-D', `${dir}/data`, '-A', 'trust', '-U', 'postgres'], { stdio: ['ignore', out, out] })
    // TLS or nothing over TCP.
    fs.writeFileSync(`${dir}/data/pg_hba.conf`, 'local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all 0.0.0.0/0 reject\n')
    proc = spawn('runuser', ['-u', 'postgres', '--', `${PG_BIN}/postgres`, '-D', `${dir}/data`, '-p', String(port), '-k', dir,
      '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'shared_buffers=16MB', '-c', 'ssl=on',
      '-c', `ssl_cert_file=${dir}/server.pem`, '-c', `ssl_key_file=${dir}/server.key`], { stdio: ['ignore', out, out] })
  }
  proc.on('error', () => {})
  const exited = new Promise((r) => proc.once('exit', r))
  let gone = false
  exited.then(() => { gone = true })
  for (let i = 0; i < 300 && !gone && !(await accepts(port)); i++) await sleep(100)
  if (gone || !(await accepts(port))) throw new Error(`${kind} with TLS did not start; its log ends:\n${fs.readFileSync(log, 'utf8').split('\n').slice(-15).join('\n')}`)
  // The test database, over the local socket (plaintext TCP is refused).
  if (kind === 'mysql') execFileSync('mariadb', [`--socket=${dir}/sock`, '-u', 'root', '-e', 'CREATE DATABASE tls CHARACTER SET utf8mb4'])
  else execFileSync('runuser', ['-u', 'postgres', '--', 'psql', '-h', dir, '-p', String(port), '-U', 'postgres', '-qc', 'CREATE DATABASE tls'])
  const base = kind === 'mysql' ? `mysql://root@127.0.0.1:${port}/tls` : `postgres://postgres@127.0.0.1:${port}/tls`
  return {
    port,
    ca: path.join(dir, 'ca.pem'),
    url: (params) => `${base}?${new URLSearchParams(params)}`,
    async stop() {
      if (proc.exitCode === null) {
        if (kind === 'mysql') proc.kill('SIGTERM')
        else {
          const pid = Number(fs.readFileSync(`${dir}/data/postmaster.pid`, 'utf8').split('\n')[0])
          try { process.kill(pid, 'SIGINT') } catch {}
        }
        if (!(await Promise.race([exited.then(() => true), sleep(20000).then(() => false)]))) proc.kill('SIGKILL')
      }
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

module.exports = { startTlsServer }

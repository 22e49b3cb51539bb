'use strict'
// The soak's own database server (MariaDB or PostgreSQL) in a temp dir, on
// its own port, listening on every address so the network namespace reaches
// it over the veth link. Stopped and restarted once during the run; removed
// after. A small SQL "shell" (the mariadb / psql client as a coprocess)
// answers the driver's polls without a client library.
const fs = require('fs')
const os = require('os')
const path = require('path')
const { spawn, execFileSync } = require('child_process')

const PG_BIN = '/usr/lib/postgresql/15/bin'
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// Below Linux's ephemeral range (32768–60999 by default): a port in it can
// be some client socket's local port at the moment the server binds, or
// while it is down for its restart. Derived from the pid so two soaks on one
// machine do not collide; `attempt` moves to another if it is taken anyway.
const PORT_BASE = { mysql: 21000, postgres: 23000 }
const portFor = (kind, attempt) => PORT_BASE[kind] + ((process.pid + attempt * 211) % 1000)

/** The last lines of a server's log, for an error that outlives the temp dir. */
function logTail(file, lines = 15) {
  try { return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') } catch { return '(no log)' }
}

class DbServer {
  constructor(kind) {
    this.kind = kind
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `wxtp-soak-${kind}-`))
    this.port = portFor(kind, 0)
    this.proc = null
    this.downAt = null
    this.upAt = null
  }

  /** A URL as `host` (127.0.0.1 or the host-side veth address) sees it. */
  url(host) {
    return this.kind === 'mysql' ? `mysql://root@${host}:${this.port}/soak` : `postgres://postgres@${host}:${this.port}/soak`
  }

  async init() {
    const log = path.join(this.dir, 'init.log')
    if (this.kind === 'mysql') {
      execFileSync('mariadb-install-db', ['--no-defaults', `--datadir=${this.dir}/data`, '--user=root',
        '--auth-root-authentication-method=normal', '--skip-test-db'], { stdio: ['ignore', fs.openSync(log, 'a'), fs.openSync(log, 'a')] })
    } else {
      fs.chmodSync(this.dir, 0o755)
      execFileSync('chown', ['postgres', this.dir])
      execFileSync('runuser', ['-u', 'postgres', '--', `${PG_BIN}/initdb`, '-D', `${this.dir}/data`, '-A', 'trust', '-U', 'postgres'],
        { stdio: ['ignore', fs.openSync(log, 'a'), fs.openSync(log, 'a')] })
      // The namespace's address range may connect too (trust: a throwaway server).
      fs.appendFileSync(`${this.dir}/data/pg_hba.conf`, '\nhost all all 10.0.0.0/8 trust\n')
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await this.start()
        break
      } catch (e) {
        // Exited before it listened (a port taken by someone else): another port.
        if (!e.exitedEarly || attempt >= 5) throw e
        this.port = portFor(this.kind, attempt)
      }
    }
    if (this.kind === 'mysql') this.cli('CREATE DATABASE soak CHARACTER SET utf8mb4')
    else execFileSync('psql', [this.url('127.0.0.1').replace(/\/soak$/, '/postgres'), '-qc', 'CREATE DATABASE soak'])
  }

  async start() {
    if (await this.accepts()) {
      const e = new Error(`port ${this.port} is taken by another server`)
      e.exitedEarly = true
      throw e
    }
    const out = fs.openSync(path.join(this.dir, 'server.log'), 'a')
    if (this.kind === 'mysql') {
      this.proc = spawn('mariadbd', ['--no-defaults', `--datadir=${this.dir}/data`, `--port=${this.port}`, '--bind-address=0.0.0.0',
        `--socket=${this.dir}/sock`, `--pid-file=${this.dir}/pid`, '--user=root', '--skip-grant-tables', '--skip-name-resolve',
        '--innodb-buffer-pool-size=32M', '--max-connections=500', '--skip-log-bin'], { stdio: ['ignore', out, out] })
    } else {
      this.proc = spawn('runuser', ['-u', 'postgres', '--', `${PG_BIN}/postgres`, '-D', `${this.dir}/data`, '-p', String(this.port),
        '-c', 'listen_addresses=*', '-k', this.dir, '-c', 'fsync=off', '-c', 'max_connections=300', '-c', 'shared_buffers=32MB'],
      { stdio: ['ignore', out, out] })
    }
    this.proc.on('error', () => {})
    const exited = new Promise((r) => this.proc.once('exit', r))
    this.exited = exited
    let gone = false
    exited.then(() => { gone = true })
    for (let i = 0; i < 300 && !gone; i++) {
      if (await this.accepts()) { this.upAt = Date.now(); return }
      await sleep(100)
    }
    const e = new Error(`${this.kind} did not start on port ${this.port}${gone ? ' (it exited)' : ''}; its log ends:\n${logTail(path.join(this.dir, 'server.log'))}`)
    e.exitedEarly = gone
    throw e
  }

  accepts() {
    return new Promise((resolve) => {
      const s = require('net').connect(this.port, '127.0.0.1')
      s.once('connect', () => { s.destroy(); resolve(true) })
      s.once('error', () => resolve(false))
    })
  }

  /** A clean shutdown (SIGTERM to mariadbd; fast shutdown of PostgreSQL). */
  async stop() {
    if (!this.proc || this.proc.exitCode !== null) return
    this.downAt = Date.now()
    if (this.kind === 'mysql') this.proc.kill('SIGTERM')
    else {
      // runuser forwards signals to postgres; SIGINT = fast shutdown.
      const pid = Number(fs.readFileSync(`${this.dir}/data/postmaster.pid`, 'utf8').split('\n')[0])
      try { process.kill(pid, 'SIGINT') } catch {}
    }
    const done = await Promise.race([this.exited.then(() => true), sleep(20000).then(() => false)])
    if (!done) this.proc.kill('SIGKILL')
    this.proc = null
  }

  async restart(downMs) {
    await this.stop()
    await sleep(downMs)
    await this.start()
  }

  /** Runs SQL synchronously with the command-line client (setup and final checks). */
  cli(sql) {
    if (this.kind === 'mysql') {
      return execFileSync('mariadb', ['-h', '127.0.0.1', '-P', String(this.port), '-u', 'root', '-N', '-B', '-e', sql], { encoding: 'utf8' })
    }
    return execFileSync('psql', [this.url('127.0.0.1'), '-X', '-A', '-t', '-F', '\t', '-c', sql], { encoding: 'utf8' })
  }

  /** Rows of a query, async (a fresh client per call; polls are once a second). */
  query(sql) {
    const args = this.kind === 'mysql'
      ? ['mariadb', ['-h', '127.0.0.1', '-P', String(this.port), '-u', 'root', '--connect-timeout=1', '-N', '-B', 'soak', '-e', sql]]
      : ['psql', [this.url('127.0.0.1') + '?connect_timeout=1', '-X', '-A', '-t', '-F', '\t', '-c', sql]]
    return new Promise((resolve) => {
      const p = spawn(args[0], args[1], { stdio: ['ignore', 'pipe', 'ignore'] })
      let out = ''
      p.stdout.on('data', (d) => { out += d })
      p.on('error', () => resolve(null))
      p.on('exit', (code) => resolve(code === 0 ? out.split('\n').filter(Boolean).map((l) => l.split('\t')) : null))
    })
  }

  async destroy() {
    await this.stop().catch(() => {})
    fs.rmSync(this.dir, { recursive: true, force: true })
  }
}

module.exports = { DbServer }

'use strict'
// The second machine: a network namespace joined to this one by a veth
// pair. The host end has HOST_ADDR, the namespace end NS_ADDR; the database,
// the sandbox forwarders and the push/message front listen where the
// namespace reaches them. cut() takes the host end down (a partition), heal()
// brings it back. A second pair, the WAN (WAN_HOST_ADDR / WAN_NS_ADDR), is
// never cut: WeChat's pushes still reach the namespace's worker over it while
// that worker cannot reach the database (the front sends audit events that
// way). Removed on close, on failure and on SIGINT (see soak.js).
const { execFileSync } = require('child_process')

const ip = (...args) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })

class Namespace {
  constructor() {
    const n = process.pid % 250
    this.name = `wxtpsoak${process.pid}`
    this.hostIf = `wxs${process.pid}h`.slice(0, 15)
    this.nsIf = `wxs${process.pid}n`.slice(0, 15)
    this.hostAddr = `10.231.${n}.1`
    this.nsAddr = `10.231.${n}.2`
    this.net = `10.231.${n}.0`
    this.wanHostIf = `wxs${process.pid}w`.slice(0, 15)
    this.wanNsIf = `wxs${process.pid}v`.slice(0, 15)
    this.wanHostAddr = `10.232.${n}.1`
    this.wanNsAddr = `10.232.${n}.2`
    this.up = false
  }

  static cleanupStale() {
    // Namespaces of soaks that died without cleaning up (SIGKILL).
    let list = ''
    try { list = ip('netns', 'list') } catch { return }
    for (const line of list.split('\n')) {
      const m = /^wxtpsoak(\d+)/.exec(line)
      if (!m) continue
      let alive = true
      try { process.kill(Number(m[1]), 0) } catch { alive = false }
      if (!alive) {
        try { ip('netns', 'del', `wxtpsoak${m[1]}`) } catch {}
        try { ip('link', 'del', `wxs${m[1]}h`.slice(0, 15)) } catch {}
        try { ip('link', 'del', `wxs${m[1]}w`.slice(0, 15)) } catch {}
      }
    }
  }

  create() {
    Namespace.cleanupStale()
    ip('netns', 'add', this.name)
    this.up = true
    ip('link', 'add', this.hostIf, 'type', 'veth', 'peer', 'name', this.nsIf)
    ip('link', 'set', this.nsIf, 'netns', this.name)
    ip('addr', 'add', `${this.hostAddr}/30`, 'dev', this.hostIf)
    ip('link', 'set', this.hostIf, 'up')
    ip('netns', 'exec', this.name, 'ip', 'addr', 'add', `${this.nsAddr}/30`, 'dev', this.nsIf)
    ip('netns', 'exec', this.name, 'ip', 'link', 'set', this.nsIf, 'up')
    ip('netns', 'exec', this.name, 'ip', 'link', 'set', 'lo', 'up')
    ip('link', 'add', this.wanHostIf, 'type', 'veth', 'peer', 'name', this.wanNsIf)
    ip('link', 'set', this.wanNsIf, 'netns', this.name)
    ip('addr', 'add', `${this.wanHostAddr}/30`, 'dev', this.wanHostIf)
    ip('link', 'set', this.wanHostIf, 'up')
    ip('netns', 'exec', this.name, 'ip', 'addr', 'add', `${this.wanNsAddr}/30`, 'dev', this.wanNsIf)
    ip('netns', 'exec', this.name, 'ip', 'link', 'set', this.wanNsIf, 'up')
    // While the link is down, packets for the namespace must not wander off
    // to the default route: they are dropped here, as on a dead link.
    try { ip('route', 'add', 'blackhole', `${this.net}/30`, 'metric', '1000') } catch {}
  }

  /** argv prefix that runs a command inside the namespace. */
  exec(cmd, args) {
    return ['ip', ['netns', 'exec', this.name, cmd, ...args]]
  }

  cut() { ip('link', 'set', this.hostIf, 'down') }
  heal() { ip('link', 'set', this.hostIf, 'up') }

  destroy() {
    if (!this.up) return
    this.up = false
    try { ip('route', 'del', 'blackhole', `${this.net}/30`, 'metric', '1000') } catch {}
    try { ip('netns', 'del', this.name) } catch {}
    try { ip('link', 'del', this.hostIf) } catch {}
    try { ip('link', 'del', this.wanHostIf) } catch {}
  }
}

module.exports = { Namespace }

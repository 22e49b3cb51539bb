'use strict'
// `wxthirdparty rollout start|status|pause|resume|cancel|retry|list --db URL`:
// rollouts steered from the database alone. Starting one stores it; a
// process of the fleet (any ThirdpartyServer on this database) drives it.
const { parseArgs } = require('util')
const rollout = require('../rollout')
const { Eta, etaLine } = require('./eta')

const USAGE = `usage: wxthirdparty rollout <command> --db URL [--platform APPID] [--json]

  start  --template-id N --user-version V [--user-desc D] [--appids a,b,…]
         [--ext-json JSON] [--audit JSON] [--release auto|manual|gray:10,50,100]
         [--step-ms N] [--concurrency N] [--max-failure-rate R] [--audit-poll-ms N] [--watch]
                     store a rollout (default apps: every mini program that granted
                     code management; ext_json default {"extAppid":"$APPID$"}); a
                     process of the fleet drives it
  status ID [--watch] the rollout's apps by state (--watch: live, with the ETA of the slowest step)
  pause ID | resume ID | cancel ID
  retry ID [--appids a,b,…]   rejected or failed apps start again from the commit
  list                the platform's rollouts, newest first

  --db URL        the platform's database (mysql://, postgres://, sqlite://)
  --platform ID   the platform's component appid (default: the only one in the database)
  --json          print JSON (for scripts)`

const OPTIONS = {
  db: { type: 'string' }, platform: { type: 'string' }, json: { type: 'boolean' }, watch: { type: 'boolean' },
  'template-id': { type: 'string' }, 'user-version': { type: 'string' }, 'user-desc': { type: 'string' },
  appids: { type: 'string' }, 'ext-json': { type: 'string' }, audit: { type: 'string' }, release: { type: 'string' },
  'step-ms': { type: 'string' }, concurrency: { type: 'string' }, 'max-failure-rate': { type: 'string' }, 'audit-poll-ms': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
}

function num(v, name) {
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isFinite(n)) throw new TypeError(`--${name}: expected a number, got ${v}\n${USAGE}`)
  return n
}

function jsonArg(v, name) {
  if (v === undefined) return undefined
  try { return JSON.parse(v) } catch (e) { throw new TypeError(`--${name}: not JSON (${e.message})`) }
}

function releaseArg(v, stepMs) {
  if (v === undefined || v === 'auto' || v === 'manual') return v
  const m = /^gray:([\d,]+)$/.exec(v)
  if (!m) throw new TypeError(`--release: expected auto, manual or gray:10,50,100\n${USAGE}`)
  return { gray: m[1].split(',').map(Number), stepMs }
}

const STATES = ['pending', 'committed', 'auditing', 'approved', 'gray', 'released', 'rejected', 'failed', 'cancelled', 'rolled_back']

function render(s, eta) {
  const width = 30
  const lines = [`rollout ${s.id}  ${s.state}${s.reason ? ` (${s.reason})` : ''}  ${s.userVersion}  ${s.total} apps`]
  for (const state of STATES) {
    const n = s.counts[state] || 0
    if (!n && ['gray', 'rolled_back', 'cancelled', 'failed'].includes(state)) continue
    const bar = '█'.repeat(Math.round((n / Math.max(1, s.total)) * width)).padEnd(width, '·')
    lines.push(`  ${state.padEnd(11)} ${bar} ${String(n).padStart(5)}`)
  }
  if (eta && s.state === 'running') lines.push(etaLine(eta))
  for (const a of s.apps.filter((x) => x.state === 'rejected' || x.state === 'failed').slice(0, 10)) {
    lines.push(`  ${a.appid} ${a.state}: ${a.reason || a.error || ''}`)
  }
  return lines.join('\n')
}

async function watch(admin, id, json) {
  let last = 0
  const eta = new Eta()
  for (;;) {
    const s = await admin.status(id)
    const e = eta.estimate(s)
    if (json) {
      console.log(JSON.stringify(s.state === 'running' && e ? { ...s, eta: e } : s))
    } else {
      if (process.stdout.isTTY && last) process.stdout.write(`\x1b[${last}A\x1b[J`)
      const text = render(s, e)
      console.log(text)
      last = text.split('\n').length
    }
    if (s.state !== 'running') return s
    await new Promise((r) => setTimeout(r, 1000))
  }
}

module.exports = async function rolloutCli(argv) {
  let parsed
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: true })
  } catch (e) {
    throw new TypeError(`${e.message.replace(/\. To specify.*$/s, '')}\n${USAGE}`)
  }
  const { values: v, positionals } = parsed
  const [cmd, id] = positionals
  if (v.help || !cmd) {
    console.log(USAGE)
    if (!cmd && !v.help) process.exitCode = 2
    return
  }
  if (!v.db) throw new TypeError(`--db is required\n${USAGE}`)
  const needsId = ['status', 'pause', 'resume', 'cancel', 'retry'].includes(cmd)
  if (!needsId && !['start', 'list'].includes(cmd)) throw new TypeError(`unknown command rollout ${cmd}\n${USAGE}`)
  if (needsId && !id) throw new TypeError(`rollout ${cmd} needs the rollout's id\n${USAGE}`)
  const { binding } = require('../native')
  const admin = await binding.openRolloutAdmin(v.db, v.platform)
  const out = (s) => console.log(v.json ? JSON.stringify(s, null, 2) : render(s))
  try {
    if (cmd === 'list') {
      const list = await admin.list()
      if (v.json) return console.log(JSON.stringify(list, null, 2))
      for (const r of list) console.log(`${r.id}  ${r.state.padEnd(9)} ${r.userVersion}  template ${r.templateId}  ${new Date(r.createdAt).toISOString()}${r.reason ? `  (${r.reason})` : ''}`)
      return
    }
    if (cmd === 'start') {
      const opts = {
        templateId: num(v['template-id'], 'template-id'),
        userVersion: v['user-version'],
        userDesc: v['user-desc'],
        release: releaseArg(v.release, num(v['step-ms'], 'step-ms')),
        concurrency: num(v.concurrency, 'concurrency'),
        maxFailureRate: num(v['max-failure-rate'], 'max-failure-rate'),
        auditPollMs: num(v['audit-poll-ms'], 'audit-poll-ms'),
      }
      const s = rollout.spec(opts)
      const extJson = v['ext-json']
      const audit = jsonArg(v.audit, 'audit')
      const appids = v.appids ? rollout.checkAppids(v.appids.split(',').map((a) => a.trim()).filter(Boolean)) : await admin.miniPrograms()
      if (!appids.length) throw new TypeError(`no mini program of platform ${admin.platform} granted code management: name them with --appids`)
      const apps = appids.map((appid) => ({ appid, extJson: rollout.extJsonFor(extJson, appid), audit: rollout.auditOptions(audit, appid) }))
      const newId = await admin.start(s, apps)
      if (!v.json) console.log(`stored rollout ${newId} of ${apps.length} mini programs; a process of the fleet drives it`)
      if (v.watch) return void (await watch(admin, newId, v.json))
      if (v.json) out(await admin.status(newId))
      return
    }
    if (cmd === 'status') {
      if (v.watch) return void (await watch(admin, id, v.json))
      return out(await admin.status(id))
    }
    const appids = v.appids ? v.appids.split(',').map((a) => a.trim()).filter(Boolean) : undefined
    out(await admin.control(id, cmd, appids))
  } finally {
    await admin.close()
  }
}

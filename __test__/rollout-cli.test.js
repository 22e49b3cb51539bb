'use strict'
// `wxthirdparty rollout …` from a process with only the database: start
// stores a rollout that the platform's process drives; status, list, pause,
// resume, cancel; bad flags name themselves.
const { describe, test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const path = require('path')
const { execFile } = require('child_process')
const { rolloutFleet, checkExactlyOnce } = require('./helpers/rollout')
const { tempSqlite } = require('./helpers/platform')

const BIN = path.join(__dirname, '..', 'bin', 'wxthirdparty.js')

function cli(...args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'rollout', ...args], { timeout: 60000 }, (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }))
  })
}

describe('wxthirdparty rollout', { timeout: 120000 }, () => {
  let db, f
  before(async () => {
    db = tempSqlite()
    f = await rolloutFleet({ db: db.url, count: 4 })
  })
  after(async () => {
    if (f) await f.close()
    if (db) db.cleanup()
  })

  test('start stores it, the fleet drives it, status --watch --json follows it to done', async () => {
    const { sandbox, appids, templateId } = f
    for (const a of appids) await sandbox.setReviewer(a, { verdict: 'pass', afterMs: 100 })
    const started = await cli('start', '--db', db.url, '--template-id', String(templateId), '--user-version', '6.0.0',
      '--appids', appids.slice(0, 3).join(','), '--ext-json', '{"extAppid":"$APPID$","ext":{"from":"cli"}}', '--audit', '{"version_desc":"cli"}', '--json')
    assert.equal(started.code, 0, started.stderr)
    const s = JSON.parse(started.stdout)
    assert.equal(s.total, 3)
    const watched = await cli('status', s.id, '--db', db.url, '--watch', '--json')
    assert.equal(watched.code, 0, watched.stderr)
    const last = JSON.parse(watched.stdout.trim().split('\n').pop())
    assert.equal(last.state, 'done', JSON.stringify(last.counts))
    assert.equal(last.counts.released, 3)
    await checkExactlyOnce(sandbox, last, { userVersion: '6.0.0' })
    const mp = await sandbox.miniProgram(appids[0])
    assert.deepEqual(mp.commit.ext_json, { extAppid: appids[0], ext: { from: 'cli' } })
    assert.equal(mp.audits[0].request.version_desc, 'cli')

    const text = await cli('status', s.id, '--db', db.url)
    assert.match(text.stdout, new RegExp(`rollout ${s.id}  done`))
    assert.match(text.stdout, /released\s+█+\s+3/)
    const list = await cli('list', '--db', db.url)
    assert.match(list.stdout, new RegExp(`${s.id}\\s+done\\s+6\\.0\\.0`))
  })

  test('status --watch shows an ETA of the slowest step, from the rates it observed', async () => {
    const { sandbox, appids, templateId } = f
    for (const [i, a] of appids.entries()) await sandbox.setReviewer(a, { verdict: 'pass', afterMs: 1500 + 1200 * i })
    const started = await cli('start', '--db', db.url, '--template-id', String(templateId), '--user-version', '6.0.5', '--appids', appids.join(','), '--json')
    assert.equal(started.code, 0, started.stderr)
    const { id } = JSON.parse(started.stdout)
    const [text, json] = await Promise.all([cli('status', id, '--db', db.url, '--watch'), cli('status', id, '--db', db.url, '--watch', '--json')])
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, /^ {2}eta {9}measuring \(\d+ apps still to \w+, none seen passing it yet\)$/m)
    const lines = text.stdout.match(/^ {2}eta {9}~\d+ s {2}\(slowest step: (commit|submit|audit|release), \d+ left at [\d.]+ apps\/s\)$/gm)
    assert.ok(lines && lines.length, text.stdout)
    // Each estimate is what is left of its step over the rate seen so far.
    const left = { commit: ['pending'], submit: ['pending', 'committed'], audit: ['pending', 'committed', 'auditing'], release: ['pending', 'committed', 'auditing', 'approved', 'gray'] }
    const estimates = json.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((s) => s.eta && s.eta.rate)
    assert.ok(estimates.length >= 2, json.stdout)
    for (const s of estimates) {
      assert.equal(s.eta.left, left[s.eta.step].reduce((n, k) => n + s.counts[k], 0), JSON.stringify(s.eta))
      assert.ok(Math.abs(s.eta.seconds * s.eta.rate - s.eta.left) < 1e-6, JSON.stringify(s.eta))
      assert.ok(s.eta.rate > 0, JSON.stringify(s.eta))
    }
    assert.ok(new Set(estimates.map((s) => s.eta.rate)).size > 1, 'rates change as the rollout goes')
    assert.equal(JSON.parse(json.stdout.trim().split('\n').pop()).state, 'done')
  })

  test('pause, resume and cancel; default apps are the mini programs with code management', async () => {
    const { sandbox, appids, templateId } = f
    for (const a of appids) await sandbox.setReviewer(a, { verdict: 'manual' })
    const started = await cli('start', '--db', db.url, '--template-id', String(templateId), '--user-version', '6.1.0', '--json')
    assert.equal(started.code, 0, started.stderr)
    const { id, total } = JSON.parse(started.stdout)
    assert.equal(total, 4)
    const paused = JSON.parse((await cli('pause', id, '--db', db.url, '--json')).stdout)
    assert.equal(paused.state, 'paused')
    const resumed = JSON.parse((await cli('resume', id, '--db', db.url, '--json')).stdout)
    assert.equal(resumed.state, 'running')
    const cancelled = JSON.parse((await cli('cancel', id, '--db', db.url, '--json')).stdout)
    assert.equal(cancelled.state, 'cancelled')
  })

  test('bad flags and unknown ids are named', async () => {
    const bad = await cli('start', '--db', db.url, '--template-id', 'x', '--user-version', '1')
    assert.notEqual(bad.code, 0)
    assert.match(bad.stderr, /template-id/)
    const none = await cli('status', 'ro-nope', '--db', db.url)
    assert.notEqual(none.code, 0)
    assert.match(none.stderr, /ro-nope does not exist/)
    const noDb = await cli('list')
    assert.match(noDb.stderr, /--db is required/)
  })
})

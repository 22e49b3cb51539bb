'use strict'
// The operator console in a real browser (Debian's Chromium driven by
// playwright-core) over a store the sandbox flow filled: log in, search
// authorizers, a `<script>` name rendered inert, a viewer refused an action,
// no secret in any page or request. Screenshots of the main views go to
// docs/console/ when WXTP_SCREENSHOTS=1 (for the README), else to a temp dir.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('fs')
const os = require('os')
const path = require('path')
const http = require('http')
const crypto = require('crypto')
const { once } = require('events')
const { ThirdpartyServer, startSandbox, startConsole } = require('..')

const CHROMIUM = process.env.WXTP_CHROMIUM || '/usr/bin/chromium'
const XSS = '<script>window.__xss = 1</script>'
const OPERATOR = `op-${crypto.randomBytes(12).toString('hex')}`
const VIEWER = `vw-${crypto.randomBytes(12).toString('hex')}`

let chromium = null
try { chromium = require('playwright-core').chromium } catch { /* reported by the skip below */ }
const missing = !chromium ? 'playwright-core is not installed' : !fs.existsSync(CHROMIUM) ? `${CHROMIUM} is missing (apt-get install chromium)` : false

/** A platform on SQLite and the sandbox with three authorizers, one named `<script>`. */
async function fleet() {
  const sandbox = await startSandbox()
  const appid = `wxcon${crypto.randomBytes(5).toString('hex')}`
  const secret = crypto.randomBytes(16).toString('hex')
  const key = crypto.randomBytes(32).toString('base64').slice(0, 43)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxtp-console-'))
  const db = `sqlite://${path.join(dir, 'platform.db')}`
  const platform = new ThirdpartyServer(appid, secret, 'contoken', key, db, false, { apiBase: sandbox.url })
  const app = http.createServer(platform.middleware())
  app.listen(0, '127.0.0.1')
  await once(app, 'listening')
  await sandbox.registerComponent({ appid, secret, token: 'contoken', encodingAESKey: key, pushUrl: `http://127.0.0.1:${app.address().port}/wechat/auth` })
  const ready = once(platform, 'ready')
  platform.start()
  await ready
  const secrets = [secret, key, OPERATOR, VIEWER]
  const s = await platform.secrets()
  secrets.push(s.ticket, s.access_token, s.preauthcode)
  const appids = []
  for (const o of [{ nickName: '茶馆 Tea House' }, { nickName: XSS, miniProgram: true }, { nickName: 'Bookshop', funcInfo: [1, 15] }]) {
    const { authCode } = await sandbox.authorize(appid, o)
    const user = await platform.fetch_user_info(authCode)
    appids.push(user.appid)
    secrets.push(user.access_token, user.refresh_token, user.wx_token)
  }
  return {
    db, appid, appids, secrets: secrets.filter((x) => typeof x === 'string' && x.length >= 8),
    async close() {
      await platform.close()
      app.close()
      await sandbox.close()
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

test('the console in a browser: login, search, inert markup, viewer refused, no secret', { skip: missing }, async (t) => {
  const f = await fleet()
  t.after(() => f.close())
  const con = await startConsole({ db: f.db, token: OPERATOR, viewerToken: VIEWER })
  t.after(() => con.close())
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] })
  t.after(() => browser.close())
  const shots = process.env.WXTP_SCREENSHOTS ? path.join(__dirname, '..', 'docs', 'console') : fs.mkdtempSync(path.join(os.tmpdir(), 'wxtp-shots-'))
  fs.mkdirSync(shots, { recursive: true })

  // Everything the browser sends and receives, to look for secrets afterwards.
  const seen = []
  const watch = (page) => {
    // The login form's own POST carries the token typed in: that one is expected.
    page.on('request', (r) => seen.push(`${r.method()} ${r.url()} ${r.url().endsWith('/login') ? '' : r.postData() || ''} ${JSON.stringify(r.headers())}`))
    page.on('response', async (r) => {
      try { seen.push(`${r.url()} ${JSON.stringify(await r.allHeaders())} ${await r.text()}`) } catch { /* a redirect has no body */ }
    })
  }

  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  const page = await ctx.newPage()
  watch(page)
  await page.goto(`${con.url}/authorizers`)
  assert.match(page.url(), /\/login$/, 'login required')
  await page.screenshot({ path: path.join(shots, 'login.png') })
  await page.fill('input[name=user]', 'operator')
  await page.fill('input[name=password]', OPERATOR)
  await Promise.all([page.waitForURL(/\/authorizers$/), page.click('button')])
  assert.equal(await page.locator('#authorizers tbody tr').count(), 3)
  assert.equal(await page.evaluate(() => document.cookie.includes('wxtp_console')), false, 'the session cookie is HttpOnly')
  await page.screenshot({ path: path.join(shots, 'authorizers.png'), fullPage: true })

  // Search by name: the `<script>` authorizer shows as text and never runs.
  await page.fill('input[name=q]', 'script')
  await Promise.all([page.waitForURL(/q=script/), page.click('#search button')])
  const rows = page.locator('#authorizers tbody tr')
  assert.equal(await rows.count(), 1)
  assert.equal(await rows.first().locator('td.name').textContent(), XSS)
  // The principal api_get_authorizer_info gave (the sandbox's), kept and searchable.
  assert.equal(await rows.first().locator('td.principal').textContent(), '沙盒科技有限公司')
  assert.equal(await page.evaluate(() => window.__xss), undefined, 'the stored script did not run')
  // By appid fragment and by Chinese name.
  await page.goto(`${con.url}/authorizers?q=${encodeURIComponent(f.appids[2].slice(2, 12))}`)
  assert.equal(await page.locator('#authorizers tbody tr').count(), 1)
  await page.goto(`${con.url}/authorizers?q=${encodeURIComponent('茶馆')}`)
  assert.equal(await page.locator('#authorizers tbody td.name').textContent(), '茶馆 Tea House')
  await page.goto(`${con.url}/authorizers?q=${encodeURIComponent('沙盒科技')}`)
  assert.equal(await page.locator('#authorizers tbody tr').count(), 3, 'search by principal')

  for (const view of ['platform', 'messages', 'rollouts']) {
    await page.goto(`${con.url}/${view}`)
    await page.screenshot({ path: path.join(shots, `${view}.png`), fullPage: true })
  }
  // Live values: the page script polls the summary and fills the cards.
  await page.goto(`${con.url}/platform`)
  await page.waitForFunction(() => document.querySelector('main').hasAttribute('data-updated'))
  assert.match(await page.locator('[data-live=component_token]').textContent(), /^expires in/)

  // A viewer may look but not act.
  const vctx = await browser.newContext()
  const vpage = await vctx.newPage()
  watch(vpage)
  await vpage.goto(`${con.url}/login`)
  await vpage.fill('input[name=user]', 'viewer')
  await vpage.fill('input[name=password]', VIEWER)
  await Promise.all([vpage.waitForURL(/\/authorizers$/), vpage.click('button')])
  await vpage.goto(`${con.url}/audit`)
  const [res] = await Promise.all([vpage.waitForResponse((r) => r.url().endsWith('/sessions/end')), vpage.click('#end-sessions')])
  assert.equal(res.status(), 403)
  assert.match(await vpage.textContent('main'), /viewers cannot act/)

  // The refusal is in the audit log the operator sees.
  await page.goto(`${con.url}/audit`)
  assert.match(await page.textContent('#audit'), /sessions\.end.*refused: viewers cannot act/s)
  await page.screenshot({ path: path.join(shots, 'audit.png'), fullPage: true })

  for (const secret of f.secrets) {
    const hit = seen.find((s) => s.includes(secret))
    assert.equal(hit, undefined, `a secret (${secret.length} chars) was in a page or request`)
  }
})

test('a rollout watched live in the browser, paused there (confirmed, CSRF), a rejection\'s reason shown', { skip: missing, timeout: 180000 }, async (t) => {
  const { rolloutFleet } = require('./helpers/rollout')
  const { tempSqlite } = require('./helpers/platform')
  const db = tempSqlite()
  t.after(() => db.cleanup())
  const f = await rolloutFleet({ db: db.url, count: 4 })
  t.after(() => f.close())
  const { sandbox, platform, templateId } = f
  const [rejected, ...rest] = f.appids
  const REASON = '类目不符 <b>icon</b>'
  await sandbox.setReviewer(rejected, { verdict: 'fail', afterMs: 1500, reason: REASON, screenshots: ['media-shot-1'] })
  // The others stay in review: the rollout is still running when paused.
  for (const appid of rest) await sandbox.setReviewer(appid, { verdict: 'pass', afterMs: 600000 })

  const con = await startConsole({ db: db.url, token: OPERATOR })
  t.after(() => con.close())
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] })
  t.after(() => browser.close())
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage()
  await page.goto(`${con.url}/login`)
  await page.fill('input[name=user]', 'operator')
  await page.fill('input[name=password]', OPERATOR)
  await Promise.all([page.waitForURL(/\/authorizers$/), page.click('button')])

  const r = await platform.rollout({ templateId, userVersion: '3.0.0', userDesc: 'summer menu', appids: f.appids, concurrency: 4, maxFailureRate: 0.5, auditPollMs: 600000, progressMs: 100 })
  await page.goto(`${con.url}/rollouts`)
  assert.match(await page.textContent('#rollouts'), new RegExp(r.id))
  await page.goto(`${con.url}/rollouts/${r.id}`)
  // Marks this page load: a reload would lose it.
  await page.evaluate(() => { window.__loaded = 'once' })
  const counts = () => page.evaluate(() => [...document.querySelectorAll('[data-live^="rollout:"]')].map((e) => e.textContent).join(','))
  const first = await counts()
  // Progress arrives by the page's polling, not a reload: the rejection (1.5 s in).
  await page.waitForFunction((id) => document.querySelector(`[data-live="rollout:${id}:rejected"]`).textContent === '1', r.id, { timeout: 60000 })
  assert.notEqual(await counts(), first, 'the counts changed on the page')
  assert.equal(await page.evaluate(() => window.__loaded), 'once', 'without a reload')
  assert.equal(await page.textContent(`[data-live="rollout:${r.id}:state"]`), 'running')

  // Pause: a confirmation page, then the store says paused.
  await Promise.all([page.waitForURL(/\/act$/), page.click('button[data-action=pause]')])
  assert.match(await page.textContent('main'), new RegExp(`Pause rollout ${r.id}\\?`))
  const confirmForm = page.locator('form', { has: page.locator('#confirm') })
  assert.equal(await confirmForm.locator('input[name=csrf]').count(), 1, 'the confirmation carries the CSRF token')
  await Promise.all([page.waitForURL(/flash=ok/), page.click('#confirm')])
  assert.equal((await r.status()).state, 'paused')
  assert.equal((await (await platform.getRollout(r.id)).status()).state, 'paused', 'read from the store by id')
  assert.equal(await page.textContent(`[data-live="rollout:${r.id}:state"]`), 'paused')

  // The rejection's reason, as text (its markup inert), on the per-app table.
  const row = page.locator('#apps tbody tr', { hasText: rejected })
  assert.match(await row.textContent(), /rejected/)
  assert.equal(await row.locator('td').nth(3).textContent(), REASON)
  assert.equal(await page.locator('#apps b').count(), 0, 'the reason\'s markup is not rendered')
  await page.screenshot({ path: path.join(process.env.WXTP_SCREENSHOTS ? path.join(__dirname, '..', 'docs', 'console') : fs.mkdtempSync(path.join(os.tmpdir(), 'wxtp-shots-')), 'rollout.png'), fullPage: true })
  await page.goto(`${con.url}/audit`)
  assert.match(await page.textContent('#audit'), new RegExp(`rollout\\.pause.*rollout ${r.id}.*ok`, 's'))
})

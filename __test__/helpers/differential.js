'use strict'
// Differential testing against the packages we replace: run the same call
// on theirs and on ours, pointed at one recorder (helpers/recorder.js), and
// describe every way the two differ — on the wire (method, path, query,
// content type, body) and in what the callback got (err, data, res).
const fs = require('fs')
const path = require('path')
const { isDeepStrictEqual } = require('util')

// shared/ stands beside the repository (in CI too); /work/shared on a developer machine.
const SURFACE = path.join(__dirname, '..', '..', '..', 'shared', 'reference', 'wechat-api-1.35-surface.tsv')
const surfaceFile = fs.existsSync(SURFACE) ? SURFACE : '/work/shared/reference/wechat-api-1.35-surface.tsv'
/** wechat-api 1.35's methods: [file, method, args, http, path]. */
const SURFACE_ROWS = fs.readFileSync(surfaceFile, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'))

/** A method's parameter names, callbacks left out. */
function argNames(args) {
  return args.split(',').map((s) => s.trim()).filter((s) => s && !/^callback/.test(s))
}

/** A plausible value per parameter name, the same for both libraries. */
function sample(method, name) {
  const arrays = { openids: ['oA', 'oB'], openList: ['oA', 'oB'], deviceIds: ['d1', 'd2'], devices: [{ id: 'd1' }], addProductList: ['p1'], delProductList: ['p2'], locations: [{ business_name: 'b' }], status_list: ['CARD_STATUS_VERIFY_OK'], productList: ['p1'], receivers: ['oA', 'oB'], code: ['c1', 'c2'] }
  if (name === 'code' && method !== 'importCustomizedCodes' && method !== 'checkCustomizedCodes') return 'code-1'
  if (arrays[name]) return arrays[name]
  if (name === 'info' && method === 'createCardQRCode') return { card: { card_id: 'pCard' } }
  if (name === 'sceneId') return method === 'createTmpQRCode' ? 42 : 'scene-str'
  if (['num', 'number', 'expire', 'offset', 'count', 'begin', 'limit', 'status', 'groupId', 'id', 'tagId', 'expire_seconds', 'balance', 'optype'].includes(name)) return 7
  if (name === 'beginTime') return new Date('2024-01-02T03:04:05Z')
  if (name === 'endTime') return new Date('2024-02-02T03:04:05Z')
  if (name === 'dest') return 'https://example.com/x'
  if (name === 'data' && method === 'sendTemplate') return { first: { value: 'hi', color: '#173177' } }
  if (name === 'options' && method === 'getUser') return { openid: 'oA', lang: 'zh_CN' }
  if (name === 'options' && method === 'addLotteryInfo') return { use_template: 1, logo_url: 'http://logo' }
  if (name === 'opts' && method === 'massSend') return { msgtype: 'text', text: { content: 'x' } }
  if (name === 'card' && /^sendCard/.test(method)) return { card_id: 'pCard', code: 'c1', openid: 'oA' }
  if (name === 'type' && method === 'getTicket') return 'jsapi'
  if (name === 'param' && method === 'getJsConfig') return { url: 'https://example.com/page?a=1', jsApiList: ['chooseImage'] }
  if (name === 'param' && method === 'getCardExt') return { card_id: 'pCard', openid: 'oA' }
  if (['opts', 'options', 'menu', 'news', 'poi', 'page', 'group', 'goods', 'shelf', 'express', 'template', 'query', 'data', 'info', 'card', 'music', 'articles', 'industryIds', 'body', 'cardInfo'].includes(name)) return { sample: `${method}.${name}`, n: 1 }
  if (name === 'cardType') return 'GROUPON'
  if (name === 'password') return 'pw'
  return `${name}-v`
}

/** A deep copy for each side (wechat-api mutates some arguments); Dates, Buffers and functions kept. */
function copy(v) {
  if (v instanceof Date || Buffer.isBuffer(v) || typeof v === 'function' || v === null || typeof v !== 'object') return v
  if (Array.isArray(v)) return v.map(copy)
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x)]))
}

/**
 * `start(callback)` starts a call; resolves `{ args }` (what the callback
 * got), `{ threw }` (a synchronous throw) or `{ never: true }` when the
 * callback is not called within `ms`.
 */
function settleCallback(start, ms = 3000) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ never: true }), ms)
    try {
      start((...args) => {
        clearTimeout(timer)
        resolve({ args })
      })
    } catch (threw) {
      clearTimeout(timer)
      resolve({ threw })
    }
  })
}

/** A request as compared: the token is checked to be there, not compared (each side has its own). */
function wire(r) {
  const query = { ...r.query }
  const token = query.access_token
  delete query.access_token
  return { method: r.method, path: r.path, query, contentType: r.contentType, body: r.body, hasToken: token !== undefined }
}

// Headers a client's connection handling decides, not the server's answer.
const CONNECTION_HEADERS = new Set(['connection', 'keep-alive', 'date', 'transfer-encoding'])
const headers = (h) => Object.fromEntries(Object.entries(h || {}).filter(([k]) => !CONNECTION_HEADERS.has(k.toLowerCase())))

const errorShape = (e) => (e ? { name: e.name, code: e.code, message: e.message } : e)
const jsonish = (v) => (Buffer.isBuffer(v) ? { buffer: v.toString('base64') } : v === undefined ? undefined : JSON.parse(JSON.stringify(v)))

/**
 * Every difference between two callback outcomes, as strings; [] when the
 * same. urllib's `res` fields we do not have (`keepAliveSocket`,
 * `requestUrls`: the latter holds the URL with the access token) are not
 * differences; the rest must agree, `rt` being a number on both sides.
 */
function callbackDiff(theirs, ours) {
  if (theirs.never || ours.never) return theirs.never === ours.never ? [] : [`never called back: theirs ${!!theirs.never}, ours ${!!ours.never}`]
  if (theirs.threw || ours.threw) {
    return theirs.threw && ours.threw ? [] : [`threw: theirs ${theirs.threw && theirs.threw.message}, ours ${ours.threw && ours.threw.message}`]
  }
  const out = []
  const [te, td, tr] = theirs.args
  const [oe, od, or] = ours.args
  if (!isDeepStrictEqual(errorShape(te), errorShape(oe))) out.push(`err: theirs ${JSON.stringify(errorShape(te))}, ours ${JSON.stringify(errorShape(oe))}`)
  if (!isDeepStrictEqual(jsonish(td), jsonish(od))) out.push(`data: theirs ${JSON.stringify(jsonish(td))}, ours ${JSON.stringify(jsonish(od))}`)
  if (!tr !== !or) out.push(`res: theirs ${tr ? 'given' : 'absent'}, ours ${or ? 'given' : 'absent'}`)
  else if (tr && or) {
    for (const k of ['status', 'statusCode', 'size', 'aborted', 'remoteAddress', 'remotePort', 'timing']) {
      if (!isDeepStrictEqual(tr[k], or[k])) out.push(`res.${k}: theirs ${JSON.stringify(tr[k])}, ours ${JSON.stringify(or[k])}`)
    }
    if (!isDeepStrictEqual(headers(tr.headers), headers(or.headers))) out.push(`res.headers: theirs ${JSON.stringify(headers(tr.headers))}, ours ${JSON.stringify(headers(or.headers))}`)
    if (!isDeepStrictEqual(jsonish(tr.data), jsonish(or.data))) out.push('res.data differs')
    if (typeof or.rt !== 'number' || or.rt < 0) out.push(`res.rt: ours ${or.rt}`)
  }
  return out
}

/** Every difference between the requests each side put on the wire. */
function wireDiff(theirs, ours) {
  const a = theirs.map(wire)
  const b = ours.map(wire)
  if (a.length !== b.length) return [`requests: theirs ${JSON.stringify(a)}, ours ${JSON.stringify(b)}`]
  const out = []
  a.forEach((x, i) => {
    for (const k of ['method', 'path', 'contentType', 'hasToken']) if (x[k] !== b[i][k]) out.push(`${k}: theirs ${x[k]}, ours ${b[i][k]}`)
    if (!isDeepStrictEqual(x.query, b[i].query)) out.push(`query: theirs ${JSON.stringify(x.query)}, ours ${JSON.stringify(b[i].query)}`)
    if (!isDeepStrictEqual(x.body, b[i].body)) out.push(`body: theirs ${JSON.stringify(x.body)}, ours ${JSON.stringify(b[i].body)}`)
  })
  return out
}

module.exports = { SURFACE_ROWS, argNames, sample, copy, settleCallback, wire, callbackDiff, wireDiff }

'use strict'
// A stand-in for WeChat's servers that records what reaches the wire, for
// differential tests: the same calls through a package we replace and
// through ours, pointed at one recorder, must put the same requests on the
// wire and get the same answers back. It answers tokens and tickets, `ok`
// by default, and whatever a test queues for a path.
const http = require('http')
const querystring = require('querystring')

// WeChat's own content type for JSON answers.
const JSON_TYPE = 'application/json; encoding=utf-8'

function parseMultipart(buf, ctype) {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(ctype)
  if (!m) return { unparsed: buf.length }
  const boundary = Buffer.from('--' + (m[1] || m[2]))
  const parts = []
  let at = buf.indexOf(boundary)
  while (at !== -1) {
    const start = at + boundary.length
    if (buf.slice(start, start + 2).toString() === '--') break
    const next = buf.indexOf(boundary, start)
    if (next === -1) break
    const part = buf.slice(start + 2, next - 2) // after CRLF, before CRLF
    const split = part.indexOf('\r\n\r\n')
    const head = part.slice(0, split).toString()
    const data = part.slice(split + 4)
    const name = /name="([^"]*)"/i.exec(head)
    const filename = /filename="([^"]*)"/i.exec(head)
    const type = /content-type:\s*([^\r\n]+)/i.exec(head)
    parts.push({
      name: name && name[1],
      filename: filename ? filename[1] : undefined,
      type: type ? type[1].trim() : undefined,
      // A file part by size and bytes; a field part by its text.
      ...(filename ? { size: data.length, data: data.toString('base64') } : { value: data.toString('utf8') }),
    })
    at = next
  }
  return parts
}

function parseBody(buf, ctype) {
  if (!buf.length) return null
  const type = (ctype || '').split(';')[0].trim().toLowerCase()
  if (type === 'application/json') {
    try { return JSON.parse(buf.toString('utf8')) } catch (_) { return { unparsedJson: buf.toString('utf8') } }
  }
  if (type === 'application/x-www-form-urlencoded') return { ...querystring.parse(buf.toString('utf8')) }
  if (type === 'multipart/form-data') return { multipart: parseMultipart(buf, ctype) }
  return { raw: buf.toString('base64') }
}

async function startRecorder() {
  const requests = []
  const queued = new Map() // path -> [answer…]
  const server = http.createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const u = new URL(req.url, 'http://recorder')
      const query = {}
      for (const [k, v] of u.searchParams) query[k] = k in query ? [].concat(query[k], v) : v
      const ctype = req.headers['content-type']
      requests.push({
        method: req.method,
        path: u.pathname,
        query,
        contentType: ctype ? ctype.split(';')[0].trim().toLowerCase() : null,
        body: parseBody(Buffer.concat(chunks), ctype),
      })
      res.sendDate = false
      const list = queued.get(u.pathname)
      let a = list && list.length ? list.shift() : null
      if (typeof a === 'function') a = a(requests[requests.length - 1])
      if (!a) a = defaultAnswer(u)
      const body = Buffer.isBuffer(a.body) ? a.body : typeof a.body === 'string' ? Buffer.from(a.body) : Buffer.from(JSON.stringify(a.body))
      res.writeHead(a.status || 200, { 'Content-Type': a.type || JSON_TYPE, 'Content-Length': body.length, ...(a.headers || {}) })
      res.end(body)
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${server.address().port}`
  return {
    url,
    requests,
    /** Queue answers for `path`, used in order: `{ status?, type?, headers?, body }` or `(request) => answer`. */
    answer(path, ...answers) {
      queued.set(path, [...(queued.get(path) || []), ...answers])
    },
    /** Requests since the last take, token and ticket fetches left out unless `all`. */
    take(all) {
      const out = requests.splice(0)
      return all ? out : out.filter((r) => !/^\/cgi-bin\/(token|stable_token|ticket\/getticket)$/.test(r.path))
    },
    clear() {
      requests.length = 0
      queued.clear()
    },
    close() {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(resolve))
    },
  }
}

// The same token and tickets for every client, so that what is signed with
// them can be compared; a test that needs new ones queues them.
function defaultAnswer(u) {
  if (u.pathname === '/cgi-bin/token' || u.pathname === '/cgi-bin/stable_token') return { body: { access_token: 'ACCESS_TOKEN', expires_in: 7200 } }
  if (u.pathname === '/cgi-bin/ticket/getticket') return { body: { errcode: 0, errmsg: 'ok', ticket: `TICKET_${u.searchParams.get('type')}`, expires_in: 7200 } }
  if (u.pathname === '/cgi-bin/media/get') return { type: 'image/jpeg', body: Buffer.from('JPEG-BYTES') }
  if (u.pathname === '/cgi-bin/media/uploadvideo') return { body: { type: 'video', media_id: 'MEDIA_ID', created_at: 1700000000 } }
  return { body: { errcode: 0, errmsg: 'ok' } }
}

module.exports = { startRecorder, JSON_TYPE }

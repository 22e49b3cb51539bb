'use strict'
// `wxthirdparty console --db URL [--port N] [--host H]`: the operator console
// until SIGINT / SIGTERM. Tokens come from flags or the environment
// (WXTP_CONSOLE_TOKEN, WXTP_CONSOLE_VIEWER_TOKEN) and are stored hashed.
const { parse, required, port } = require('./args')

const USAGE = `usage: wxthirdparty console --db URL [--port N] [--host H] [--token T] [--viewer-token T]
                            [--component-appid ID]

A web console over the fleet's database: authorizers and their token health,
the platform's tokens and leases, messages, rollouts, the audit log. Reads
the store only (never calls WeChat). Login required.

  --db URL             mysql://, postgres:// or sqlite:// database (the fleet's)
  --port N             port (default 8098; 0 = any free port)
  --host H             address to bind (default 127.0.0.1; another needs --token)
  --token T            the operator's token, user "operator" (or WXTP_CONSOLE_TOKEN); 8+ characters
  --viewer-token T     the viewer's token, user "viewer" (or WXTP_CONSOLE_VIEWER_TOKEN)
  --component-appid ID which platform to show (default: the first in the database)`

module.exports = async function consoleCommand(argv) {
  const v = parse(argv, {
    db: { type: 'string' }, port: { type: 'string', short: 'p' }, host: { type: 'string' },
    token: { type: 'string' }, 'viewer-token': { type: 'string' }, 'component-appid': { type: 'string' },
  }, USAGE)
  if (!v) return
  const token = v.token || process.env.WXTP_CONSOLE_TOKEN || undefined
  const viewerToken = v['viewer-token'] || process.env.WXTP_CONSOLE_VIEWER_TOKEN || undefined
  if (!token && !viewerToken) throw new TypeError(`--token is required (or WXTP_CONSOLE_TOKEN)\n${USAGE}`)
  const { startConsole } = require('../console')
  const c = await startConsole({
    db: required(v, 'db', USAGE),
    port: v.port === undefined ? 8098 : port(v.port, USAGE),
    host: v.host,
    token,
    viewerToken,
    componentAppid: v['component-appid'],
  })
  const alive = setInterval(() => {}, 1 << 30)
  let closing = false
  const stop = () => {
    if (closing) return
    closing = true
    clearInterval(alive)
    c.close().then(() => process.exit(0), () => process.exit(1))
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  console.log(`console listening on ${c.url}`)
}

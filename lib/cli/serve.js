'use strict'
// `wxthirdparty serve --db URL [--port N] [--host H] [--auth-token T] [--admin-token T]`: the
// token service until SIGINT / SIGTERM (graceful: in-flight requests finish).
const { parse, required, port } = require('./args')

const USAGE = `usage: wxthirdparty serve --db URL [--port N] [--host H] [--auth-token T] [--admin-token T]
                          [--api-base URL] [--rate-limit N] [--trusted-proxy A,B] [--allow-open]
                          [--legacy-create-get] [--console --console-token T [--console-viewer-token T]]

Serves access tokens and jsapi tickets of the accounts registered in the
database (wetoken's routes): GET /{appid}/wechat/token/get, /{appid}/wechat/ticket/get,
POST /{appid}/wechat/token/refresh, /healthz, /metrics; with --admin-token,
POST /wechat/app/create and /wechat/platform/create (appid and secret in the body).

  --db URL          mysql://, postgres:// or sqlite:// database (shared with the platform)
  --port N          port (default 8099; 0 = any free port)
  --host H          address to bind (default 127.0.0.1)
  --auth-token T    require Authorization: Bearer T (or WXTP_AUTH_TOKEN; 16+ characters)
  --admin-token T   serve the create routes, to Authorization: Bearer T only
                    (or WXTP_ADMIN_TOKEN; 16+ characters, not the auth token)
  --legacy-create-get  also take wetoken's GET /wechat/app/create?appid=&secret=
                    (puts the secret in URLs and logs: for old scripts only)
  --api-base URL    WeChat's base URL (default https://api.weixin.qq.com; a sandbox URL in tests)
  --rate-limit N    requests per second per client address (default 0: no limit)
  --trusted-proxy A,B  proxy addresses whose X-Forwarded-For names the client (rate limit)
  --allow-open      bind a non-loopback address without an auth token
  --console         also serve the operator console at /console (own login:
                    --console-token T or WXTP_CONSOLE_TOKEN; --console-viewer-token T)`

module.exports = async function serve(argv) {
  const v = parse(argv, {
    db: { type: 'string' }, port: { type: 'string', short: 'p' }, host: { type: 'string' },
    'auth-token': { type: 'string' }, 'admin-token': { type: 'string' }, 'api-base': { type: 'string' }, 'rate-limit': { type: 'string' }, 'trusted-proxy': { type: 'string' },
    'allow-open': { type: 'boolean' }, 'legacy-create-get': { type: 'boolean' },
    console: { type: 'boolean' }, 'console-token': { type: 'string' }, 'console-viewer-token': { type: 'string' },
  }, USAGE)
  if (!v) return
  const rate = v['rate-limit'] === undefined ? undefined : Number(v['rate-limit'])
  if (rate !== undefined && !(Number.isInteger(rate) && rate >= 0)) throw new TypeError(`--rate-limit: expected a non-negative integer\n${USAGE}`)
  let consoleLogins
  if (v.console) {
    const token = v['console-token'] || process.env.WXTP_CONSOLE_TOKEN || undefined
    const viewerToken = v['console-viewer-token'] || process.env.WXTP_CONSOLE_VIEWER_TOKEN || undefined
    if (!token && !viewerToken) throw new TypeError(`--console needs --console-token (or WXTP_CONSOLE_TOKEN)\n${USAGE}`)
    consoleLogins = { token, viewerToken }
  }
  const { startTokenService } = require('../service')
  const svc = await startTokenService({
    db: required(v, 'db', USAGE),
    port: v.port === undefined ? 8099 : port(v.port, USAGE),
    host: v.host,
    authToken: v['auth-token'] || process.env.WXTP_AUTH_TOKEN || undefined,
    adminToken: v['admin-token'] || process.env.WXTP_ADMIN_TOKEN || undefined,
    legacyCreateGet: v['legacy-create-get'],
    apiBase: v['api-base'],
    rateLimit: rate,
    trustedProxies: v['trusted-proxy'] ? v['trusted-proxy'].split(',').map((a) => a.trim()).filter(Boolean) : undefined,
    allowOpen: v['allow-open'],
    console: consoleLogins,
  })
  // The server runs on native threads: this keeps node's loop alive for it.
  const alive = setInterval(() => {}, 1 << 30)
  let closing = false
  const stop = (sig) => {
    if (closing) return
    closing = true
    clearInterval(alive)
    console.log(`${sig}: finishing in-flight requests …`)
    svc.close().then(() => process.exit(0), () => process.exit(1))
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
  // Announced only once the handlers are in place: a supervisor that signals
  // as soon as it reads this line must get the graceful stop.
  console.log(`token service listening on ${svc.url}`)
}

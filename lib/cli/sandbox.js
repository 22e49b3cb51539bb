'use strict'
// `wxthirdparty sandbox [--port N] [--host H] [--push-interval S] [--grace S]`:
// a local WeChat for tests and demos; runs until SIGINT / SIGTERM.
const { startSandbox, connectSandbox } = require('../sandbox')

const USAGE = 'usage: wxthirdparty sandbox [--port N] [--host H] [--push-interval SECONDS] [--grace SECONDS] [--rotate-refresh-tokens]\n' +
  '       wxthirdparty sandbox --release-check COMPONENT_APPID --sandbox URL [--message-url URL]\n' +
  '         plays WeChat\'s release check (全网发布) against the platform\'s message URL ($APPID$ = authorizer appid)'

function parse(argv) {
  const opts = {}
  const number = (flag, v) => {
    const n = Number(v)
    if (v === undefined || !Number.isFinite(n) || n < 0) throw new TypeError(`${flag}: expected a non-negative number\n${USAGE}`)
    return n
  }
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2)
    const value = () => (inline !== undefined ? inline : argv[++i])
    switch (flag) {
      case '--port': case '-p': {
        const port = number(flag, value())
        if (!Number.isInteger(port) || port > 65535) throw new TypeError(`--port: expected 0..65535\n${USAGE}`)
        opts.port = port
        break
      }
      case '--host': opts.host = value(); break
      case '--push-interval': opts.pushIntervalSecs = number(flag, value()); break
      case '--grace': opts.graceSecs = number(flag, value()); break
      case '--rotate-refresh-tokens': opts.rotateRefreshTokens = true; break
      case '--release-check': opts.releaseCheck = value(); break
      case '--sandbox': opts.sandbox = value(); break
      case '--message-url': opts.messageUrl = value(); break
      case '--help': case '-h': console.log(USAGE); return null
      default: throw new TypeError(`unknown option ${argv[i]}\n${USAGE}`)
    }
  }
  return opts
}

/** Runs the release check on a running sandbox; exit code 1 when a case fails. */
async function releaseCheck(opts) {
  if (!opts.releaseCheck || !opts.sandbox) throw new TypeError(`--release-check needs a component appid and --sandbox URL\n${USAGE}`)
  const sb = connectSandbox(opts.sandbox)
  if (opts.messageUrl) await sb.setMessageUrl(opts.releaseCheck, opts.messageUrl)
  const report = await sb.runReleaseCheck(opts.releaseCheck)
  for (const c of report.cases) {
    console.log(`${c.passed ? 'PASS' : 'FAIL'}  ${c.authorizerAppid}  ${c.case}${c.reason ? `: ${c.reason}` : ''}`)
  }
  console.log(report.passed ? 'release check passed' : 'release check FAILED')
  if (!report.passed) process.exitCode = 1
  return report
}

module.exports = async function sandbox(argv) {
  const opts = parse(argv || [])
  if (!opts) return
  if (opts.releaseCheck !== undefined) return releaseCheck(opts)
  const sb = await startSandbox(opts)
  // The native server does not hold the event loop; this timer does, until a signal.
  const keepAlive = setInterval(() => {}, 1 << 30)
  // Handlers first, then the announcement: a supervisor that signals as soon
  // as it reads the URL gets the graceful stop.
  const stopped = new Promise((resolve) => {
    const stop = (signal) => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      console.log(`\nwxthirdparty sandbox: ${signal}, stopping`)
      resolve()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  // sb.url names 127.0.0.1 for a wildcard bind (what local clients use): say where it really listens.
  const bound = opts.host ? `${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${sb.port}` : new URL(sb.url).host
  const local = !opts.host || opts.host === 'localhost' || /^127\./.test(opts.host) || opts.host === '::1'
  console.log(`wxthirdparty sandbox listening on http://${bound}${bound === new URL(sb.url).host ? '' : ` (local clients: ${sb.url})`}`)
  if (!local) {
    console.error(`WARNING: the sandbox's control API (/__sandbox) has no authentication: anyone who can reach ${bound}`)
    console.error('         can mint tokens, read messages and change its state. Bind 127.0.0.1 unless that is intended.')
  }
  console.log(`  WeChat API base:  ${sb.url}   (apiBase / WXTHIRDPARTY_API_BASE)`)
  console.log(`  control API:      ${sb.url}/__sandbox   (or connectSandbox('${sb.url}'))`)
  console.log(`  mini programs:    authorize(component, { miniProgram: true }); reviewer per app at POST ${sb.url}/__sandbox/wxa/reviewer`)
  console.log(`                    (verdict pass | fail | delay | manual), quota /wxa/quota, lost events /wxa/lose_events,`)
  console.log(`                    fast registration /wxa/fast_register; state at GET /__sandbox/wxa/app?appid=, /wxa/events`)
  console.log(`                    privacy detection after a commit: ${(await sb.config()).wxaPrivacyCheckSecs} s (updateConfig wxaPrivacyCheckSecs)`)
  console.log('  Ctrl-C to stop')
  await stopped
  clearInterval(keepAlive)
  await sb.close()
}

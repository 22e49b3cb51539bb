'use strict'
// wechat-api and wechat-oauth hand a callback WeChat's answer beside the
// result: urllib's `res`, and WeChat's JSON beside an error. The native side
// collects them for callback callers (src/node/wechat_answer.rs); these shape them.

/** urllib's `res` from the native answer's meta. */
function response(meta, data, started) {
  if (!meta) return undefined
  return {
    status: meta.status, statusCode: meta.status, headers: meta.headers, size: meta.size, aborted: false,
    rt: Date.now() - started, data, timing: null, remoteAddress: meta.remoteAddress, remotePort: meta.remotePort == null ? '' : meta.remotePort,
  }
}

/** Takes `{data, res}` off a native error (undefined when WeChat did not answer). */
function takeAnswer(err) {
  const a = err && err.wxAnswer
  if (a) delete err.wxAnswer
  return a
}

module.exports = { response, takeAnswer }

'use strict'
// `require('wxthirdparty/wechat')` in node-webot wechat's shape:
// `wechat(config, handler)` is the middleware for an account's message URL
// (config: the token, or `{token, appid, encodingAESKey}`). Handlers written
// for node-webot, `(req, res, next)` with `req.weixin` and `res.reply()`,
// run as messages() runs them.
const { messages } = require('./lib/messages')

module.exports = function wechat(config, handler) {
  return messages(config, handler)
}

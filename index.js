'use strict'
// Public entry: each capability lives in lib/; this file only gathers them.
module.exports = {
  ...require('./lib/crypto'),
  ...require('./lib/errors'),
  ...require('./lib/oauth'),
  messages: require('./lib/messages').messages,
  ...require('./lib/sandbox'),
  ...require('./lib/server'),
  ...require('./lib/service'),
  startConsole: require('./lib/console').startConsole,
  ...require('./lib/api'),
}

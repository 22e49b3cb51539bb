'use strict'
// `require('wxthirdparty/oauth')` is wechat-oauth's module: the OAuth constructor.
module.exports = require('./lib/oauth').OAuth

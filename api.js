'use strict'
// `require('wxthirdparty/api')` is wechat-api's module: the API constructor.
module.exports = require('./lib/api').API

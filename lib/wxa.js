'use strict'
// ThirdpartyServer's own mini-program methods (代小程序实现业务, platform
// side): the code template library, fast registration, the platform's domain
// lists. One method per row of the native platform table
// (src/api/endpoints/wxa_platform.rs), called with the component_access_token;
// arguments are checked natively before anything is sent.
const { binding, settle, splitCallback } = require('./native')

const plain = (v) => (v === undefined ? null : v)

/** The platform's rows: name -> { params, fields, path }. */
const PLATFORM = new Map(binding.wxaPlatformTable().map((m) => [m.name, m]))

const methods = {
  /**
   * /cgi-bin/component/clear_quota/v2: resets the platform's API quota (or,
   * given an authorizer's appid, that authorizer's) with the AppSecret, for
   * when no token can be had.
   */
  clearComponentQuotaV2(...all) {
    const [args, cb] = splitCallback(all)
    if (args[0] != null && (typeof args[0] !== 'string' || args[0] === '')) throw new TypeError('appid: must be a non-empty string')
    return settle(this._core().then((n) => n.wxaPlatformCall('clearComponentQuotaV2', [plain(args[0])])), cb)
  },
}

for (const name of PLATFORM.keys()) {
  methods[name] = function (...all) {
    const [args, cb] = splitCallback(all)
    return settle(this._core().then((n) => n.wxaPlatformCall(name, args.map(plain))), cb)
  }
}

module.exports = (ThirdpartyServer) => Object.assign(ThirdpartyServer.prototype, methods)
module.exports.PLATFORM_METHODS = PLATFORM

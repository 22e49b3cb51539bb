'use strict'
// What node-webot wechat's `res.reply(content)` means, in buildReply's
// vocabulary: the same content gives the same reply XML (CreateTime aside).

const DEVICE = new Set(['device_text', 'device_event'])

/** The reply to `message` for `content` as node-webot reads it; '' for none. */
function webotReply(content, message) {
  // node-webot answers an empty body for any falsy content, devices included.
  if (!content) return ''
  if (DEVICE.has(message.MsgType)) return deviceReply(content, message)
  if (Array.isArray(content)) return content
  if (typeof content === 'object') {
    // node-webot: an object with a type is that type, any other object is music.
    if (!Object.hasOwn(content, 'type')) return { type: 'music', content }
    const r = { type: content.type }
    if (content.content) r.content = content.content
    if (content.HardWare) r.HardWare = content.HardWare
    return r
  }
  return String(content)
}

/** A device's message is answered to that device and session, content in base64. */
function deviceReply(content, message) {
  const base = {
    deviceType: message.DeviceType || '',
    deviceID: message.DeviceID || '',
    sessionID: digits(message.SessionID),
  }
  if (message.Event === 'subscribe_status' || message.Event === 'unsubscribe_status') {
    return { type: 'device_status', ...base, deviceStatus: digits(content) }
  }
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(String(content))
  const r = { type: message.MsgType, ...base, content: bytes.toString('base64') }
  if (message.MsgType === 'device_event') r.event = message.Event || ''
  return r
}

/** A number as WeChat's device fields take it; node-webot's 0 for anything else. */
const digits = (v) => {
  const s = String(v === undefined || v === null ? '' : v).trim()
  return /^\d+$/.test(s) ? s : '0'
}

/** `res.transfer2CustomerService(kfAccount?)`. */
function transferReply(kfAccount) {
  return { type: 'transfer_customer_service', content: typeof kfAccount === 'string' ? { kfAccount } : {} }
}

module.exports = { webotReply, transferReply }

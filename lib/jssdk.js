'use strict'
// JS-SDK config and card_ext, signed as wechat-api signs them, with a ticket
// from wherever the caller keeps it (its registerTicketHandle store, or the
// native ticket cell): a sha1 over a short string belongs on this side.
const crypto = require('crypto')

/** wechat-api's Ticket: `{ticket, expireTime}` with isValid(); callable without `new`. */
function Ticket(ticket, expireTime) {
  if (!(this instanceof Ticket)) return new Ticket(ticket, expireTime)
  this.ticket = ticket
  this.expireTime = expireTime
}
Ticket.prototype.isValid = function () {
  return !!this.ticket && Date.now() < this.expireTime
}

const nonce = () => Math.random().toString(36).slice(2, 17)
const timestamp = () => String(Math.floor(Date.now() / 1000))
const sha1 = (s) => crypto.createHash('sha1').update(s).digest('hex')

/** getJsConfig's `{url, jsApiList, debug?, beta?}`: a TypeError naming what is wrong. */
function checkJsConfigParam(param) {
  if (param === null || typeof param !== 'object') throw new TypeError('param: must be an object {url, jsApiList}')
  if (typeof param.url !== 'string' || param.url === '') throw new TypeError('param.url: must be the page URL')
}

/** A card `{card_id, code?, openid?, balance?}`. */
function checkCardParam(param, name = 'param') {
  if (param === null || typeof param !== 'object') throw new TypeError(`${name}: must be an object {card_id, code?, openid?}`)
  if (param.card_id === undefined || param.card_id === null || param.card_id === '') throw new TypeError(`${name}.card_id: must be the card id`)
}

/**
 * getJsConfig's answer. The signature covers the URL without its #fragment,
 * as WeChat's JS-SDK checks it (wechat-api signs the fragment too, and the
 * page then fails `config` with "invalid signature").
 */
function jsConfig(appid, ticket, param) {
  checkJsConfigParam(param)
  const nonceStr = nonce()
  const ts = timestamp()
  const url = param.url.split('#')[0]
  const result = {
    debug: param.debug,
    appId: appid,
    timestamp: ts,
    nonceStr,
    signature: sha1(`jsapi_ticket=${ticket}&noncestr=${nonceStr}&timestamp=${ts}&url=${url}`),
    jsApiList: param.jsApiList,
  }
  if (param.beta) result.beta = param.beta // WeChat hardware pages: wx.invoke
  return result
}

/** getCardExt's answer: signed over the sorted values, as wechat-api signs it. */
function cardExt(ticket, param) {
  checkCardParam(param)
  const ts = timestamp()
  const values = [ticket, param.card_id, ts, param.code || '', param.openid || '', param.balance || ''].sort()
  const result = { timestamp: ts, signature: sha1(values.join('')), code: param.code || '', openid: param.openid || '' }
  if (param.balance) result.balance = param.balance
  return result
}

module.exports = { Ticket, jsConfig, cardExt, checkJsConfigParam, checkCardParam }

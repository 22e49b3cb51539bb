'use strict'
// node-webot wechat's `req.wxsession`: one session per user and account
// (`FromUserName:ToUserName`) in the app's express-session store
// (`req.sessionStore`), beside the browser session `req.session`.

class Session {
  constructor(id, req, data) {
    Object.defineProperty(this, 'id', { value: id })
    Object.defineProperty(this, 'req', { value: req })
    if (data) Object.assign(this, data)
  }

  save(callback) {
    this.req.sessionStore.set(this.id, this, callback || (() => {}))
    return this
  }

  destroy(callback) {
    delete this.req.wxsession
    this.req.sessionStore.destroy(this.id, callback || (() => {}))
    return this
  }
}

/** Sets `req.wxsession` from the store (a new one when the store has none). */
function load(req, message) {
  const id = `${message.FromUserName}:${message.ToUserName}`
  return new Promise((resolve, reject) => {
    req.sessionStore.get(id, (err, data) => {
      if (err) return reject(err)
      // Stores that keep only plain values give the cookie's expiry as a string.
      if (data && data.cookie && typeof data.cookie.expires === 'string') data.cookie.expires = new Date(data.cookie.expires)
      req.wxsession = new Session(id, req, data || undefined)
      if (!data && req.session) req.wxsession.cookie = req.session.cookie
      resolve()
    })
  })
}

/** Saves `req.wxsession` (if the handler kept it); a failure rejects. */
function save(req) {
  if (!req.wxsession || !req.sessionStore) return Promise.resolve()
  return new Promise((resolve, reject) => req.wxsession.save((err) => (err ? reject(err) : resolve())))
}

module.exports = { Session, load, save }

// The handlers mount on Express, Koa and node's http server as their own
// types (@types/express, @types/koa) see them; hooks, preRequest and
// setOpts take what the original libraries' users pass.
import express = require('express')
import Koa = require('koa')
import http = require('http')
import { ThirdpartyServer, OAuth, messages, InboundMessage } from '../..'

async function mount(platform: ThirdpartyServer): Promise<void> {
  const app = express()
  app.post('/auth', platform.middleware())
  app.post('/wechat/:appid/callback', platform.messages((m: InboundMessage) => `echo ${m.Content}`))
  app.use('/own', messages('token', () => undefined))

  const koa = new Koa()
  koa.use(platform.middleware())
  koa.use(platform.messages(() => 'success'))

  http.createServer(platform.middleware()).listen(0)
  http.createServer(platform.messages({ text: (m) => m.Content ?? '' })).listen(0)
  // @ts-expect-error not a request handler's arguments
  platform.middleware()('GET /', 200)

  const client = await platform.createClient('wx1')
  client.hooks.getUser = {
    before(openid: string, next: (err?: Error | null) => void) { next(openid ? null : new Error('no openid')) },
    after(err, data, next) { next(err, data) },
  }
  client.preRequest(function (a: number, callback: (err: Error | null, n?: number) => void) { callback(null, a + 1) }, [1, (err: Error | null, n?: number) => console.log(err, n)])

  const oauth = new OAuth('wx1', 'secret', { db: 'sqlite::memory:' })
  oauth.setOpts({ timeout: 5000 })
}

void mount

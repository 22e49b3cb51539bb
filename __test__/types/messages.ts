// The README's message-URL calls type-check against index.d.ts.
import { ThirdpartyServer, messages, startSandbox, InboundMessage, PlatformMessageContext } from '../..'
// eslint-disable-next-line @typescript-eslint/no-var-requires
const express: any = require('express')

async function platformMessages(platform: ThirdpartyServer): Promise<void> {
  const app = express()
  const handler = platform.messages(async (message: InboundMessage, ctx: PlatformMessageContext) => {
    if (message.MsgType === 'text') return `you said ${message.Content}`
    if (message.Event === 'subscribe') {
      const user = await ctx.client.getUser(message.FromUserName)
      return [{ title: `welcome ${user.nickname}`, description: 'd', picUrl: 'http://p/1.jpg', url: 'http://u/1' }]
    }
    return undefined
  }, { timeout: 4500, releaseCheck: true })
  handler.on('reply_failed', (err: Error) => console.error(err.message))
  handler.on('unknown_authorizer', (info) => console.warn(info.appid))
  // @ts-expect-error a misspelt event name
  handler.on('unknown_authoriser', () => {})
  app.post('/wechat/:appid/callback', handler)

  platform.messages({
    text: (m) => `echo ${m.Content}`,
    image: (m) => ({ type: 'image', content: { mediaId: m.MediaId ?? '' } }),
    event: { subscribe: () => 'welcome', CLICK: (m) => `menu ${m.EventKey}` },
    default: () => 'success',
  }, { appid: (req) => String(req.headers['x-appid']) })
}

async function ownServer(): Promise<void> {
  const app = express()
  app.use('/wechat', messages({ token: 't', encodingAESKey: 'a'.repeat(43), appid: 'wx1' }, (message) => `own server ${message.Content}`))
  // @ts-expect-error messages() calls (message, ctx): node-webot handlers go through wxthirdparty/wechat
  messages('t', (req: { weixin: InboundMessage }, res: { reply(x: string): void }, next: () => void) => res.reply('x'))
  const h = messages('token', (message: InboundMessage) => `plain ${message.Content}`)
  await h.close()
}

async function sandboxMessages(): Promise<void> {
  const sb = await startSandbox({ messageTimeoutSecs: 5 })
  await sb.registerComponent({ appid: 'wxc', secret: 's', token: 't', encodingAESKey: 'a'.repeat(43), messageUrl: 'http://127.0.0.1:3000/wechat/$APPID$/callback' })
  const d = await sb.sendMessage('wxauthorizer', { MsgType: 'event', Event: 'subscribe' })
  const content: string | undefined = d.reply ? d.reply.Content : undefined
  const report = await sb.runReleaseCheck('wxc')
  const failed = report.cases.filter((c) => !c.passed).map((c) => `${c.case}: ${c.reason}`)
  console.log(content, failed)
}

void platformMessages
void ownServer
void sandboxMessages

// `require('wxthirdparty/wechat')`: node-webot wechat's middleware function,
// `wechat(config, handler)` for an account's own message URL.
import { AccountMessagesConfig, MessageHandler, MessageContext, MessagesRequestHandler } from './index'
declare function wechat(config: AccountMessagesConfig | string, handler: MessageHandler<MessageContext>): MessagesRequestHandler & { close(): Promise<void> }
export = wechat

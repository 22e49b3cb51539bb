// `require('wxthirdparty/wechat')`: node-webot wechat 2.1's module. A
// function handler is called `(req, res, next)`; per-type handlers (chained,
// `wechat.text(fn)`, a routing object) `(message, req, res, next)`.
import {
  AccountMessagesConfig, InboundMessage, MessagesOptions, MessagesRequestHandler,
  WebotHandler, WebotTypeHandler, WebotReply,
} from './index'

declare namespace wechat {
  interface Config extends AccountMessagesConfig {
    /** false: plain-mode requests are not signature-checked (node-webot's option; safe mode always is). */
    checkSignature?: boolean
  }

  type Middleware = MessagesRequestHandler & { close(): Promise<void> }

  /** A routing object: per-MsgType handlers, `event` by Event, `default` for the rest. */
  interface Routes {
    event?: WebotTypeHandler | { [event: string]: WebotTypeHandler | undefined; default?: WebotTypeHandler }
    default?: WebotTypeHandler
    [msgType: string]: WebotTypeHandler | { [event: string]: WebotTypeHandler | undefined } | undefined
  }

  /** node-webot's handler object: chain per-type handlers, then `middlewarify()`. */
  interface Handler {
    text(fn: WebotTypeHandler): this
    image(fn: WebotTypeHandler): this
    voice(fn: WebotTypeHandler): this
    video(fn: WebotTypeHandler): this
    shortvideo(fn: WebotTypeHandler): this
    location(fn: WebotTypeHandler): this
    link(fn: WebotTypeHandler): this
    event(fn: WebotTypeHandler): this
    hardware(fn: WebotTypeHandler): this
    device_text(fn: WebotTypeHandler): this
    device_event(fn: WebotTypeHandler): this
    setHandler(type: string, fn: WebotTypeHandler): this
    getHandler(type: string): WebotTypeHandler | WebotHandler | undefined
    setToken(config: Config | string): this
    middlewarify(options?: MessagesOptions): Middleware
  }

  /** node-webot's reply menus: `List.add('menu', [['{a} apple', 'you chose apple'], ['{b} banana', handler]])`. */
  class List {
    name: string
    description: string
    get(key: string): string | WebotTypeHandler | WebotHandler | undefined
    static add(name: string, items: Array<[string, string | WebotTypeHandler | WebotHandler]>, head?: string, delimiter?: string, foot?: string): void
    static get(name: string): List | undefined
    static clear(): void
  }

  /** node-webot's event table: `wechat(config).event(Event.dispatch(new Event().add('CLICK', fn)))`. */
  class Event {
    add(event: string, callback: WebotTypeHandler): this
    static dispatch(events: Event): WebotTypeHandler
  }

  function text(fn: WebotTypeHandler): Handler
  function image(fn: WebotTypeHandler): Handler
  function voice(fn: WebotTypeHandler): Handler
  function video(fn: WebotTypeHandler): Handler
  function shortvideo(fn: WebotTypeHandler): Handler
  function location(fn: WebotTypeHandler): Handler
  function link(fn: WebotTypeHandler): Handler
  function event(fn: WebotTypeHandler): Handler
  function hardware(fn: WebotTypeHandler): Handler
  function device_text(fn: WebotTypeHandler): Handler
  function device_event(fn: WebotTypeHandler): Handler
  /** The reply XML node-webot's `res.reply(content)` sends (CreateTime in seconds). */
  function reply(content: WebotReply, fromUsername: string, toUsername: string, message?: Partial<InboundMessage>): string
  function reply2CustomerService(fromUsername: string, toUsername: string, kfAccount?: string): string
  /** `signature` of a plain-mode query against the token (constant time). */
  function checkSignature(query: { signature?: string; timestamp?: string; nonce?: string }, token: string): boolean
}

/** A Handler to chain (`wechat(config).text(fn)…middlewarify()`). */
declare function wechat(config: wechat.Config | string): wechat.Handler
/** The middleware for an account's own message URL. */
declare function wechat(config: wechat.Config | string, handler: WebotHandler | wechat.Handler | wechat.Routes, options?: MessagesOptions): wechat.Middleware
export = wechat

// Type definitions for wxthirdparty.
import { EventEmitter } from 'events'
// Every async method takes an optional node-style callback as its last
// argument and returns a Promise when none is given.

/** A WeChat errcode turned into an Error (as wechat-api does). */
export interface WeChatAPIError extends Error {
  name: 'WeChatAPIError'
  /** WeChat's errcode */
  code: number
}

export type Callback<T> = (err: Error | null, result?: T) => void

// ---- crypto and messages (WXBizMsgCrypt, WXBizDataCrypt, parseMessage, buildReply) ----

// ---- sandbox (startSandbox) ----

// ---- ThirdpartyServer ----

/** An authorizer (official account) as the original wxthirdparty returned it. */
export interface AuthorizerInfo {
  /** Random (CSPRNG) token naming this authorizer; put it in a cookie. */
  wx_token: string
  appid: string
  access_token: string
  access_token_updated_at: Date
  /** When access_token expires (a Date, as in the original). */
  access_token_expires_in: Date
  refresh_token: string | null
  nick_name: string | null
  head_img: string | null
  service_type_id: number | null
  verify_type_info: number | null
  user_name: string | null
  alias: string | null
  func_info: unknown
  authorized: boolean
}

export interface ComponentSecrets {
  ticket: string
  preauthcode: string
  access_token: string
}

export type DbConfig = string | { read?: string; write: string }

export interface ThirdpartyServerOptions {
  /** WeChat base URL (default https://api.weixin.qq.com, or WXTHIRDPARTY_API_BASE). */
  apiBase?: string
  /** Workers take over refreshing when no master holds the lease. */
  failover?: boolean
  /** Database pool size (default 5). */
  poolSize?: number
  /** Longest sleep of the master's refresh loop, ms (default 30000). */
  maxTickMs?: number
  /** How often workers re-read readiness from the store, ms (default 1000). */
  pollIntervalMs?: number
  /** Refresh when less than this share of a token's lifetime is left (default 0.05). */
  refreshAheadRatio?: number
  /** How long a refresher holds the fleet-wide lease, ms (default 10000). */
  leaseTtlMs?: number
  /** How long a caller waits for another process's refresh, ms (default 10000). */
  waitTimeoutMs?: number
  /** How long a pushed ticket is trusted, ms (default 12 h). */
  ticketMaxAgeMs?: number
  /** Least time between two api_start_push_ticket requests, ms (default 60000). */
  pushTicketIntervalMs?: number
  /** Authorizer tokens the master refreshes concurrently (default 16). */
  authorizerBatch?: number
}

export interface AuthorizeUrlOptions {
  /** Mobile (bindcomponent, inside WeChat) instead of the PC login page. */
  mobile?: boolean
  /** 1 official accounts, 2 mini programs, 3 both. */
  authType?: number
  bizAppid?: string
}

/** Hooks around an API method, as in the original wxthirdparty. */
export interface ClientHook {
  before?: (...argsThenNextAndTemp: any[]) => void
  after?: (err: Error | null, data: any, next: (err?: Error | null, data?: any) => void, temp: Record<string, any>) => void
}

/**
 * The official-account API acting for one account: wechat-api 1.35's method
 * names and arguments; callbacks are `(err, data, res)`; without a callback
 * a Promise of `data`.
 */
export interface Client {
  readonly appid: string
  hooks: Record<string, ClientHook>
  /** Any table-driven method by name. */
  invoke(method: string, args: unknown[], callback?: (err: Error | null, data?: any) => void): Promise<any> | void
  getUser(options: string | { openid: string; lang?: string }, callback?: (err: Error | null, data?: any) => void): Promise<any>
  batchGetUsers(openids: string[], callback?: (err: Error | null, data?: any) => void): Promise<any>
  getFollowers(nextOpenid?: string | ((err: Error | null, data?: any) => void), callback?: (err: Error | null, data?: any) => void): Promise<any>
  updateRemark(openid: string, remark: string, callback?: (err: Error | null, data?: any) => void): Promise<any>
  sendText(openid: string, text: string, callback?: (err: Error | null, data?: any) => void): Promise<any>
  createMenu(menu: object, callback?: (err: Error | null, data?: any) => void): Promise<any>
  getMenu(callback?: (err: Error | null, data?: any) => void): Promise<any>
  removeMenu(callback?: (err: Error | null, data?: any) => void): Promise<any>
  getTicket(type?: 'jsapi' | 'wx_card', callback?: (err: Error | null, data?: { ticket: string; expireTime: number }) => void): Promise<{ ticket: string; expireTime: number }>
  getJsConfig(param: { debug?: boolean; jsApiList?: string[]; url: string }, callback?: (err: Error | null, data?: any) => void): Promise<{ debug: boolean; appId: string; timestamp: string; nonceStr: string; signature: string; jsApiList: string[] }>
  getLatestToken(callback?: (err: Error | null, data?: { accessToken: string; expireTime: number }) => void): Promise<{ accessToken: string; expireTime: number }>
  /** The rest of wechat-api's table-driven methods (tags, groups, qrcodes, materials, custom service, …). */
  [method: string]: any
}

/**
 * The third-party platform. Drop-in for the npm `wxthirdparty`:
 * `new ThirdpartyServer(appid, appsecret, token, encodingAESKey, db, isCluster)`.
 *
 * Events: `ready`, `not_ready`, `outdated`, `db_error` (Error), `end` (secrets),
 * `ticket`, `authorized` / `updateauthorized` / `unauthorized` ({appid}),
 * `refresh_failed` (Error with `code`, `tokenKind`), `push_rejected` (Error).
 */
export class ThirdpartyServer extends EventEmitter {
  constructor(appid: string, appsecret: string, token: string, encodingAESKey: string, db: DbConfig, isCluster?: boolean, options?: ThirdpartyServerOptions)
  readonly component_appid: string
  readonly is_cluster: boolean
  ready: boolean
  db_ready: boolean
  ticket_ready: boolean
  access_token_ready: boolean
  preauthcode_ready: boolean

  // original surface
  start(): this
  check_ready(): boolean
  save_ticket(xml: string | Buffer, query?: Record<string, string> | null, callback?: (err: Error | null, message?: Record<string, any>) => void): Promise<Record<string, any>> | void
  secrets(callback: (result: ComponentSecrets | 'not_ready' | 'outdated' | Error) => void): this
  secrets(): Promise<ComponentSecrets | 'not_ready' | 'outdated'>
  fetch_user_info(auth_code: string, callback: (err: Error | null, user?: AuthorizerInfo) => void): void
  fetch_user_info(auth_code: string): Promise<AuthorizerInfo>
  get_user_info(wx_token: string, callback: (err: Error | 'not exist' | null, user?: AuthorizerInfo) => void): void
  get_user_info(wx_token: string): Promise<AuthorizerInfo>
  /** Calls back with WeChat's answer as JSON text, as the original did. */
  refresh_token(appid: string, refresh_token: string, callback: (err: Error | null, data?: string) => void): void
  refresh_token(appid: string, refresh_token: string): Promise<string>
  createClient(user: AuthorizerInfo | { appid: string } | string): Client
  check_ticket(callback?: (err: Error | null, ready?: boolean) => void): Promise<boolean> | void
  refresh_secrets(): this
  get_access_token(callback?: (err: Error | null, token?: string) => void): Promise<string> | void
  get_preauthcode(callback?: (err: Error | null, code?: string) => void): Promise<string> | void
  set_db(config: DbConfig, callback?: (err: Error | null) => void): Promise<void> | void

  // modern surface
  getComponentAccessToken(callback?: Callback<string>): Promise<string>
  getPreAuthCode(callback?: Callback<string>): Promise<string>
  getAuthorizeUrl(redirectUri: string, opts?: AuthorizeUrlOptions, callback?: Callback<string>): Promise<string>
  handleAuthCode(code: string, callback?: Callback<AuthorizerInfo>): Promise<AuthorizerInfo>
  getAuthorizer(appidOrWxToken: string, callback?: Callback<AuthorizerInfo>): Promise<AuthorizerInfo>
  getAuthorizerAccessToken(appid: string, callback?: Callback<string>): Promise<string>
  handleEvent(body: string | Buffer, query?: { timestamp: string; nonce: string; msg_signature: string } | null, callback?: Callback<Record<string, any>>): Promise<Record<string, any>>
  /** Handler for the authorization-event URL: `http.createServer(h)`, Express `app.post(path, h)`, Koa `app.use(h)`. */
  middleware(opts?: { requireSignature?: boolean }): (...args: any[]) => any
  /** Stops timers and pools so the process can exit. */
  close(callback?: (err: Error | null) => void): Promise<void>
}

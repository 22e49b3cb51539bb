// Type definitions for wxthirdparty.
/// <reference types="node" />
import { EventEmitter } from 'events'
// Every async method takes an optional node-style callback as its last
// argument and returns a Promise when none is given.

// ---- errors: every error the package raises is one of these classes (or a
// TypeError naming the bad argument), so `err instanceof WeChatAPIError` works.

/** The base of the package's own errors. */
export class WxThirdpartyError extends Error {
  code?: number
}
/** A WeChat errcode turned into an Error (as wechat-api does). */
export class WeChatAPIError extends WxThirdpartyError {
  name: 'WeChatAPIError'
  /** WeChat's errcode */
  code: number
}
/** Signature, padding, length or appid check failed. */
export class CryptoError extends WxThirdpartyError { name: 'CryptoError' }
/** Malformed or oversized XML / JSON. */
export class ParseError extends WxThirdpartyError { name: 'ParseError' }
/** The database failed (the message never carries the password). */
export class StoreError extends WxThirdpartyError { name: 'StoreError' }
/** Network trouble talking to WeChat: timeouts, resets, HTTP 5xx. */
export class TransportError extends WxThirdpartyError { name: 'TransportError' }
/** A token or ticket is not available yet. */
export class NotReadyError extends WxThirdpartyError { name: 'NotReadyError' }
/** The authorizer revoked its authorization. */
export class RevokedError extends WxThirdpartyError { name: 'RevokedError' }
/** No such authorizer or record. */
export class NotFoundError extends WxThirdpartyError { name: 'NotFoundError' }

export type Callback<T> = (err: Error | null, result?: T) => void

// ---- crypto and messages (WXBizMsgCrypt, WXBizDataCrypt, parseMessage, buildReply) ----

/** A parsed push, event or message: WeChat's field names; leaves are strings,
 * nested groups objects, repeated elements arrays. */
export interface WeChatMessage {
  [field: string]: string | WeChatMessage | Array<string | WeChatMessage>
}

export interface ParseOptions {
  /** Inputs over this many bytes are refused (default 1 MB). */
  maxBytes?: number
}

/** The query WeChat sends with an encrypted push or message. */
export interface SignatureQuery {
  timestamp: string | number
  nonce: string | number
  msg_signature: string
}

/** The query of WeChat's server URL verification (GET). */
export interface VerifyUrlQuery {
  timestamp: string | number
  nonce: string | number
  echostr: string
  /** plain mode: sha1(token, timestamp, nonce) */
  signature?: string
  /** encrypted mode: sha1(token, timestamp, nonce, echostr); echostr is encrypted */
  msg_signature?: string
}

/** wechat-crypto compatible, plus envelope helpers. Errors: TypeError (arguments),
 * CryptoError (signature, padding, length, appid), ParseError (XML). */
export class WXBizMsgCrypt {
  constructor(token: string, encodingAESKey: string, appid: string, options?: ParseOptions)
  readonly token: string
  /** the appid (wechat-crypto's name) */
  readonly id: string
  readonly appid: string
  getSignature(timestamp: string | number, nonce: string | number, encrypt: string): string
  /** constant-time; hex case does not matter */
  verifySignature(signature: string, timestamp: string | number, nonce: string | number, encrypt: string): boolean
  encrypt(message: string): string
  /** checks padding, length and that id === appid */
  decrypt(encrypted: string): { message: string; id: string }
  /** `<Encrypt>` envelope → parsed message; checks msg_signature when `query` is given */
  decryptMessage(xml: string | Buffer, query?: SignatureQuery): WeChatMessage
  /** reply XML → `<xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>`; defaults: now, random nonce */
  encryptMessage(xml: string | Buffer, timestamp?: string | number, nonce?: string | number): string
  /** → the echostr to answer with (decrypted in encrypted mode) */
  verifyUrl(query: VerifyUrlQuery): string
}

/** Mini-program user data (AES-128-CBC, session_key); checks watermark.appid. */
export class WXBizDataCrypt {
  constructor(appid: string, sessionKey: string)
  readonly appId: string
  decryptData(encryptedData: string, iv: string): { watermark: { appid: string; timestamp: number }; [key: string]: any }
}

export interface NewsArticle {
  title?: string
  description?: string
  picUrl?: string
  /** wechat's spelling, also accepted */
  picurl?: string
  url?: string
}

/** Reply shapes (as node-webot wechat's res.reply): a string is text, an array is news. */
export type Reply =
  | string
  | NewsArticle[]
  | { type: 'text'; content: string }
  | { type: 'image' | 'voice'; content: { mediaId: string } }
  | { type: 'video'; content: { mediaId: string; title?: string; description?: string } }
  | { type: 'music'; content: { title?: string; description?: string; musicUrl: string; hqMusicUrl?: string; thumbMediaId?: string } }
  | { type: 'news'; content: NewsArticle[] }
  | { type: 'transfer_customer_service' | 'customerService'; content?: { kfAccount?: string }; kfAccount?: string }

/** WeChat XML → object with WeChat's field names (no DTD, no entity expansion; size-capped). */
export function parseMessage(xml: string | Buffer, options?: ParseOptions): WeChatMessage
/** The passive reply XML to `message` (ToUserName/FromUserName swapped, CreateTime now). */
export function buildReply(message: WeChatMessage, reply: Reply): string
/** A generic `<xml>` of `fields` (strings as CDATA, objects nested, arrays repeated). */
export function buildXml(fields: Record<string, unknown>): string

// ---- sandbox (startSandbox) ----

/** Lifetimes in seconds per kind of credential (defaults: WeChat's). */
export interface SandboxLifetimes {
  componentAccessToken?: number // 7200
  preAuthCode?: number // 1800
  authorizerAccessToken?: number // 7200
  accessToken?: number // 7200
  ticket?: number // 7200
  oauth?: number // 7200
  authCode?: number // 3600
  oauthCode?: number // 300
  oauthRefreshToken?: number // 30 days
}

export interface SandboxOptions {
  /** Default '127.0.0.1'. */
  host?: string
  /** 0 (default) = any free port. */
  port?: number
  lifetimes?: SandboxLifetimes
  /** How long a token stays valid after a newer one is issued (WeChat: 300). */
  graceSecs?: number
  /** How recent a pushed component_verify_ticket must be for api_component_token (WeChat: 43200). */
  ticketMaxAgeSecs?: number
  /** api_authorizer_token hands out a new refresh token and voids the old one. */
  rotateRefreshTokens?: boolean
  /** Push a ticket to every component with a pushUrl this often (WeChat: 600); off by default. */
  pushIntervalSecs?: number | null
  /** Page size of /cgi-bin/user/get (WeChat: 10000). */
  followersPageSize?: number
  /** Followers of an account not given a count (3). */
  defaultFollowers?: number
}

export type SandboxConfig = Required<Omit<SandboxOptions, 'lifetimes'>> & { lifetimes: Required<SandboxLifetimes> }

export interface SandboxComponent {
  appid: string
  secret: string
  token: string
  encodingAESKey: string
  /** The platform's 授权事件接收URL; pushes go here. */
  pushUrl?: string
}

export interface SandboxAuthorizeOptions {
  /** The authorizer's appid; generated when absent. An authorized appid is re-authorized (updateauthorized). */
  appid?: string
  nickName?: string
  /** Number of followers to generate. */
  followers?: number
  /** funcscope_category ids. */
  funcInfo?: number[]
  /** service_type_info.id: 0 subscription, 1 upgraded, 2 service account (default). */
  serviceType?: number
  /** verify_type_info.id: -1 unverified, 0 WeChat verified (default), … */
  verifyType?: number
  /** Authorize with this pre_auth_code (must be valid); one is issued otherwise. */
  preAuthCode?: string
  /** Send the authorized / updateauthorized event to the pushUrl. */
  push?: boolean
}

export interface SandboxAuthorized {
  authorizerAppid: string
  authCode: string
  expiresIn: number
  preAuthCode: string
  infoType: 'authorized' | 'updateauthorized'
}

export interface SandboxInvalidTokenCall {
  path: string
  reason: 'expired' | 'invalid' | 'wrong_appid'
  /** The appid the token belonged to, when the sandbox issued it. */
  appid: string | null
  /** Unix milliseconds on the sandbox clock. */
  at: number
}

export interface SandboxPush {
  componentAppid: string
  infoType: string
  authorizerAppid: string | null
  /** HTTP status the receiver answered; null when unreachable or no pushUrl. */
  status: number | null
  response: string
  at: number
}

export interface SandboxRecordedCall {
  path: string
  appid: string | null
  body: any
  at: number
}

export interface SandboxUserCode {
  code: string
  openid: string
}

/** An errcode (-1, 45009, …), { errcode }, 'http500', { delayMs } or 'reset'. */
export type SandboxFault = number | { errcode: number } | 'http500' | { delayMs: number } | 'reset'

export interface Sandbox {
  /** http://127.0.0.1:PORT — the apiBase to give clients. */
  readonly url: string
  readonly port: number
  close(): Promise<void>
  close(callback: Callback<void>): void
  registerComponent(component: SandboxComponent): Promise<void>
  registerComponent(component: SandboxComponent, callback: Callback<void>): void
  registerApp(appid: string, secret: string): Promise<void>
  registerApp(credentials: { appid: string; secret: string }): Promise<void>
  registerApp(appid: string, secret: string, callback: Callback<void>): void
  /** Pushes a fresh component_verify_ticket; resolves to the ticket. */
  pushTicket(componentAppid: string): Promise<string>
  pushTicket(componentAppid: string, callback: Callback<string>): void
  authorize(componentAppid: string, options?: SandboxAuthorizeOptions): Promise<SandboxAuthorized>
  authorize(componentAppid: string, options: SandboxAuthorizeOptions, callback: Callback<SandboxAuthorized>): void
  pushEvent(componentAppid: string, infoType: 'component_verify_ticket' | 'authorized' | 'updateauthorized' | 'unauthorized', authorizerAppid: string): Promise<void>
  oauthCode(appid: string, options?: { openid?: string; scope?: string; componentAppid?: string }): Promise<SandboxUserCode>
  jsCode(appid: string, options?: { openid?: string; componentAppid?: string }): Promise<SandboxUserCode>
  setFollowers(appid: string, count: number): Promise<void>
  followers(appid: string): Promise<string[]>
  /** Calls per endpoint path. */
  counters(): Promise<Record<string, number>>
  counters(callback: Callback<Record<string, number>>): void
  /** Successful calls per path (for token endpoints: credentials issued). */
  issued(): Promise<Record<string, number>>
  invalidTokenCalls(): Promise<SandboxInvalidTokenCall[]>
  pushes(): Promise<SandboxPush[]>
  recordedCalls(path?: string): Promise<SandboxRecordedCall[]>
  /** The next `count` (1) calls of `path` ('*' = any) suffer `fault`. */
  injectFault(path: string, fault: SandboxFault, count?: number): Promise<void>
  /** A share `rate` (0..1) of calls to `path` (null = all) suffer `fault` ({ errcode: -1 }); rate 0 removes. */
  setFailureRate(path: string | null, rate: number, fault?: SandboxFault): Promise<void>
  clearFaults(): Promise<void>
  /** Voids every access token, ticket and pre_auth_code now. */
  invalidateTokens(): Promise<void>
  /** Moves the sandbox clock forward. */
  advanceClock(secs: number): Promise<void>
  config(): Promise<SandboxConfig>
  updateConfig(patch: Omit<SandboxOptions, 'host' | 'port'>): Promise<SandboxConfig>
  /** Forgets components, apps, tokens, counters, logs and faults; keeps the config. */
  reset(): Promise<void>
}

/** Starts a local WeChat; it does not keep the process alive. */
export function startSandbox(options?: SandboxOptions): Promise<Sandbox>
export function startSandbox(options: SandboxOptions, callback: Callback<Sandbox>): void
export function startSandbox(callback: Callback<Sandbox>): void
/** The same surface for a sandbox running in another process (its /__sandbox HTTP API). close() is a no-op. */
export function connectSandbox(url: string): Sandbox

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
  /** Least time between two api_start_push_ticket requests, ms (default 10000). */
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

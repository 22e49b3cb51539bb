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
/** Every error the package raises: one of its classes or a TypeError naming
 * the bad argument. (A failure none of them names, never expected, is a plain
 * WxThirdpartyError; left out here so that `err.name` narrows the union.) */
export type WxError = WeChatAPIError | CryptoError | ParseError | StoreError | TransportError
  | NotReadyError | RevokedError | NotFoundError | TypeError
/** The `name` of every error the package raises. */
export type WxErrorName = 'WeChatAPIError' | 'CryptoError' | 'ParseError' | 'StoreError' | 'TransportError'
  | 'NotReadyError' | 'RevokedError' | 'NotFoundError' | 'WxThirdpartyError' | 'TypeError'

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
  decryptData(encryptedData: string, iv: string): { watermark: { appid: string; timestamp: number }; [key: string]: unknown }
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
  /** To a device (WeChat's hardware platform): content as WeChat gets it (base64). */
  | { type: 'device_text'; content: string; deviceType: string; deviceID: string; sessionID?: string | number }
  | { type: 'device_event'; content: string; event: string; deviceType: string; deviceID: string; sessionID?: string | number }
  /** The answer to subscribe_status / unsubscribe_status. */
  | { type: 'device_status'; deviceStatus: string | number; deviceType: string; deviceID: string; sessionID?: string | number }
  | { type: 'hardware'; HardWare: { MessageView?: string; MessageAction?: string } }

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
  /** How long a message to a platform's message URL waits for an answer before it is retried (WeChat: 5). */
  messageTimeoutSecs?: number
  /** After a commit, the code-privacy detection answers 61039 (to get_code_privacy_info and submit_audit) this long (1). */
  wxaPrivacyCheckSecs?: number
}

export type SandboxConfig = Required<Omit<SandboxOptions, 'lifetimes'>> & { lifetimes: Required<SandboxLifetimes> }

export interface SandboxComponent {
  appid: string
  secret: string
  token: string
  encodingAESKey: string
  /** The platform's 授权事件接收URL; pushes go here. */
  pushUrl?: string
  /** The platform's 消息与事件接收URL; `$APPID$` stands for the authorizer's appid. */
  messageUrl?: string
}

/** One try of a message delivery: status null when no answer came in time. */
export interface SandboxMessageAttempt {
  status: number | null
  response: string
  elapsedMs: number
}

/** A message the sandbox sent to a platform's message URL, with its answer. */
export interface SandboxMessageDelivery {
  componentAppid: string
  authorizerAppid: string
  /** The message as sent, WeChat's field names; the sandbox fills in CreateTime and MsgId as numbers. */
  message: InboundMessage
  attempts: SandboxMessageAttempt[]
  status: number | null
  /** The final answer, raw. */
  response: string
  /** The passive reply, decrypted and parsed; null for `success` / an empty answer. */
  reply: InboundMessage | null
  /** Why the answer is not a valid reply. */
  error: string | null
}

export interface SandboxReleaseCase {
  authorizerAppid: string
  case: 'event' | 'text' | 'query_auth_code'
  passed: boolean
  reason: string | null
}

export interface SandboxReleaseReport {
  componentAppid: string
  passed: boolean
  cases: SandboxReleaseCase[]
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
  /** A mini program: api_get_authorizer_info answers MiniProgramInfo; default funcInfo is a mini program's (17, 18, 19, 25, 30, …). */
  miniProgram?: boolean
}

/** How the sandbox reviews a mini program's audits (`setReviewer`). */
export interface SandboxReviewer {
  /** 'delay': weapp_audit_delay, then a pass after delayMs; 'manual': until `review()`. */
  verdict: 'pass' | 'fail' | 'delay' | 'manual'
  reason?: string | null
  /** Media ids of a rejection's screenshots (ScreenShot, `|`-joined). */
  screenshots?: string[]
  /** Sandbox-clock ms from submit to the verdict (200). */
  afterMs?: number
  /** For 'delay': ms from the delay to the pass (200). */
  delayMs?: number
}

/** The platform's monthly audit quota (queryquota). */
export interface SandboxAuditQuota {
  rest: number
  limit: number
  speedupRest: number
  speedupLimit: number
}

/** How a platform's fast registrations end (`scriptFastRegistration`). */
export interface SandboxFastRegistrationScript {
  /** End by itself after afterMs (true); else wait for completeFastRegistration. */
  auto: boolean
  afterMs: number
  /** The push's status (0: created). */
  status: number
}

/** A wxa event the reviewer sent or lost. */
export interface SandboxWxaEvent {
  appid: string
  event: 'weapp_audit_success' | 'weapp_audit_fail' | 'weapp_audit_delay'
  auditid: number
  /** 'delivered', 'lost' (scripted), or why it did not arrive. */
  outcome: string
  at: number
}

/** What the sandbox holds for a mini program (its snake_case names). */
export interface SandboxMiniProgram {
  appid: string
  /** The platform it is authorized to. */
  platform: string | null
  commit: { template_id: number; ext_json: Record<string, unknown>; user_version: string; user_desc: string; time: number } | null
  audits: { auditid: number; status: number; reason: string | null; screenshot: string | null; user_version: string; user_desc: string; submit_audit_time: number; released: boolean; request: Record<string, unknown> }[]
  release: { app_version: number; user_version: string; user_desc: string; commit_time: number } | null
  history: { app_version: number; user_version: string; user_desc: string; commit_time: number }[]
  gray: Record<string, unknown> | null
  /** Code and audit calls answered: "path" → accepted, "path errcode" → refused (e.g. "/wxa/release 85020"). */
  calls: Record<string, number>
  [key: string]: unknown
}

/** A platform's mini-program data in the sandbox (its snake_case names). */
export interface SandboxWxaPlatform {
  drafts: Record<string, unknown>[]
  templates: Record<string, unknown>[]
  server_domains: string[]
  jump_domains: string[]
  quota: { rest: number; limit: number; speedup_rest: number; speedup_limit: number }
  registrations: { kind: 'enterprise' | 'beta' | 'personal'; id: string; info: Record<string, unknown>; state: string; appid: string | null; created_at: number }[]
  fast_register: { auto: boolean; after_ms: number; status: number }
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
  /** The request body as WeChat got it (JSON, or text). */
  body: unknown
  at: number
}

/** A request that reached a WeChat path (`requests()`). */
export interface SandboxRequest {
  method: string
  path: string
  /** The query without credentials (tokens, secrets). */
  query: Record<string, string>
  /** JSON bodies parsed; others as text (at most 2000 characters); none: null. */
  body: unknown
  contentType: string
  at: number
}

export interface SandboxUserCode {
  code: string
  openid: string
  /** js_code only: what the mini-program client holds (session key, encrypted wx.getUserProfile data). */
  sessionKey?: string
  encryptedData?: string
  iv?: string
}

/** An errcode (-1, 45009, …), { errcode }, 'http500', { delayMs }, 'reset', or 'loseAnswer' (the call done, the answer never sent). */
export type SandboxFault = number | { errcode: number } | { errcode: number; contentType: 'image/jpeg' } | 'http500' | { delayMs: number } | 'reset' | 'loseAnswer'

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
  /** Every request that reached a WeChat path (or only `path`'s), oldest first. */
  requests(path?: string): Promise<SandboxRequest[]>
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
  /** The platform's 消息与事件接收URL; `$APPID$` stands for the authorizer's appid. */
  setMessageUrl(componentAppid: string, url: string): Promise<void>
  /**
   * A user of the authorizer sends `message` (WeChat's field names; a string is a text)
   * to the platform's message URL, encrypted and signed; retried after `timeoutSecs`
   * (config messageTimeoutSecs) without an answer, 3 tries in all.
   */
  sendMessage(authorizerAppid: string, message: string | Record<string, unknown>, options?: { componentAppid?: string; timeoutSecs?: number }): Promise<SandboxMessageDelivery>
  sendMessage(authorizerAppid: string, message: string | Record<string, unknown>, options: { componentAppid?: string; timeoutSecs?: number }, callback: Callback<SandboxMessageDelivery>): void
  /** Every message sent to a message URL, with its answer. */
  messages(): Promise<SandboxMessageDelivery[]>
  /** Plays WeChat's release check (全网发布接入检测) against the platform's message URL. */
  runReleaseCheck(componentAppid: string): Promise<SandboxReleaseReport>
  runReleaseCheck(componentAppid: string, callback: Callback<SandboxReleaseReport>): void

  // ---- mini programs ----
  /** A draft in the platform's template library, as if uploaded from the devtools (WeChat's draft object). */
  addDraft(componentAppid: string, options?: { userVersion?: string; userDesc?: string }): Promise<{ draft_id: number; user_version: string; user_desc: string; create_time: number; source_miniprogram_appid: string; source_miniprogram: string; developer: string }>
  /** How this mini program's next audits are reviewed. */
  setReviewer(appid: string, script: SandboxReviewer): Promise<Required<SandboxReviewer>>
  /** Decides the audit under way now (its events pushed); the mini program's state. */
  review(appid: string, verdict: 'pass' | 'fail' | 'delay' | Omit<SandboxReviewer, 'afterMs'>): Promise<SandboxMiniProgram>
  setAuditQuota(componentAppid: string, quota: Partial<SandboxAuditQuota>): Promise<SandboxAuditQuota>
  /** The next `count` (1) wxa events of the mini program are lost (state changes, no push). */
  loseNextEvent(appid: string, count?: number): Promise<void>
  scriptFastRegistration(componentAppid: string, script: Partial<SandboxFastRegistrationScript>): Promise<SandboxFastRegistrationScript>
  /** The people behind fast registration `id` (taskid, unique_id or the enterprise's name) answer now; the result is pushed. */
  completeFastRegistration(componentAppid: string, id: string, options?: { status?: number }): Promise<{ appid: string | null; status: number; authCode: string | null }>
  miniProgram(appid: string): Promise<SandboxMiniProgram>
  wxaPlatform(componentAppid: string): Promise<SandboxWxaPlatform>
  wxaEvents(): Promise<SandboxWxaEvent[]>
}

/** Starts a local WeChat; it does not keep the process alive. */
export function startSandbox(options?: SandboxOptions): Promise<Sandbox>
export function startSandbox(options: SandboxOptions, callback: Callback<Sandbox>): void
export function startSandbox(callback: Callback<Sandbox>): void
/** The same surface for a sandbox running in another process (its /__sandbox HTTP API). close() is a no-op. */
export function connectSandbox(url: string): Sandbox

// ---- ThirdpartyServer ----

/** An authorizer (official account) as the original wxthirdparty returned it. */
export interface AuthorizerInfo extends StoredAuthorizer {
  access_token: string
  access_token_updated_at: Date
  /** When access_token expires (a Date, as in the original). */
  access_token_expires_in: Date
  refresh_token: string | null
}

export type AuthorizerAppType = 'official_account' | 'mini_program'

/** A stored authorizer's record, as `findAuthorizers` gives it: no tokens (`AuthorizerInfo` adds them). */
export interface StoredAuthorizer {
  /** Random (CSPRNG) token naming this authorizer; put it in a cookie. */
  wx_token: string
  appid: string
  nick_name: string | null
  head_img: string | null
  service_type_id: number | null
  verify_type_info: number | null
  user_name: string | null
  alias: string | null
  /** WeChat's func_info list. */
  func_info: Array<{ funcscope_category: { id: number } }> | null
  authorized: boolean
  /** What it is (MiniProgramInfo in api_get_authorizer_info); null when stored before this was recorded. */
  app_type: AuthorizerAppType | null
  /** The permission sets granted (func_info's funcscope_category ids), ascending. */
  func_scopes: number[]
  /** WeChat's MiniProgramInfo (network domains, categories, visit_status) for a mini program. */
  mini_program_info: Record<string, unknown> | null
  /** The company or person behind the account (api_get_authorizer_info's principal_name); null when stored before this was recorded. */
  principal_name: string | null
}

/** A rollout's apps move `pending → committed → auditing → approved → released` (or `gray` on the way), ending `released | rejected | failed | cancelled` (`rolled_back` after rollback). */
export type RolloutAppState = 'pending' | 'committed' | 'auditing' | 'approved' | 'gray' | 'released' | 'rejected' | 'failed' | 'cancelled' | 'rolled_back'

/** submit_audit's fields, camelCase (snake_case keys are accepted too). */
export interface RolloutAuditOptions {
  itemList?: Record<string, unknown>[]
  previewInfo?: Record<string, unknown>
  versionDesc?: string
  feedbackInfo?: string
  feedbackStuff?: string
  ugcDeclare?: Record<string, unknown>
  privacyApiNotUse?: boolean
  orderPath?: string
  [key: string]: unknown
}

export interface RolloutOptions {
  templateId: number
  userVersion: string
  userDesc?: string
  /** The mini programs; default: every stored mini program that granted code management (18), or those `filter` selects. */
  appids?: string[]
  filter?: AuthorizerFilter
  /** ext_json per app: an object, its JSON text, or a function of the appid; `$APPID$` becomes the app's appid. Default `{ extAppid: '$APPID$' }`. */
  extJson?: Record<string, unknown> | string | ((appid: string) => Record<string, unknown> | string)
  audit?: RolloutAuditOptions | ((appid: string) => RolloutAuditOptions)
  /** 'auto' (default), 'manual' (approved apps wait), or gray steps in percent with `stepMs` between them (default 1 h). */
  release?: 'auto' | 'manual' | { gray: number[]; stepMs?: number }
  /** Upstream steps at once (default 20). */
  concurrency?: number
  /** More rejected or failed apps than this share pauses the rollout (default 0.2). */
  maxFailureRate?: number
  /** An app under audit with no event for this long is polled (default 10 min). */
  auditPollMs?: number
  /** How often a handle reads the store for `progress` / `done` (default 500 ms). */
  progressMs?: number
}

export interface RolloutApp {
  appid: string
  state: RolloutAppState
  /** The upstream step under way (commit, submit, release, gray, rollback), if any. */
  step: string | null
  auditid: number | null
  /** WeChat's reason for a rejection (or a delay). */
  reason: string | null
  /** The reviewer's screenshots (media ids). */
  screenshots: string[]
  error: string | null
  attempts: number
  commits: number
  submits: number
  releases: number
  grayStep: number
  updatedAt: number
}

export interface RolloutSummary {
  id: string
  state: 'running' | 'paused' | 'done' | 'cancelled'
  /** Why it is paused (quota, failure budget, operator) or cancelled. */
  reason: string | null
  templateId: number
  userVersion: string
  userDesc: string
  release: 'auto' | 'manual' | 'gray'
  gray: number[]
  stepMs: number
  concurrency: number
  maxFailureRate: number
  auditPollMs: number
  /** The process driving it now (its lease), if any. */
  driver: string | null
  createdAt: number
  updatedAt: number
}

export interface RolloutStatus extends RolloutSummary {
  counts: Record<RolloutAppState, number>
  total: number
  apps: RolloutApp[]
}

/** A rollout as any process sees it; `progress` (an app changed) and `done` (final status) are read from the store. */
export interface Rollout {
  readonly id: string
  status(callback?: Callback<RolloutStatus>): Promise<RolloutStatus>
  /** Resolves the final status once the rollout is done or cancelled. */
  done(callback?: Callback<RolloutStatus>): Promise<RolloutStatus>
  pause(callback?: Callback<RolloutStatus>): Promise<RolloutStatus>
  /** Running again; after a spent failure budget this means going on despite it. */
  resume(callback?: Callback<RolloutStatus>): Promise<RolloutStatus>
  cancel(callback?: Callback<RolloutStatus>): Promise<RolloutStatus>
  /** Rejected or failed apps (all, or those listed) start again from the commit. */
  retry(appids?: string[] | null, callback?: Callback<RolloutStatus>): Promise<RolloutStatus>
  /** Released apps (all, or those listed) back to the previous version; gray releases reverted. */
  rollback(appids?: string[] | null, callback?: Callback<RolloutStatus>): Promise<RolloutStatus>
  /** Stops this handle's polling; the rollout goes on. */
  close(): void
  on(event: 'progress', listener: (app: RolloutApp) => void): this
  on(event: 'done', listener: (status: RolloutStatus) => void): this
  once(event: 'progress', listener: (app: RolloutApp) => void): this
  once(event: 'done', listener: (status: RolloutStatus) => void): this
  off(event: 'progress' | 'done', listener: (...args: any[]) => void): this
}

/** Which stored authorizers `findAuthorizers` selects; every condition must hold. */
export interface AuthorizerFilter {
  appType?: AuthorizerAppType
  /** funcscope_category ids that must all have been granted (18: a mini program's code management). */
  funcScopes?: number | number[]
  /** Revoked authorizers too (default false). */
  includeRevoked?: boolean
}

// ---- mini-program events (src/message/wxa_events.rs) ----

/** `fast_register`: a fast registration's result (notify_third_fasteregister, …betaapp, …personalapp). */
export interface FastRegisterEvent {
  kind: 'enterprise' | 'beta' | 'personal'
  /** WeChat's InfoType. */
  infoType: string
  /** The new mini program (on success). */
  appid: string | null
  /** 0: created; else WeChat's failure code (`msg` says why). */
  status: number
  msg: string | null
  taskid: string | null
  uniqueId: string | null
  /** The details the registration was made with, as WeChat pushed them (name, code, legal_persona_wechat, wxuser, …). */
  info: Record<string, unknown>
  createTime: number | null
  /** The pushed auth_code was exchanged: the mini program is a stored authorizer now. */
  authorized: boolean
}

/**
 * `push`: a push to the authorization-event URL of a kind not typed above
 * (a beta's quick verification, 小程序认证, ICP filing, InfoTypes WeChat adds
 * later), once fleet-wide, with every field WeChat pushed.
 */
export interface PlatformPushEvent {
  /** WeChat's InfoType. */
  infoType: string
  /** AuthorizerAppid, when the push names one. */
  appid: string | null
  createTime: number | null
  /** The decrypted push with WeChat's field names. */
  message: Record<string, unknown>
}

/** `weapp_audit`: weapp_audit_success / weapp_audit_fail / weapp_audit_delay. */
export interface WeappAuditEvent {
  appid: string
  event: 'weapp_audit_success' | 'weapp_audit_fail' | 'weapp_audit_delay'
  status: 'success' | 'fail' | 'delay'
  reason: string | null
  /** The reviewer's screenshots: media ids (ScreenShot split on `|`). */
  screenshots: string[]
  succTime: number | null
  failTime: number | null
  delayTime: number | null
  createTime: number | null
}

/** `wxa_nickname_audit`: a name change reviewed (ret 2 rejected, 3 approved). */
export interface WxaNicknameAuditEvent {
  appid: string
  event: 'wxa_nickname_audit'
  ret: number | null
  approved: boolean
  nickname: string | null
  reason: string | null
  createTime: number | null
}

/** `wxa_category_audit`: a category reviewed (ret 1 reviewing, 2 rejected, 3 approved). */
export interface WxaCategoryAuditEvent {
  appid: string
  event: 'wxa_category_audit'
  ret: number | null
  approved: boolean
  first: number | null
  second: number | null
  reason: string | null
  createTime: number | null
}

/** `wxa_privacy_apply`: an application for a privacy API reviewed (result_info). */
export interface WxaPrivacyApplyEvent {
  appid: string
  event: 'wxa_privacy_apply'
  apiName: string | null
  auditId: number | null
  status: number | null
  reason: string | null
  applyTime: number | null
  auditTime: number | null
  createTime: number | null
}

/** `wxa_media_check`: mediaCheckAsync's verdict. */
export interface WxaMediaCheckEvent {
  appid: string
  event: 'wxa_media_check'
  traceId: string | null
  suggest: 'pass' | 'review' | 'risky' | string | null
  label: number | null
  isrisky: number | null
  statusCode: number | null
  createTime: number | null
}

/** `wxa_event`: any other mini-program event (wxa_*, weapp_*, wx_verify_*), its fields as WeChat sent them. */
export interface WxaOtherEvent {
  appid: string
  event: string
  createTime: number | null
  fields: Record<string, unknown>
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
  /** This process may drive rollouts (take over one whose driver died); default true. */
  driveRollouts?: boolean
  /**
   * Refuse pushes to the authorization-event URL whose signed `timestamp` is
   * further than this many seconds from this server's clock (`push_rejected`,
   * 401, nothing stored). 0 takes any age; default 300.
   */
  timestampWindowSecs?: number
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
  /** Gets the method's arguments, then `next(err?)` and the call's scratch object. */
  before?(...argsThenNextAndTemp: unknown[]): void
  after?(err: Error | null, data: unknown, next: (err?: Error | null, data?: unknown) => void, temp: Record<string, unknown>): void
}

/** A JSON value WeChat takes or answers where it documents no fixed shape. */
export type WeChatValue = string | number | boolean | null | WeChatValue[] | { [key: string]: WeChatValue }
export type WeChatObject = { [key: string]: WeChatValue }
/** WeChat's answer: `errcode` 0 (or absent) and the endpoint's fields. */
export interface WeChatResult { errcode?: number; errmsg?: string; [key: string]: WeChatValue | undefined }
/**
 * wechat-api's `res` (urllib's response) of WeChat's answer: status,
 * headers, body size, time taken (`rt`, ms), the peer, and `data` (what the
 * callback got as `data`). urllib's `keepAliveSocket` and `requestUrls` (the
 * URL with its access token) are not given.
 */
export interface ApiResponse {
  status: number
  statusCode: number
  headers: Record<string, string>
  size: number
  aborted: boolean
  rt: number
  data: unknown
  timing: null
  remoteAddress: string
  remotePort: number | ''
}
/** wechat-api's callback: on a WeChat error, `data` is WeChat's JSON answer (errcode, errmsg, …) and `res` is given too. */
export type ApiCallback<T> = (err: Error | null, data?: T, res?: ApiResponse) => void
/** urllib 2's options, as wechat-api's and wechat-oauth's `request(url, opts)` take them. */
export interface UrllibOptions {
  type?: string
  method?: string
  /** GET / HEAD: the query; otherwise the body, form-encoded (or JSON with `contentType: 'json'`). */
  data?: Record<string, unknown> | string | Buffer
  /** The body as given. */
  content?: string | Buffer
  /** The body, streamed. */
  stream?: NodeJS.ReadableStream
  /** The answer is piped here. */
  writeStream?: NodeJS.WritableStream
  consumeWriteStream?: boolean
  headers?: Record<string, string>
  contentType?: 'json' | string
  /** 'json': parsed (urllib's JSONResponseFormatError when it is not JSON); 'text': a string; else a Buffer. */
  dataType?: 'json' | 'text' | string
  dataAsQueryString?: boolean
  /** ms (connect and response each), or [connect, response]; default 5000. */
  timeout?: number | [number, number]
  gzip?: boolean
  agent?: import('http').Agent
  httpsAgent?: import('https').Agent
  auth?: string
  followRedirect?: boolean
  maxRedirects?: number
  beforeRequest?: (options: Record<string, unknown>) => void
  [option: string]: unknown
}
export type UrllibCallback = (err: Error | null, data?: unknown, res?: ApiResponse) => void
export interface WeChatUser extends WeChatResult { subscribe: number; openid: string; language?: string; subscribe_time?: number; unionid?: string; remark?: string; groupid?: number; tagid_list?: number[]; subscribe_scene?: string; qr_scene?: number; qr_scene_str?: string }
export interface WeChatOpenidPage extends WeChatResult { total: number; count: number; data?: { openid: string[] }; next_openid: string }
export interface WeChatQRCode extends WeChatResult { ticket: string; expire_seconds?: number; url: string }
export interface WeChatMediaUpload extends WeChatResult { type?: string; media_id?: string; url?: string; created_at?: number }
export interface WeChatMenuButton { type?: string; name: string; key?: string; url?: string; media_id?: string; appid?: string; pagepath?: string; article_id?: string; sub_button?: WeChatMenuButton[] }
export interface WeChatMenu { button: WeChatMenuButton[]; matchrule?: WeChatObject }
export interface WeChatArticle { title: string; thumb_media_id?: string; author?: string; digest?: string; show_cover_pic?: number; content?: string; content_source_url?: string; need_open_comment?: number; only_fans_can_comment?: number; description?: string; url?: string; picurl?: string; [key: string]: WeChatValue | undefined }
export interface WeChatCard { card_id: string; code?: string; openid?: string; balance?: number }
export interface AccessTokenObject { accessToken: string; expireTime: number }
/** An image WeChat answered (wxacodes, the trial QR code): the bytes, with their content type. */
export type WxaImage = Buffer & { contentType: string }
export interface WxaAuditStatus extends WeChatResult { status: 0 | 1 | 2 | 3 | 4; reason?: string; screenshot?: string }
export interface WxaLatestAuditStatus extends WeChatResult { auditid: number; status: 0 | 1 | 2 | 3 | 4; reason?: string; /** Media ids, `|`-joined (the current docs name it `screenshot`, their sample `ScreenShot`). */ screenshot?: string; ScreenShot?: string; user_version: string; user_desc: string; submit_audit_time: number }
export interface WxaQuota extends WeChatResult { rest: number; limit: number; speedup_rest: number; speedup_limit: number }
export interface WxaVersion { app_version: number; user_version: string; user_desc: string; commit_time: number }
export interface WxaGrayReleasePlan { status: number; create_timestamp: number; gray_percentage: number; support_debuger_first?: boolean; support_experiencer_first?: boolean }
export interface WxaVersionInfo extends WeChatResult { exp_info: { exp_time?: number; exp_version?: string; exp_desc?: string }; release_info: { release_time?: number; release_version?: string; release_desc?: string } }
export interface WxaDraft { draft_id: number; user_version: string; user_desc: string; create_time: number; source_miniprogram_appid?: string; source_miniprogram?: string; developer?: string; [key: string]: WeChatValue | undefined }
export interface WxaTemplate extends WxaDraft { template_id: number; template_type: number }
/** A mini program's subscribe message (/cgi-bin/message/subscribe/send); `template_id` etc. are taken too. */
export interface WxaSubscribeMessage { touser: string; templateId: string; data: WeChatObject; page?: string; miniprogramState?: 'developer' | 'trial' | 'formal'; lang?: string }
/** wechat-api's AccessToken (`API.AccessToken`; callable without `new`). */
export interface AccessToken extends AccessTokenObject { isValid(): boolean }
export interface AccessTokenConstructor {
  new (accessToken: string, expireTime: number): AccessToken
  (accessToken: string, expireTime: number): AccessToken
}
export interface TicketObject { ticket: string; expireTime: number }
/** wechat-api's Ticket: what getTicket gives and registerTicketHandle's save gets. */
export interface Ticket extends TicketObject { isValid(): boolean }
/** getJsConfig's answer; `debug` and `jsApiList` as given, `beta` when asked for (WeChat hardware pages). */
export interface JsConfig { debug?: boolean; appId: string; timestamp: string; nonceStr: string; signature: string; jsApiList?: string[]; beta?: boolean }
export interface CardExt { timestamp: string; signature: string; code: string; openid: string; balance?: number }

// <api-methods> generated by scripts/api-types.js from the endpoint tables; do not edit
/** Every API method of a client: the official account (wechat-api 1.35 and newer endpoints) and the mini program (groups wxa, wxa_settings). */
export interface ApiMethods {
  /** `/customservice/kfaccount/add` (account). */
  addKfAccount(account: string, nick: string, password: string): Promise<WeChatResult>
  addKfAccount(account: string, nick: string, password: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/template/api_add_template` (account). */
  addTemplate(templateIdShort: string): Promise<WeChatResult>
  addTemplate(templateIdShort: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/user/info/batchget` (account). */
  batchGetUsers(openids: string[]): Promise<{ user_info_list: WeChatUser[] }>
  batchGetUsers(openids: string[], callback: ApiCallback<{ user_info_list: WeChatUser[] }>): void
  /** `/cgi-bin/clear_quota` (account). */
  clearQuota(appid: string): Promise<WeChatResult>
  clearQuota(appid: string, callback: ApiCallback<WeChatResult>): void
  /** `/customservice/kfsession/close` (account). */
  closeKfSession(account: string, openid: string): Promise<WeChatResult>
  closeKfSession(account: string, openid: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/menu/addconditional` (account). */
  createCustomMenu(menu: WeChatMenu): Promise<WeChatResult>
  createCustomMenu(menu: WeChatMenu, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/cgi-bin/groups/create` (account). */
  createGroup(name: string): Promise<WeChatResult>
  createGroup(name: string, callback: ApiCallback<WeChatResult>): void
  /** `/customservice/kfsession/create` (account). */
  createKfSession(account: string, openid: string): Promise<WeChatResult>
  createKfSession(account: string, openid: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/qrcode/create` (account). */
  createLimitQRCode(sceneId: number | string): Promise<WeChatQRCode>
  createLimitQRCode(sceneId: number | string, callback: ApiCallback<WeChatQRCode>): void
  /** `/cgi-bin/menu/create` (account). */
  createMenu(menu: WeChatMenu): Promise<WeChatResult>
  createMenu(menu: WeChatMenu, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/tags/create` (account). */
  createTag(name: string): Promise<{ tag: { id: number; name: string } }>
  createTag(name: string, callback: ApiCallback<{ tag: { id: number; name: string } }>): void
  /** `/cgi-bin/qrcode/create` (account). */
  createTmpQRCode(sceneId: number | string, expire: number): Promise<WeChatQRCode>
  createTmpQRCode(sceneId: number | string, expire: number, callback: ApiCallback<WeChatQRCode>): void
  /** `/customservice/kfaccount/del` (account). */
  deleteKfAccount(account: string): Promise<WeChatResult>
  deleteKfAccount(account: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/message/mass/delete` (account). */
  deleteMass(messageId: number | string): Promise<WeChatResult>
  deleteMass(messageId: number | string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/tags/delete` (account). */
  deleteTag(id: number): Promise<WeChatResult>
  deleteTag(id: number, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/template/del_private_template` (account). */
  delPrivateTemplate(templateId: string): Promise<WeChatResult>
  delPrivateTemplate(templateId: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/tags/update` (account). */
  editTag(id: number, name: string): Promise<WeChatResult>
  editTag(id: number, name: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/template/get_all_private_template` (account). */
  getAllPrivateTemplate(): Promise<WeChatResult>
  getAllPrivateTemplate(callback: ApiCallback<WeChatResult>): void
  /** `/datacube/getarticlesummary` (account). */
  getArticleSummary(begin: string | number, end: string): Promise<WeChatResult>
  getArticleSummary(begin: string | number, end: string, callback: ApiCallback<WeChatResult>): void
  /** `/datacube/getarticletotal` (account). */
  getArticleTotal(begin: string | number, end: string): Promise<WeChatResult>
  getArticleTotal(begin: string | number, end: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/customservice/getkflist` (account). */
  getCustomServiceList(): Promise<WeChatResult>
  getCustomServiceList(callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/user/get` (account). */
  getFollowers(nextOpenid?: string): Promise<WeChatOpenidPage>
  getFollowers(callback: ApiCallback<WeChatOpenidPage>): void
  getFollowers(nextOpenid: string, callback: ApiCallback<WeChatOpenidPage>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/cgi-bin/groups/get` (account). */
  getGroups(): Promise<WeChatResult>
  getGroups(callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/template/get_industry` (account). */
  getIndustry(): Promise<WeChatResult>
  getIndustry(callback: ApiCallback<WeChatResult>): void
  /** `/datacube/getinterfacesummary` (account). */
  getInterfaceSummary(begin: string | number, end: string): Promise<WeChatResult>
  getInterfaceSummary(begin: string | number, end: string, callback: ApiCallback<WeChatResult>): void
  /** `/datacube/getinterfacesummaryhour` (account). */
  getInterfaceSummaryHour(begin: string | number, end: string): Promise<WeChatResult>
  getInterfaceSummaryHour(begin: string | number, end: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/getcallbackip` (account). */
  getIp(): Promise<{ ip_list: string[] }>
  getIp(callback: ApiCallback<{ ip_list: string[] }>): void
  /** `/customservice/kfsession/getsession` (account). */
  getKfSession(openid: string): Promise<WeChatResult>
  getKfSession(openid: string, callback: ApiCallback<WeChatResult>): void
  /** `/customservice/kfsession/getsessionlist` (account). */
  getKfSessionList(account: string): Promise<WeChatResult>
  getKfSessionList(account: string, callback: ApiCallback<WeChatResult>): void
  /** `/customservice/kfsession/getwaitcase` (account). */
  getKfSessionWaitCase(): Promise<WeChatResult>
  getKfSessionWaitCase(callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/message/mass/get` (account). */
  getMassMessageStatus(messageId: number | string): Promise<WeChatResult>
  getMassMessageStatus(messageId: number | string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/material/get_materialcount` (account). */
  getMaterialCount(): Promise<WeChatResult>
  getMaterialCount(callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/material/batchget_material` (account). */
  getMaterials(type: string, offset: number, count: number): Promise<WeChatResult>
  getMaterials(type: string, offset: number, count: number, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/menu/get` (account). */
  getMenu(): Promise<WeChatObject>
  getMenu(callback: ApiCallback<WeChatObject>): void
  /** `/cgi-bin/get_current_selfmenu_info` (account). */
  getMenuConfig(): Promise<WeChatResult>
  getMenuConfig(callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/customservice/getonlinekflist` (account). */
  getOnlineCustomServiceList(): Promise<WeChatResult>
  getOnlineCustomServiceList(callback: ApiCallback<WeChatResult>): void
  /** `/customservice/msgrecord/getmsglist` (account). */
  getRecords(opts: WeChatObject): Promise<WeChatResult>
  getRecords(opts: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/tags/get` (account). */
  getTags(): Promise<{ tags: { id: number; name: string; count: number }[] }>
  getTags(callback: ApiCallback<{ tags: { id: number; name: string; count: number }[] }>): void
  /** `/cgi-bin/user/tag/get` (account). */
  getTagUsers(tagId: number, openid?: string): Promise<WeChatOpenidPage>
  getTagUsers(tagId: number, callback: ApiCallback<WeChatOpenidPage>): void
  getTagUsers(tagId: number, openid: string, callback: ApiCallback<WeChatOpenidPage>): void
  /** `/datacube/getupstreammsg` (account). */
  getUpstreamMsg(begin: string | number, end: string): Promise<WeChatResult>
  getUpstreamMsg(begin: string | number, end: string, callback: ApiCallback<WeChatResult>): void
  /** `/datacube/getupstreammsgdist` (account). */
  getUpstreamMsgDist(begin: string | number, end: string): Promise<WeChatResult>
  getUpstreamMsgDist(begin: string | number, end: string, callback: ApiCallback<WeChatResult>): void
  /** `/datacube/getupstreammsgdistmonth` (account). */
  getUpstreamMsgDistMonth(begin: string | number, end: string): Promise<WeChatResult>
  getUpstreamMsgDistMonth(begin: string | number, end: string, callback: ApiCallback<WeChatResult>): void
  /** `/datacube/getupstreammsgdistweek` (account). */
  getUpstreamMsgDistWeek(begin: string | number, end: string): Promise<WeChatResult>
  getUpstreamMsgDistWeek(begin: string | number, end: string, callback: ApiCallback<WeChatResult>): void
  /** `/datacube/getupstreammsghour` (account). */
  getUpstreamMsgHour(begin: string | number, end: string): Promise<WeChatResult>
  getUpstreamMsgHour(begin: string | number, end: string, callback: ApiCallback<WeChatResult>): void
  /** `/datacube/getupstreammsgmonth` (account). */
  getUpstreamMsgMonth(begin: string | number, end: string): Promise<WeChatResult>
  getUpstreamMsgMonth(begin: string | number, end: string, callback: ApiCallback<WeChatResult>): void
  /** `/datacube/getupstreammsgweek` (account). */
  getUpstreamMsgWeek(begin: string | number, end: string): Promise<WeChatResult>
  getUpstreamMsgWeek(begin: string | number, end: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/user/info` (account). */
  getUser(options: string | { openid: string; lang?: 'zh_CN' | 'zh_TW' | 'en' }): Promise<WeChatUser>
  getUser(options: string | { openid: string; lang?: 'zh_CN' | 'zh_TW' | 'en' }, callback: ApiCallback<WeChatUser>): void
  /** `/datacube/getusercumulate` (account). */
  getUserCumulate(begin: string | number, end: string): Promise<WeChatResult>
  getUserCumulate(begin: string | number, end: string, callback: ApiCallback<WeChatResult>): void
  /** `/datacube/getuserread` (account). */
  getUserRead(begin: string | number, end: string): Promise<WeChatResult>
  getUserRead(begin: string | number, end: string, callback: ApiCallback<WeChatResult>): void
  /** `/datacube/getuserreadhour` (account). */
  getUserReadHour(begin: string | number, end: string): Promise<WeChatResult>
  getUserReadHour(begin: string | number, end: string, callback: ApiCallback<WeChatResult>): void
  /** `/datacube/getusershare` (account). */
  getUserShare(begin: string | number, end: string): Promise<WeChatResult>
  getUserShare(begin: string | number, end: string, callback: ApiCallback<WeChatResult>): void
  /** `/datacube/getusersharehour` (account). */
  getUserShareHour(begin: string | number, end: string): Promise<WeChatResult>
  getUserShareHour(begin: string | number, end: string, callback: ApiCallback<WeChatResult>): void
  /** `/datacube/getusersummary` (account). */
  getUserSummary(begin: string | number, end: string): Promise<WeChatResult>
  getUserSummary(begin: string | number, end: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/tags/getidlist` (account). */
  getUserTags(openid: string): Promise<{ tagid_list: number[] }>
  getUserTags(openid: string, callback: ApiCallback<{ tagid_list: number[] }>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/cgi-bin/groups/getid` (account). */
  getWhichGroup(openid: string): Promise<WeChatResult>
  getWhichGroup(openid: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/message/mass/sendall` (account). */
  massSend(opts: WeChatObject, receivers: string[] | boolean | number | string): Promise<{ msg_id: number; msg_data_id?: number }>
  massSend(opts: WeChatObject, receivers: string[] | boolean | number | string, callback: ApiCallback<{ msg_id: number; msg_data_id?: number }>): void
  /** `/cgi-bin/message/mass/sendall` (account). */
  massSendImage(mediaId: string, receivers: string[] | boolean | number | string): Promise<WeChatResult>
  massSendImage(mediaId: string, receivers: string[] | boolean | number | string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/message/mass/sendall` (account). */
  massSendNews(mediaId: string, receivers: string[] | boolean | number | string): Promise<WeChatResult>
  massSendNews(mediaId: string, receivers: string[] | boolean | number | string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/message/mass/sendall` (account). */
  massSendText(content: string, receivers: string[] | boolean | number | string): Promise<WeChatResult>
  massSendText(content: string, receivers: string[] | boolean | number | string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/message/mass/sendall` (account). */
  massSendVideo(mediaId: string, receivers: string[] | boolean | number | string): Promise<WeChatResult>
  massSendVideo(mediaId: string, receivers: string[] | boolean | number | string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/message/mass/sendall` (account). */
  massSendVoice(mediaId: string, receivers: string[] | boolean | number | string): Promise<WeChatResult>
  massSendVoice(mediaId: string, receivers: string[] | boolean | number | string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/tags/members/batchtagging` (account). */
  membersBatchtagging(tagId: number, openList: string[]): Promise<WeChatResult>
  membersBatchtagging(tagId: number, openList: string[], callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/tags/members/batchuntagging` (account). */
  membersBatchuntagging(tagId: number, openList: string[]): Promise<WeChatResult>
  membersBatchuntagging(tagId: number, openList: string[], callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/cgi-bin/groups/members/update` (account). */
  moveUserToGroup(openid: string, groupId: number | string): Promise<WeChatResult>
  moveUserToGroup(openid: string, groupId: number | string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/message/mass/preview` (account). */
  previewImage(openid: string, mediaId: string): Promise<WeChatResult>
  previewImage(openid: string, mediaId: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/message/mass/preview` (account). */
  previewNews(openid: string, mediaId: string): Promise<WeChatResult>
  previewNews(openid: string, mediaId: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/message/mass/preview` (account). */
  previewText(openid: string, content: string): Promise<WeChatResult>
  previewText(openid: string, content: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/message/mass/preview` (account). */
  previewVideo(openid: string, mediaId: string): Promise<WeChatResult>
  previewVideo(openid: string, mediaId: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/message/mass/preview` (account). */
  previewVoice(openid: string, mediaId: string): Promise<WeChatResult>
  previewVoice(openid: string, mediaId: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/menu/delconditional` (account). */
  removeCustomMenu(menu_id: number | string): Promise<WeChatResult>
  removeCustomMenu(menu_id: number | string, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/cgi-bin/groups/delete` (account). */
  removeGroup(groupId: number | string): Promise<WeChatResult>
  removeGroup(groupId: number | string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/material/del_material` (account). */
  removeMaterial(mediaId: string): Promise<WeChatResult>
  removeMaterial(mediaId: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/menu/delete` (account). */
  removeMenu(): Promise<WeChatResult>
  removeMenu(callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/semantic/semproxy/search` (account). */
  semantic(uid: string, opts: WeChatObject): Promise<WeChatResult>
  semantic(uid: string, opts: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/message/custom/send` (account). */
  sendImage(openid: string, mediaId: string): Promise<WeChatResult>
  sendImage(openid: string, mediaId: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/message/custom/send` (account). */
  sendImageFromCs(openid: string, cs_account: string, mediaId: string): Promise<WeChatResult>
  sendImageFromCs(openid: string, cs_account: string, mediaId: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/message/custom/send` (account). */
  sendMpNews(openid: string, mediaId: string): Promise<WeChatResult>
  sendMpNews(openid: string, mediaId: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/message/custom/send` (account). */
  sendMpNewsFromCs(openid: string, cs_account: string, mediaId: string): Promise<WeChatResult>
  sendMpNewsFromCs(openid: string, cs_account: string, mediaId: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/message/custom/send` (account). */
  sendMusic(openid: string, music: WeChatObject): Promise<WeChatResult>
  sendMusic(openid: string, music: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/message/custom/send` (account). */
  sendMusicFromCs(openid: string, cs_account: string, music: WeChatObject): Promise<WeChatResult>
  sendMusicFromCs(openid: string, cs_account: string, music: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/message/custom/send` (account). */
  sendNews(openid: string, articles: WeChatArticle[]): Promise<WeChatResult>
  sendNews(openid: string, articles: WeChatArticle[], callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/message/custom/send` (account). */
  sendNewsFromCs(openid: string, cs_account: string, articles: WeChatArticle[]): Promise<WeChatResult>
  sendNewsFromCs(openid: string, cs_account: string, articles: WeChatArticle[], callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/message/template/send` (account). */
  sendTemplate(openid: string, templateId: string, dest: string | { url?: string; miniprogram?: { appid: string; pagepath?: string } } | null, data: WeChatObject, topcolorData?: WeChatObject): Promise<{ msgid: number }>
  sendTemplate(openid: string, templateId: string, dest: string | { url?: string; miniprogram?: { appid: string; pagepath?: string } } | null, data: WeChatObject, callback: ApiCallback<{ msgid: number }>): void
  sendTemplate(openid: string, templateId: string, dest: string | { url?: string; miniprogram?: { appid: string; pagepath?: string } } | null, data: WeChatObject, topcolorData: WeChatObject, callback: ApiCallback<{ msgid: number }>): void
  /** `/cgi-bin/message/custom/send` (account). */
  sendText(openid: string, text: string): Promise<WeChatResult>
  sendText(openid: string, text: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/message/custom/send` (account). */
  sendTextFromCs(openid: string, cs_account: string, text: string): Promise<WeChatResult>
  sendTextFromCs(openid: string, cs_account: string, text: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/message/custom/send` (account). */
  sendVideo(openid: string, mediaId: string, thumbMediaId: string): Promise<WeChatResult>
  sendVideo(openid: string, mediaId: string, thumbMediaId: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/message/custom/send` (account). */
  sendVideoFromCs(openid: string, cs_account: string, mediaId: string, thumbMediaId: string): Promise<WeChatResult>
  sendVideoFromCs(openid: string, cs_account: string, mediaId: string, thumbMediaId: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/message/custom/send` (account). */
  sendVoice(openid: string, mediaId: string): Promise<WeChatResult>
  sendVoice(openid: string, mediaId: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/message/custom/send` (account). */
  sendVoiceFromCs(openid: string, cs_account: string, mediaId: string): Promise<WeChatResult>
  sendVoiceFromCs(openid: string, cs_account: string, mediaId: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/template/api_set_industry` (account). */
  setIndustry(industryIds: { industry_id1: string; industry_id2: string }): Promise<WeChatResult>
  setIndustry(industryIds: { industry_id1: string; industry_id2: string }, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/cgi-bin/shorturl` (account). */
  shorturl(longUrl: string): Promise<WeChatResult>
  shorturl(longUrl: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/menu/trymatch` (account). */
  testCustomMenu(user_id: string): Promise<WeChatResult>
  testCustomMenu(user_id: string, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/cgi-bin/groups/update` (account). */
  updateGroup(id: number, name: string): Promise<WeChatResult>
  updateGroup(id: number, name: string, callback: ApiCallback<WeChatResult>): void
  /** `/customservice/kfaccount/update` (account). */
  updateKfAccount(account: string, nick: string, password: string): Promise<WeChatResult>
  updateKfAccount(account: string, nick: string, password: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/material/update_news` (account). */
  updateNewsMaterial(news: WeChatObject): Promise<WeChatResult>
  updateNewsMaterial(news: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/user/info/updateremark` (account). */
  updateRemark(openid: string, remark: string): Promise<WeChatResult>
  updateRemark(openid: string, remark: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/media/uploadvideo` (account). */
  uploadMPVideo(opts: WeChatObject): Promise<WeChatResult>
  uploadMPVideo(opts: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/media/uploadnews` (account). */
  uploadNews(news: WeChatObject): Promise<WeChatResult>
  uploadNews(news: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/material/add_news` (account). */
  uploadNewsMaterial(news: WeChatObject): Promise<WeChatResult>
  uploadNewsMaterial(news: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** `/card/membercard/activate` (card). */
  activateMembercard(info: WeChatObject): Promise<WeChatResult>
  activateMembercard(info: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** `/card/membercard/activateuserform/set` (card). */
  activateMembercardUserForm(info: WeChatObject): Promise<WeChatResult>
  activateMembercardUserForm(info: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** `/card/consumer/add` (card). */
  addConsumer(username: WeChatValue, locationId?: string | number): Promise<WeChatResult>
  addConsumer(username: WeChatValue, callback: ApiCallback<WeChatResult>): void
  addConsumer(username: WeChatValue, locationId: string | number, callback: ApiCallback<WeChatResult>): void
  /** `/card/location/batchadd` (card). */
  addLocations(locations: WeChatObject[]): Promise<WeChatResult>
  addLocations(locations: WeChatObject[], callback: ApiCallback<WeChatResult>): void
  /** `/card/submerchant/batchget` (card). */
  batchgetSubmerchant(data: WeChatObject): Promise<WeChatResult>
  batchgetSubmerchant(data: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** `/card/code/checkcode` (card). */
  checkCustomizedCodes(cardId: string, code: string | string[]): Promise<WeChatResult>
  checkCustomizedCodes(cardId: string, code: string | string[], callback: ApiCallback<WeChatResult>): void
  /** `/card/boardingpass/checkin` (card). */
  checkInBoardingPass(info: WeChatObject): Promise<WeChatResult>
  checkInBoardingPass(info: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** `/card/code/consume` (card). */
  consumeCode(code: string | string[], cardId: string): Promise<WeChatResult>
  consumeCode(code: string | string[], cardId: string, callback: ApiCallback<WeChatResult>): void
  /** `/card/create` (card). */
  createCard(card: WeChatCard): Promise<WeChatResult>
  createCard(card: WeChatCard, callback: ApiCallback<WeChatResult>): void
  /** `/card/qrcode/create` (card). */
  createCardQRCode(info: WeChatObject, expire_seconds?: WeChatValue): Promise<WeChatResult>
  createCardQRCode(info: WeChatObject, callback: ApiCallback<WeChatResult>): void
  createCardQRCode(info: WeChatObject, expire_seconds: WeChatValue, callback: ApiCallback<WeChatResult>): void
  /** `/card/qrcode/create` (card). */
  createQRCode(card: WeChatCard): Promise<WeChatResult>
  createQRCode(card: WeChatCard, callback: ApiCallback<WeChatResult>): void
  /** `/card/code/decrypt` (card). */
  decryptCode(encryptCode: WeChatValue): Promise<WeChatResult>
  decryptCode(encryptCode: WeChatValue, callback: ApiCallback<WeChatResult>): void
  /** `/card/delete` (card). */
  deleteCard(cardId: string): Promise<WeChatResult>
  deleteCard(cardId: string, callback: ApiCallback<WeChatResult>): void
  /** `/card/getapplyprotocol` (card). */
  getApplyProtocol(): Promise<WeChatResult>
  getApplyProtocol(callback: ApiCallback<WeChatResult>): void
  /** `/card/get` (card). */
  getCard(cardId: string): Promise<WeChatResult>
  getCard(cardId: string, callback: ApiCallback<WeChatResult>): void
  /** `/datacube/getcardcardinfo` (card). */
  getCardDataInfo(cardId: string, beginDate: WeChatValue, endDate: WeChatValue, source: WeChatValue): Promise<WeChatResult>
  getCardDataInfo(cardId: string, beginDate: WeChatValue, endDate: WeChatValue, source: WeChatValue, callback: ApiCallback<WeChatResult>): void
  /** `/card/batchget` (card). */
  getCards(offset: number, count: number, status_list?: string[]): Promise<WeChatResult>
  getCards(offset: number, count: number, callback: ApiCallback<WeChatResult>): void
  getCards(offset: number, count: number, status_list: string[], callback: ApiCallback<WeChatResult>): void
  /** `/card/code/get` (card). */
  getCode(code: string | string[], cardId?: string): Promise<WeChatResult>
  getCode(code: string | string[], callback: ApiCallback<WeChatResult>): void
  getCode(code: string | string[], cardId: string, callback: ApiCallback<WeChatResult>): void
  /** `/card/getcolors` (card). */
  getColors(): Promise<WeChatResult>
  getColors(callback: ApiCallback<WeChatResult>): void
  /** `/card/code/getdepositcount` (card). */
  getDepositCodesCount(cardId: string): Promise<WeChatResult>
  getDepositCodesCount(cardId: string, callback: ApiCallback<WeChatResult>): void
  /** `/card/location/batchget` (card). */
  getLocations(offset: number, count: number): Promise<WeChatResult>
  getLocations(offset: number, count: number, callback: ApiCallback<WeChatResult>): void
  /** `/card/membercard/userinfo/get` (card). */
  getMembercard(info: WeChatObject): Promise<WeChatResult>
  getMembercard(info: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** `/card/membercard/userinfo/get` (card). */
  getMemberCardUserInfo(info: WeChatObject): Promise<WeChatResult>
  getMemberCardUserInfo(info: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** `/card/submerchant/get` (card). */
  getSubmerchant(merchantId: string | number): Promise<WeChatResult>
  getSubmerchant(merchantId: string | number, callback: ApiCallback<WeChatResult>): void
  /** `/datacube/getcardbizuininfo` (card). */
  getTotalCardDataInfo(beginDate: WeChatValue, endDate: WeChatValue, source: WeChatValue): Promise<WeChatResult>
  getTotalCardDataInfo(beginDate: WeChatValue, endDate: WeChatValue, source: WeChatValue, callback: ApiCallback<WeChatResult>): void
  /** `/card/code/deposit` (card). */
  importCustomizedCodes(cardId: string, code: string | string[]): Promise<WeChatResult>
  importCustomizedCodes(cardId: string, code: string | string[], callback: ApiCallback<WeChatResult>): void
  /** `/card/testwhitelist/set` (card). */
  setTestWhitelist(info: WeChatObject): Promise<WeChatResult>
  setTestWhitelist(info: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** `/card/submerchant/submit` (card). */
  submitSubmerchant(options: WeChatObject): Promise<WeChatResult>
  submitSubmerchant(options: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** `/card/code/unavailable` (card). */
  unavailableCode(code: string | string[], cardId?: string): Promise<WeChatResult>
  unavailableCode(code: string | string[], callback: ApiCallback<WeChatResult>): void
  unavailableCode(code: string | string[], cardId: string, callback: ApiCallback<WeChatResult>): void
  /** `/card/update` (card). */
  updateCard(cardId: string, cardType: WeChatValue, cardInfo: WeChatValue): Promise<WeChatResult>
  updateCard(cardId: string, cardType: WeChatValue, cardInfo: WeChatValue, callback: ApiCallback<WeChatResult>): void
  /** `/card/modifystock` (card). */
  updateCardStock(cardId: string, num: number): Promise<WeChatResult>
  updateCardStock(cardId: string, num: number, callback: ApiCallback<WeChatResult>): void
  /** `/card/code/update` (card). */
  updateCode(code: string | string[], cardId: string, newcode: WeChatValue): Promise<WeChatResult>
  updateCode(code: string | string[], cardId: string, newcode: WeChatValue, callback: ApiCallback<WeChatResult>): void
  /** `/card/luckymonkey/updateuserbalance` (card). */
  updateLuckyMonkeyBalance(code: string | string[], cardId: string, balance: WeChatValue): Promise<WeChatResult>
  updateLuckyMonkeyBalance(code: string | string[], cardId: string, balance: WeChatValue, callback: ApiCallback<WeChatResult>): void
  /** `/card/meetingticket/updateuser` (card). */
  updateMeetingTicket(info: WeChatObject): Promise<WeChatResult>
  updateMeetingTicket(info: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** `/card/membercard/updateuser` (card). */
  updateMembercard(info: WeChatObject): Promise<WeChatResult>
  updateMembercard(info: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** `/card/membercard/updateuser` (card). */
  updateMemberCardUserInfo(data: WeChatObject): Promise<WeChatResult>
  updateMemberCardUserInfo(data: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** `/card/movieticket/updateuser` (card). */
  updateMovieTicket(info: WeChatObject): Promise<WeChatResult>
  updateMovieTicket(info: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** `/card/submerchant/update` (card). */
  updateSubmerchant(options: WeChatObject): Promise<WeChatResult>
  updateSubmerchant(options: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/shakearound/device/group/add` (commerce). */
  addBeaconGroup(group: WeChatValue): Promise<WeChatResult>
  addBeaconGroup(group: WeChatValue, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/merchant/express/add` (commerce). */
  addExpressTemplate(express: WeChatValue): Promise<WeChatResult>
  addExpressTemplate(express: WeChatValue, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/shakearound/device/group/adddevice` (commerce). */
  addGroupBeacons(options: WeChatObject): Promise<WeChatResult>
  addGroupBeacons(options: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/shakearound/lottery/addlotteryinfo` (commerce). */
  addLotteryInfo(options: { use_template?: WeChatValue; logo_url?: WeChatValue }, body: WeChatValue): Promise<WeChatResult>
  addLotteryInfo(options: { use_template?: WeChatValue; logo_url?: WeChatValue }, body: WeChatValue, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/poi/addpoi` (commerce). */
  addPoi(poi: WeChatValue): Promise<WeChatResult>
  addPoi(poi: WeChatValue, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/shakearound/device/applyid` (commerce). */
  applyBeacons(options: WeChatObject): Promise<WeChatResult>
  applyBeacons(options: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/shakearound/device/applystatus` (commerce). */
  applyBeaconsStatus(apply_id: string | number): Promise<WeChatResult>
  applyBeaconsStatus(apply_id: string | number, callback: ApiCallback<WeChatResult>): void
  /** `/device/authorize_device` (commerce). */
  authorizeDevices(devices: WeChatObject[], optype: WeChatValue, productid?: WeChatValue): Promise<WeChatResult>
  authorizeDevices(devices: WeChatObject[], optype: WeChatValue, callback: ApiCallback<WeChatResult>): void
  authorizeDevices(devices: WeChatObject[], optype: WeChatValue, productid: WeChatValue, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/shakearound/device/bindlocation` (commerce). */
  bindBeaconLocation(options: WeChatObject): Promise<WeChatResult>
  bindBeaconLocation(options: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/shakearound/device/bindpage` (commerce). */
  bindBeaconWithPages(options: WeChatObject): Promise<WeChatResult>
  bindBeaconWithPages(options: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** `/device/bind` (commerce). */
  bindDevice(deviceId: string | number, openid: string, ticket: WeChatValue): Promise<WeChatResult>
  bindDevice(deviceId: string | number, openid: string, ticket: WeChatValue, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/shakearound/account/auditstatus` (commerce). */
  checkShakeAccountStatus(): Promise<WeChatResult>
  checkShakeAccountStatus(callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/merchant/order/close` (commerce). */
  closeOrder(orderId: string | number): Promise<WeChatResult>
  closeOrder(orderId: string | number, callback: ApiCallback<WeChatResult>): void
  /** `/device/compel_bind` (commerce). */
  compelBindDevice(deviceId: string | number, openid: string): Promise<WeChatResult>
  compelBindDevice(deviceId: string | number, openid: string, callback: ApiCallback<WeChatResult>): void
  /** `/device/compel_unbind` (commerce). */
  compelUnbindDevice(deviceId: string | number, openid: string): Promise<WeChatResult>
  compelUnbindDevice(deviceId: string | number, openid: string, callback: ApiCallback<WeChatResult>): void
  /** `/device/create_qrcode` (commerce). */
  createDeviceQRCode(deviceIds: string[]): Promise<WeChatResult>
  createDeviceQRCode(deviceIds: string[], callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/merchant/create` (commerce). */
  createGoods(goods: WeChatValue): Promise<WeChatResult>
  createGoods(goods: WeChatValue, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/merchant/group/add` (commerce). */
  createGoodsGroup(groupName: WeChatValue, productList: string[]): Promise<WeChatResult>
  createGoodsGroup(groupName: WeChatValue, productList: string[], callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/shakearound/page/add` (commerce). */
  createPage(page: WeChatValue): Promise<WeChatResult>
  createPage(page: WeChatValue, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/merchant/shelf/add` (commerce). */
  createShelf(shelf: WeChatValue): Promise<WeChatResult>
  createShelf(shelf: WeChatValue, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/shakearound/device/group/delete` (commerce). */
  deleteBeaconGroup(group_id: string | number): Promise<WeChatResult>
  deleteBeaconGroup(group_id: string | number, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/merchant/express/del` (commerce). */
  deleteExpressTemplate(templateId: string): Promise<WeChatResult>
  deleteExpressTemplate(templateId: string, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/merchant/del` (commerce). */
  deleteGoods(productId: string | number): Promise<WeChatResult>
  deleteGoods(productId: string | number, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/merchant/group/del` (commerce). */
  deleteGoodsGroup(groupId: number | string): Promise<WeChatResult>
  deleteGoodsGroup(groupId: number | string, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/shakearound/device/group/deletedevice` (commerce). */
  deleteGroupBeacons(options: WeChatObject): Promise<WeChatResult>
  deleteGroupBeacons(options: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/shakearound/page/delete` (commerce). */
  deletePage(page_id: string | number): Promise<WeChatResult>
  deletePage(page_id: string | number, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/merchant/shelf/del` (commerce). */
  deleteShelf(shelfId: string | number): Promise<WeChatResult>
  deleteShelf(shelfId: string | number, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/pay/delivernotify` (commerce). */
  deliverNotify(data: WeChatObject): Promise<WeChatResult>
  deliverNotify(data: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/poi/delpoi` (commerce). */
  delPoi(poiId: string | number): Promise<WeChatResult>
  delPoi(poiId: string | number, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/merchant/express/getall` (commerce). */
  getAllExpressTemplates(): Promise<WeChatResult>
  getAllExpressTemplates(callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/merchant/group/getall` (commerce). */
  getAllGroups(): Promise<WeChatResult>
  getAllGroups(callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/merchant/shelf/getall` (commerce). */
  getAllShelves(): Promise<WeChatResult>
  getAllShelves(callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/shakearound/device/search` (commerce). */
  getBeacons(options: WeChatObject): Promise<WeChatResult>
  getBeacons(options: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** `/device/get_bind_device` (commerce). */
  getBindDevice(openid: string): Promise<WeChatResult>
  getBindDevice(openid: string, callback: ApiCallback<WeChatResult>): void
  /** `/device/getqrcode` (commerce). */
  getDeviceQRCode(product_id: string | number): Promise<WeChatResult>
  getDeviceQRCode(product_id: string | number, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/shakearound/statistics/device` (commerce). */
  getDeviceStatistics(options: WeChatObject): Promise<WeChatResult>
  getDeviceStatistics(options: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/shakearound/statistics/devicelist` (commerce). */
  getDeviceStatisticsList(options: WeChatObject): Promise<WeChatResult>
  getDeviceStatisticsList(options: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** `/device/get_stat` (commerce). */
  getDeviceStatus(deviceId: string | number): Promise<WeChatResult>
  getDeviceStatus(deviceId: string | number, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/merchant/express/getbyid` (commerce). */
  getExpressTemplateById(templateId: string): Promise<WeChatResult>
  getExpressTemplateById(templateId: string, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/merchant/get` (commerce). */
  getGoods(productId: string | number): Promise<WeChatResult>
  getGoods(productId: string | number, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/merchant/getbystatus` (commerce). */
  getGoodsByStatus(status: number): Promise<WeChatResult>
  getGoodsByStatus(status: number, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/merchant/group/getbyid` (commerce). */
  getGroupById(groupId: number | string): Promise<WeChatResult>
  getGroupById(groupId: number | string, callback: ApiCallback<WeChatResult>): void
  /** `/device/get_openid` (commerce). */
  getOpenID(deviceId: string | number, deviceType: WeChatValue): Promise<WeChatResult>
  getOpenID(deviceId: string | number, deviceType: WeChatValue, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/merchant/order/getbyid` (commerce). */
  getOrderById(orderId: string | number): Promise<WeChatResult>
  getOrderById(orderId: string | number, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/merchant/order/getbyfilter` (commerce). */
  getOrdersByStatus(status?: number | Date, beginTime?: Date | number, endTime?: Date | number): Promise<WeChatResult>
  getOrdersByStatus(callback: ApiCallback<WeChatResult>): void
  getOrdersByStatus(status: number | Date, callback: ApiCallback<WeChatResult>): void
  getOrdersByStatus(status: number | Date, beginTime: Date | number, callback: ApiCallback<WeChatResult>): void
  getOrdersByStatus(status: number | Date, beginTime: Date | number, endTime: Date | number, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/shakearound/page/search` (commerce). */
  getPages(options: WeChatObject): Promise<WeChatResult>
  getPages(options: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/shakearound/statistics/page` (commerce). */
  getPageStatistics(options: WeChatObject): Promise<WeChatResult>
  getPageStatistics(options: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/shakearound/statistics/pagelist` (commerce). */
  getPageStatisticsList(options: WeChatObject): Promise<WeChatResult>
  getPageStatisticsList(options: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/poi/getpoi` (commerce). */
  getPoi(poiId: string | number): Promise<WeChatResult>
  getPoi(poiId: string | number, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/poi/getpoilist` (commerce). */
  getPois(begin: string | number, limit: number): Promise<WeChatResult>
  getPois(begin: string | number, limit: number, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/merchant/category/getproperty` (commerce). */
  getProperties(catId: string | number): Promise<WeChatResult>
  getProperties(catId: string | number, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/shakearound/user/getshakeinfo` (commerce). */
  getShakeInfo(ticket: WeChatValue): Promise<WeChatResult>
  getShakeInfo(ticket: WeChatValue, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/merchant/shelf/getbyid` (commerce). */
  getShelfById(shelfId: string | number): Promise<WeChatResult>
  getShelfById(shelfId: string | number, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/merchant/category/getsku` (commerce). */
  getSKUs(catId: string | number): Promise<WeChatResult>
  getSKUs(catId: string | number, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/merchant/category/getsub` (commerce). */
  getSubCats(catId: string | number): Promise<WeChatResult>
  getSubCats(catId: string | number, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/poi/getwxcategory` (commerce). */
  getWXCategory(): Promise<WeChatResult>
  getWXCategory(callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/shakearound/device/group/getlist` (commerce). */
  listBeaconGroup(options: WeChatObject): Promise<WeChatResult>
  listBeaconGroup(options: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/pay/orderquery` (commerce). */
  orderQuery(query: WeChatObject): Promise<WeChatResult>
  orderQuery(query: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/shakearound/device/group/getdetail` (commerce). */
  queryGroupBeacons(options: WeChatObject): Promise<WeChatResult>
  queryGroupBeacons(options: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/shakearound/account/register` (commerce). */
  registerShakeAccount(options: WeChatObject): Promise<WeChatResult>
  registerShakeAccount(options: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/shakearound/relation/search` (commerce). */
  searchBeaconPageRelation(options: WeChatObject): Promise<WeChatResult>
  searchBeaconPageRelation(options: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/merchant/order/setdelivery` (commerce). */
  setExpressForOrder(orderId: string | number, deliveryCompany: WeChatValue, deliveryTrackNo: WeChatValue): Promise<WeChatResult>
  setExpressForOrder(orderId: string | number, deliveryCompany: WeChatValue, deliveryTrackNo: WeChatValue, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/shakearound/lottery/setlotteryswitch` (commerce). */
  setLotterySwitch(lotteryId: string | number, onoff: WeChatValue): Promise<WeChatResult>
  setLotterySwitch(lotteryId: string | number, onoff: WeChatValue, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/shakearound/lottery/setprizebucket` (commerce). */
  setPrizeBucket(options: WeChatObject): Promise<WeChatResult>
  setPrizeBucket(options: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** `/device/transmsg` (commerce). */
  transferMessage(deviceType: WeChatValue, deviceId: string | number, openid: string, content: string): Promise<WeChatResult>
  transferMessage(deviceType: WeChatValue, deviceId: string | number, openid: string, content: string, callback: ApiCallback<WeChatResult>): void
  /** `/device/transmsg` (commerce). */
  transferStatus(deviceType: WeChatValue, deviceId: string | number, openid: string, status: number): Promise<WeChatResult>
  transferStatus(deviceType: WeChatValue, deviceId: string | number, openid: string, status: number, callback: ApiCallback<WeChatResult>): void
  /** `/device/unbind` (commerce). */
  unbindDevice(deviceId: string | number, openid: string, ticket: WeChatValue): Promise<WeChatResult>
  unbindDevice(deviceId: string | number, openid: string, ticket: WeChatValue, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/shakearound/device/update` (commerce). */
  updateBeacon(options: WeChatObject): Promise<WeChatResult>
  updateBeacon(options: WeChatObject, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/shakearound/device/group/update` (commerce). */
  updateBeaconGroup(group: WeChatValue): Promise<WeChatResult>
  updateBeaconGroup(group: WeChatValue, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/merchant/express/update` (commerce). */
  updateExpressTemplate(template: WeChatValue): Promise<WeChatResult>
  updateExpressTemplate(template: WeChatValue, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/payfeedback/update` (commerce). */
  updateFeedback(openid: string, feedbackId: string | number): Promise<WeChatResult>
  updateFeedback(openid: string, feedbackId: string | number, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/merchant/update` (commerce). */
  updateGoods(goods: WeChatValue): Promise<WeChatResult>
  updateGoods(goods: WeChatValue, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/merchant/group/productmod` (commerce). */
  updateGoodsForGroup(groupId: number | string, addProductList?: string[], delProductList?: string[]): Promise<WeChatResult>
  updateGoodsForGroup(groupId: number | string, callback: ApiCallback<WeChatResult>): void
  updateGoodsForGroup(groupId: number | string, addProductList: string[], callback: ApiCallback<WeChatResult>): void
  updateGoodsForGroup(groupId: number | string, addProductList: string[], delProductList: string[], callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/merchant/group/propertymod` (commerce). */
  updateGoodsGroup(groupId: number | string, groupName: WeChatValue): Promise<WeChatResult>
  updateGoodsGroup(groupId: number | string, groupName: WeChatValue, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/merchant/modproductstatus` (commerce). */
  updateGoodsStatus(productId: string | number, status: number): Promise<WeChatResult>
  updateGoodsStatus(productId: string | number, status: number, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/shakearound/page/update` (commerce). */
  updatePage(page: WeChatValue): Promise<WeChatResult>
  updatePage(page: WeChatValue, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/poi/updatepoi` (commerce). */
  updatePoi(poi: WeChatValue): Promise<WeChatResult>
  updatePoi(poi: WeChatValue, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/merchant/shelf/mod` (commerce). */
  updateShelf(shelf: WeChatValue): Promise<WeChatResult>
  updateShelf(shelf: WeChatValue, callback: ApiCallback<WeChatResult>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/merchant/stock/add` (commerce). */
  updateStock(number: number, productId: string | number, sku: WeChatValue): Promise<WeChatResult>
  updateStock(number: number, productId: string | number, sku: WeChatValue, callback: ApiCallback<WeChatResult>): void
  /** `/device/verify_qrcode` (commerce). */
  verifyDeviceQRCode(ticket: WeChatValue): Promise<WeChatResult>
  verifyDeviceQRCode(ticket: WeChatValue, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/material/get_material` (media). */
  getMaterial(mediaId: string): Promise<Buffer | WeChatObject>
  getMaterial(mediaId: string, callback: ApiCallback<Buffer | WeChatObject>): void
  /** `/cgi-bin/media/get` (media). */
  getMedia(mediaId: string): Promise<Buffer | WeChatObject>
  getMedia(mediaId: string, callback: ApiCallback<Buffer | WeChatObject>): void
  /** `/customservice/kfaccount/uploadheadimg` (media). */
  setKfAccountAvatar(account: string, filepath: string | Buffer): Promise<WeChatMediaUpload>
  setKfAccountAvatar(account: string, filepath: string | Buffer, callback: ApiCallback<WeChatMediaUpload>): void
  /** `/cgi-bin/media/uploadimg` (media). */
  uploadImage(filepath: string | Buffer): Promise<WeChatMediaUpload>
  uploadImage(filepath: string | Buffer, callback: ApiCallback<WeChatMediaUpload>): void
  /** `/cgi-bin/material/add_material` (media). */
  uploadImageMaterial(filepath: string | Buffer): Promise<WeChatMediaUpload>
  uploadImageMaterial(filepath: string | Buffer, callback: ApiCallback<WeChatMediaUpload>): void
  /** `/cgi-bin/media/uploadimg` (media). */
  uploadImageStream(req: NodeJS.ReadableStream): Promise<WeChatMediaUpload>
  uploadImageStream(req: NodeJS.ReadableStream, callback: ApiCallback<WeChatMediaUpload>): void
  /** `/cgi-bin/media/uploadimg` (media). */
  uploadLogo(filepath: string | Buffer): Promise<WeChatMediaUpload>
  uploadLogo(filepath: string | Buffer, callback: ApiCallback<WeChatMediaUpload>): void
  /** `/cgi-bin/material/add_material` (media). */
  uploadMaterial(filepath: string | Buffer, type: string): Promise<WeChatMediaUpload>
  uploadMaterial(filepath: string | Buffer, type: string, callback: ApiCallback<WeChatMediaUpload>): void
  /** `/cgi-bin/media/upload` (media). */
  uploadMedia(filepath: string | Buffer, type: string): Promise<WeChatMediaUpload>
  uploadMedia(filepath: string | Buffer, type: string, callback: ApiCallback<WeChatMediaUpload>): void
  /** `/cgi-bin/media/upload` (media). */
  uploadMediaStream(req: NodeJS.ReadableStream, type: string): Promise<WeChatMediaUpload>
  uploadMediaStream(req: NodeJS.ReadableStream, type: string, callback: ApiCallback<WeChatMediaUpload>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/shakearound/material/add` (media). */
  uploadPageIcon(filepath: string | Buffer): Promise<WeChatMediaUpload>
  uploadPageIcon(filepath: string | Buffer, callback: ApiCallback<WeChatMediaUpload>): void
  /** @deprecated WeChat has retired this endpoint (it answers with its own error). `/merchant/common/upload_img` (media). */
  uploadPicture(filepath: string | Buffer): Promise<WeChatMediaUpload>
  uploadPicture(filepath: string | Buffer, callback: ApiCallback<WeChatMediaUpload>): void
  /** `/cgi-bin/media/upload` (media). */
  uploadThumb(filepath: string | Buffer): Promise<WeChatMediaUpload>
  uploadThumb(filepath: string | Buffer, callback: ApiCallback<WeChatMediaUpload>): void
  /** `/cgi-bin/material/add_material` (media). */
  uploadThumbMaterial(filepath: string | Buffer): Promise<WeChatMediaUpload>
  uploadThumbMaterial(filepath: string | Buffer, callback: ApiCallback<WeChatMediaUpload>): void
  /** `/cgi-bin/media/upload` (media). */
  uploadThumbStream(req: NodeJS.ReadableStream): Promise<WeChatMediaUpload>
  uploadThumbStream(req: NodeJS.ReadableStream, callback: ApiCallback<WeChatMediaUpload>): void
  /** `/cgi-bin/media/upload` (media). */
  uploadVideo(filepath: string | Buffer): Promise<WeChatMediaUpload>
  uploadVideo(filepath: string | Buffer, callback: ApiCallback<WeChatMediaUpload>): void
  /** `/cgi-bin/material/add_material` (media). */
  uploadVideoMaterial(filepath: string | Buffer, description: { title: string; introduction?: string }): Promise<WeChatMediaUpload>
  uploadVideoMaterial(filepath: string | Buffer, description: { title: string; introduction?: string }, callback: ApiCallback<WeChatMediaUpload>): void
  /** `/cgi-bin/media/upload` (media). */
  uploadVideoStream(req: NodeJS.ReadableStream): Promise<WeChatMediaUpload>
  uploadVideoStream(req: NodeJS.ReadableStream, callback: ApiCallback<WeChatMediaUpload>): void
  /** `/cgi-bin/media/upload` (media). */
  uploadVoice(filepath: string | Buffer): Promise<WeChatMediaUpload>
  uploadVoice(filepath: string | Buffer, callback: ApiCallback<WeChatMediaUpload>): void
  /** `/cgi-bin/material/add_material` (media). */
  uploadVoiceMaterial(filepath: string | Buffer): Promise<WeChatMediaUpload>
  uploadVoiceMaterial(filepath: string | Buffer, callback: ApiCallback<WeChatMediaUpload>): void
  /** `/cgi-bin/media/upload` (media). */
  uploadVoiceStream(req: NodeJS.ReadableStream): Promise<WeChatMediaUpload>
  uploadVoiceStream(req: NodeJS.ReadableStream, callback: ApiCallback<WeChatMediaUpload>): void
  /** `/cgi-bin/draft/add` (modern). */
  addDraft(articles: WeChatArticle[]): Promise<{ media_id: string }>
  addDraft(articles: WeChatArticle[], callback: ApiCallback<{ media_id: string }>): void
  /** `/wxaapi/newtmpl/addtemplate` (modern). */
  addSubscribeTemplate(tid: string, kidList: number[], sceneDesc?: string): Promise<WeChatResult>
  addSubscribeTemplate(tid: string, kidList: number[], callback: ApiCallback<WeChatResult>): void
  addSubscribeTemplate(tid: string, kidList: number[], sceneDesc: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/tags/members/batchblacklist` (modern). */
  batchBlacklist(openids: string[]): Promise<WeChatResult>
  batchBlacklist(openids: string[], callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/draft/batchget` (modern). */
  batchGetDrafts(offset: number, count: number, noContent?: number): Promise<WeChatResult>
  batchGetDrafts(offset: number, count: number, callback: ApiCallback<WeChatResult>): void
  batchGetDrafts(offset: number, count: number, noContent: number, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/freepublish/batchget` (modern). */
  batchGetPublished(offset: number, count: number, noContent?: number): Promise<WeChatResult>
  batchGetPublished(offset: number, count: number, callback: ApiCallback<WeChatResult>): void
  batchGetPublished(offset: number, count: number, noContent: number, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/tags/members/batchunblacklist` (modern). */
  batchUnblacklist(openids: string[]): Promise<WeChatResult>
  batchUnblacklist(openids: string[], callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/open/bind` (modern). */
  bindOpenAccount(openAppid: string): Promise<WeChatResult>
  bindOpenAccount(openAppid: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/callback/check` (modern). */
  checkCallback(action?: 'all' | 'dns' | 'ping', checkOperator?: 'CHINANET' | 'UNICOM' | 'CAP' | 'DEFAULT'): Promise<WeChatResult>
  checkCallback(callback: ApiCallback<WeChatResult>): void
  checkCallback(action: 'all' | 'dns' | 'ping', callback: ApiCallback<WeChatResult>): void
  checkCallback(action: 'all' | 'dns' | 'ping', checkOperator: 'CHINANET' | 'UNICOM' | 'CAP' | 'DEFAULT', callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/open/create` (modern). */
  createOpenAccount(): Promise<{ open_appid: string }>
  createOpenAccount(callback: ApiCallback<{ open_appid: string }>): void
  /** `/cgi-bin/draft/delete` (modern). */
  deleteDraft(mediaId: string): Promise<WeChatResult>
  deleteDraft(mediaId: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/freepublish/delete` (modern). */
  deletePublish(articleId: string, index?: number): Promise<WeChatResult>
  deletePublish(articleId: string, callback: ApiCallback<WeChatResult>): void
  deletePublish(articleId: string, index: number, callback: ApiCallback<WeChatResult>): void
  /** `/wxaapi/newtmpl/deltemplate` (modern). */
  deleteSubscribeTemplate(priTmplId: string): Promise<WeChatResult>
  deleteSubscribeTemplate(priTmplId: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/shorten/fetch` (modern). */
  fetchShortKey(shortKey: string): Promise<{ long_data: string; create_time: number; expire_seconds: number }>
  fetchShortKey(shortKey: string, callback: ApiCallback<{ long_data: string; create_time: number; expire_seconds: number }>): void
  /** `/cgi-bin/shorten/gen` (modern). */
  genShortKey(longData: string, expireSeconds?: number): Promise<{ short_key: string }>
  genShortKey(longData: string, callback: ApiCallback<{ short_key: string }>): void
  genShortKey(longData: string, expireSeconds: number, callback: ApiCallback<{ short_key: string }>): void
  /** `/cgi-bin/get_api_domain_ip` (modern). */
  getApiDomainIp(): Promise<{ ip_list: string[] }>
  getApiDomainIp(callback: ApiCallback<{ ip_list: string[] }>): void
  /** `/cgi-bin/openapi/quota/get` (modern). */
  getApiQuota(cgiPath: string): Promise<{ quota: { daily_limit: number; used: number; remain: number } }>
  getApiQuota(cgiPath: string, callback: ApiCallback<{ quota: { daily_limit: number; used: number; remain: number } }>): void
  /** `/cgi-bin/tags/members/getblacklist` (modern). */
  getBlacklist(beginOpenid?: string): Promise<WeChatOpenidPage>
  getBlacklist(callback: ApiCallback<WeChatOpenidPage>): void
  getBlacklist(beginOpenid: string, callback: ApiCallback<WeChatOpenidPage>): void
  /** `/cgi-bin/draft/get` (modern). */
  getDraft(mediaId: string): Promise<WeChatResult>
  getDraft(mediaId: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/draft/count` (modern). */
  getDraftCount(): Promise<WeChatResult>
  getDraftCount(callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/open/get` (modern). */
  getOpenAccount(): Promise<{ open_appid: string }>
  getOpenAccount(callback: ApiCallback<{ open_appid: string }>): void
  /** `/cgi-bin/freepublish/getarticle` (modern). */
  getPublishedArticle(articleId: string): Promise<WeChatResult>
  getPublishedArticle(articleId: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/freepublish/get` (modern). */
  getPublishStatus(publishId: string): Promise<WeChatResult>
  getPublishStatus(publishId: string, callback: ApiCallback<WeChatResult>): void
  /** `/wxaapi/newtmpl/getpubtemplatekeywords` (modern). */
  getPubTemplateKeywords(tid: string): Promise<WeChatResult>
  getPubTemplateKeywords(tid: string, callback: ApiCallback<WeChatResult>): void
  /** `/wxaapi/newtmpl/getpubtemplatetitles` (modern). */
  getPubTemplateTitles(ids: string, start: number, limit: number): Promise<WeChatResult>
  getPubTemplateTitles(ids: string, start: number, limit: number, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/openapi/rid/get` (modern). */
  getRid(rid: string): Promise<WeChatResult>
  getRid(rid: string, callback: ApiCallback<WeChatResult>): void
  /** `/wxaapi/newtmpl/getcategory` (modern). */
  getSubscribeCategory(): Promise<WeChatResult>
  getSubscribeCategory(callback: ApiCallback<WeChatResult>): void
  /** `/wxaapi/newtmpl/gettemplate` (modern). */
  getSubscribeTemplates(): Promise<WeChatResult>
  getSubscribeTemplates(callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/message/subscribe/bizsend` (modern). */
  sendSubscribeMessage(message: WeChatObject | WxaSubscribeMessage): Promise<WeChatResult>
  sendSubscribeMessage(message: WeChatObject | WxaSubscribeMessage, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/freepublish/submit` (modern). */
  submitPublish(mediaId: string): Promise<{ publish_id: string; msg_data_id: number }>
  submitPublish(mediaId: string, callback: ApiCallback<{ publish_id: string; msg_data_id: number }>): void
  /** `/cgi-bin/open/unbind` (modern). */
  unbindOpenAccount(openAppid: string): Promise<WeChatResult>
  unbindOpenAccount(openAppid: string, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/draft/update` (modern). */
  updateDraft(mediaId: string, index: number, article: WeChatArticle): Promise<WeChatResult>
  updateDraft(mediaId: string, index: number, article: WeChatArticle, callback: ApiCallback<WeChatResult>): void
  /** `/wxa/change_visitstatus` (wxa). */
  changeVisitStatus(action: 'open' | 'close'): Promise<WeChatResult>
  changeVisitStatus(action: 'open' | 'close', callback: ApiCallback<WeChatResult>): void
  /** `/wxa/commit` (wxa). */
  commit(options: { extJson: string | WeChatObject; templateId: number; userDesc: string; userVersion: string }): Promise<WeChatResult>
  commit(options: { extJson: string | WeChatObject; templateId: number; userDesc: string; userVersion: string }, callback: ApiCallback<WeChatResult>): void
  /** `/wxa/get_auditstatus` (wxa). */
  getAuditStatus(auditid: number): Promise<WxaAuditStatus>
  getAuditStatus(auditid: number, callback: ApiCallback<WxaAuditStatus>): void
  /** `/wxa/security/get_code_privacy_info` (wxa). */
  getCodePrivacyInfo(): Promise<{ without_auth_list: string[]; without_conf_list: string[] }>
  getCodePrivacyInfo(callback: ApiCallback<{ without_auth_list: string[]; without_conf_list: string[] }>): void
  /** `/wxa/getgrayreleaseplan` (wxa). */
  getGrayReleasePlan(): Promise<{ gray_release_plan: WxaGrayReleasePlan }>
  getGrayReleasePlan(callback: ApiCallback<{ gray_release_plan: WxaGrayReleasePlan }>): void
  /** `/wxa/revertcoderelease` (wxa). */
  getHistoryVersion(): Promise<{ version_list: WxaVersion[] }>
  getHistoryVersion(callback: ApiCallback<{ version_list: WxaVersion[] }>): void
  /** `/wxa/get_latest_auditstatus` (wxa). */
  getLatestAuditStatus(): Promise<WxaLatestAuditStatus>
  getLatestAuditStatus(callback: ApiCallback<WxaLatestAuditStatus>): void
  /** `/wxa/get_page` (wxa). */
  getPage(): Promise<{ page_list: string[] }>
  getPage(callback: ApiCallback<{ page_list: string[] }>): void
  /** `/wxa/get_qrcode` (wxa). */
  getQrcode(path?: string): Promise<WxaImage>
  getQrcode(callback: ApiCallback<WxaImage>): void
  getQrcode(path: string, callback: ApiCallback<WxaImage>): void
  /** `/wxa/getversioninfo` (wxa). */
  getVersionInfo(): Promise<WxaVersionInfo>
  getVersionInfo(callback: ApiCallback<WxaVersionInfo>): void
  /** `/cgi-bin/wxopen/getweappsupportversion` (wxa). */
  getWeappSupportVersion(): Promise<WeChatResult>
  getWeappSupportVersion(callback: ApiCallback<WeChatResult>): void
  /** `/wxa/grayrelease` (wxa). */
  grayRelease(grayPercentage: number, options?: { supportDebugerFirst?: boolean; supportExperiencerFirst?: boolean }): Promise<WeChatResult>
  grayRelease(grayPercentage: number, callback: ApiCallback<WeChatResult>): void
  grayRelease(grayPercentage: number, options: { supportDebugerFirst?: boolean; supportExperiencerFirst?: boolean }, callback: ApiCallback<WeChatResult>): void
  /** `/wxa/queryquota` (wxa). */
  queryQuota(): Promise<WxaQuota>
  queryQuota(callback: ApiCallback<WxaQuota>): void
  /** `/wxa/release` (wxa). */
  release(): Promise<WeChatResult>
  release(callback: ApiCallback<WeChatResult>): void
  /** `/wxa/revertcoderelease` (wxa). */
  revertCodeRelease(appVersion?: number | string): Promise<WeChatResult>
  revertCodeRelease(callback: ApiCallback<WeChatResult>): void
  revertCodeRelease(appVersion: number | string, callback: ApiCallback<WeChatResult>): void
  /** `/wxa/revertgrayrelease` (wxa). */
  revertGrayRelease(): Promise<WeChatResult>
  revertGrayRelease(callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/wxopen/setweappsupportversion` (wxa). */
  setWeappSupportVersion(version: string): Promise<WeChatResult>
  setWeappSupportVersion(version: string, callback: ApiCallback<WeChatResult>): void
  /** `/wxa/speedupaudit` (wxa). */
  speedupAudit(auditid: number): Promise<WeChatResult>
  speedupAudit(auditid: number, callback: ApiCallback<WeChatResult>): void
  /** `/wxa/submit_audit` (wxa). */
  submitAudit(options?: { feedbackInfo?: string; feedbackStuff?: string; itemList?: WeChatObject[]; orderPath?: string; previewInfo?: WeChatObject; privacyApiNotUse?: boolean; ugcDeclare?: WeChatObject; versionDesc?: string }): Promise<{ auditid: number }>
  submitAudit(callback: ApiCallback<{ auditid: number }>): void
  submitAudit(options: { feedbackInfo?: string; feedbackStuff?: string; itemList?: WeChatObject[]; orderPath?: string; previewInfo?: WeChatObject; privacyApiNotUse?: boolean; ugcDeclare?: WeChatObject; versionDesc?: string }, callback: ApiCallback<{ auditid: number }>): void
  /** `/wxa/undocodeaudit` (wxa). */
  undoCodeAudit(): Promise<WeChatResult>
  undoCodeAudit(callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/wxopen/addcategory` (wxa_settings). */
  addCategory(categories: { first: number; second: number; certicates?: { key: string; value: string }[] }[]): Promise<WeChatResult>
  addCategory(categories: { first: number; second: number; certicates?: { key: string; value: string }[] }[], callback: ApiCallback<WeChatResult>): void
  /** `/wxa/bind_tester` (wxa_settings). */
  bindTester(wechatid: string): Promise<{ userstr: string }>
  bindTester(wechatid: string, callback: ApiCallback<{ userstr: string }>): void
  /** `/cgi-bin/wxaapp/createwxaqrcode` (wxa_settings). */
  createWxaQrcode(options: { path: string; width?: number }): Promise<WxaImage>
  createWxaQrcode(options: { path: string; width?: number }, callback: ApiCallback<WxaImage>): void
  /** `/cgi-bin/wxopen/deletecategory` (wxa_settings). */
  deleteCategory(first: number, second: number): Promise<WeChatResult>
  deleteCategory(first: number, second: number, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/wxopen/getallcategories` (wxa_settings). */
  getAllCategories(): Promise<WeChatResult>
  getAllCategories(callback: ApiCallback<WeChatResult>): void
  /** `/wxa/get_category` (wxa_settings). */
  getCategory(): Promise<{ category_list: WeChatObject[] }>
  getCategory(callback: ApiCallback<{ category_list: WeChatObject[] }>): void
  /** `/wxa/get_effective_domain` (wxa_settings). */
  getEffectiveDomain(): Promise<WeChatResult>
  getEffectiveDomain(callback: ApiCallback<WeChatResult>): void
  /** `/wxa/get_effective_webviewdomain` (wxa_settings). */
  getEffectiveWebviewDomain(): Promise<WeChatResult>
  getEffectiveWebviewDomain(callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/component/getprivacysetting` (wxa_settings). */
  getPrivacySetting(privacyVer?: 1 | 2): Promise<WeChatResult>
  getPrivacySetting(callback: ApiCallback<WeChatResult>): void
  getPrivacySetting(privacyVer: 1 | 2, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/wxopen/getcategory` (wxa_settings). */
  getSettingCategories(): Promise<WeChatResult>
  getSettingCategories(callback: ApiCallback<WeChatResult>): void
  /** `/wxa/memberauth` (wxa_settings). */
  getTesters(): Promise<{ members: { userstr: string }[] }>
  getTesters(callback: ApiCallback<{ members: { userstr: string }[] }>): void
  /** `/wxa/get_webviewdomain_confirmfile` (wxa_settings). */
  getWebviewDomainConfirmFile(): Promise<{ file_name: string; file_content: string }>
  getWebviewDomainConfirmFile(callback: ApiCallback<{ file_name: string; file_content: string }>): void
  /** `/wxa/getwxacode` (wxa_settings). */
  getWxaCode(options: { autoColor?: boolean; envVersion?: 'release' | 'trial' | 'develop'; isHyaline?: boolean; lineColor?: { r: number | string; g: number | string; b: number | string }; path: string; width?: number }): Promise<WxaImage>
  getWxaCode(options: { autoColor?: boolean; envVersion?: 'release' | 'trial' | 'develop'; isHyaline?: boolean; lineColor?: { r: number | string; g: number | string; b: number | string }; path: string; width?: number }, callback: ApiCallback<WxaImage>): void
  /** `/wxa/getwxacodeunlimit` (wxa_settings). */
  getWxaCodeUnlimit(options: { autoColor?: boolean; checkPath?: boolean; envVersion?: 'release' | 'trial' | 'develop'; isHyaline?: boolean; lineColor?: { r: number | string; g: number | string; b: number | string }; page?: string; scene: string; width?: number }): Promise<WxaImage>
  getWxaCodeUnlimit(options: { autoColor?: boolean; checkPath?: boolean; envVersion?: 'release' | 'trial' | 'develop'; isHyaline?: boolean; lineColor?: { r: number | string; g: number | string; b: number | string }; page?: string; scene: string; width?: number }, callback: ApiCallback<WxaImage>): void
  /** `/cgi-bin/wxopen/modifycategory` (wxa_settings). */
  modifyCategory(options: { certicates: { key: string; value: string }[]; first: number; second: number }): Promise<WeChatResult>
  modifyCategory(options: { certicates: { key: string; value: string }[]; first: number; second: number }, callback: ApiCallback<WeChatResult>): void
  /** `/wxa/modify_domain` (wxa_settings). */
  modifyDomain(options: { action: 'add' | 'delete' | 'set' | 'get'; downloaddomain?: string[]; requestdomain?: string[]; tcpdomain?: string[]; udpdomain?: string[]; uploaddomain?: string[]; wsrequestdomain?: string[] }): Promise<WeChatResult>
  modifyDomain(options: { action: 'add' | 'delete' | 'set' | 'get'; downloaddomain?: string[]; requestdomain?: string[]; tcpdomain?: string[]; udpdomain?: string[]; uploaddomain?: string[]; wsrequestdomain?: string[] }, callback: ApiCallback<WeChatResult>): void
  /** `/wxa/modify_domain_directly` (wxa_settings). */
  modifyDomainDirectly(options: { action: 'add' | 'delete' | 'set' | 'get'; downloaddomain?: string[]; requestdomain?: string[]; tcpdomain?: string[]; udpdomain?: string[]; uploaddomain?: string[]; wsrequestdomain?: string[] }): Promise<WeChatResult>
  modifyDomainDirectly(options: { action: 'add' | 'delete' | 'set' | 'get'; downloaddomain?: string[]; requestdomain?: string[]; tcpdomain?: string[]; udpdomain?: string[]; uploaddomain?: string[]; wsrequestdomain?: string[] }, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/message/subscribe/send` (wxa_settings). */
  sendWxaSubscribeMessage(message: WxaSubscribeMessage): Promise<WeChatResult>
  sendWxaSubscribeMessage(message: WxaSubscribeMessage, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/component/setprivacysetting` (wxa_settings). */
  setPrivacySetting(options: { ownerSetting: WeChatObject; privacyVer?: 1 | 2; sdkPrivacyInfoList?: WeChatObject[]; settingList: WeChatObject[] }): Promise<WeChatResult>
  setPrivacySetting(options: { ownerSetting: WeChatObject; privacyVer?: 1 | 2; sdkPrivacyInfoList?: WeChatObject[]; settingList: WeChatObject[] }, callback: ApiCallback<WeChatResult>): void
  /** `/wxa/setwebviewdomain` (wxa_settings). */
  setWebviewDomain(options?: { action?: 'add' | 'delete' | 'set' | 'get'; webviewdomain?: string[] }): Promise<WeChatResult>
  setWebviewDomain(callback: ApiCallback<WeChatResult>): void
  setWebviewDomain(options: { action?: 'add' | 'delete' | 'set' | 'get'; webviewdomain?: string[] }, callback: ApiCallback<WeChatResult>): void
  /** `/wxa/setwebviewdomain_directly` (wxa_settings). */
  setWebviewDomainDirectly(options: { action: 'add' | 'delete' | 'set' | 'get'; webviewdomain?: string[] }): Promise<WeChatResult>
  setWebviewDomainDirectly(options: { action: 'add' | 'delete' | 'set' | 'get'; webviewdomain?: string[] }, callback: ApiCallback<WeChatResult>): void
  /** `/wxa/unbind_tester` (wxa_settings). */
  unbindTester(options: { wechatid: string } | { userstr: string }): Promise<WeChatResult>
  unbindTester(options: { wechatid: string } | { userstr: string }, callback: ApiCallback<WeChatResult>): void
  /** `/cgi-bin/component/uploadprivacyextfile` (wxa_settings). */
  uploadPrivacyExtFile(filepath: string | Buffer): Promise<WeChatMediaUpload>
  uploadPrivacyExtFile(filepath: string | Buffer, callback: ApiCallback<WeChatMediaUpload>): void
}
// </api-methods>

/**
 * The official-account API acting for one account (what `createClient(user)`
 * returns; `API` is the same for an account's own credentials): wechat-api
 * 1.35's method names and arguments; callbacks are `(err, data, res)`;
 * without a callback a Promise of `data`.
 */
export interface Client extends ApiMethods {
  readonly appid: string
  hooks: Record<string, ClientHook>
  /** Any method by name. */
  invoke(method: string, args: unknown[]): Promise<WeChatResult>
  invoke(method: string, args: unknown[], callback: ApiCallback<WeChatResult>): void
  sendCard(openid: string, card: WeChatCard): Promise<WeChatResult>
  sendCard(openid: string, card: WeChatCard, callback: ApiCallback<WeChatResult>): void
  sendCardFromCs(openid: string, csAccount: string, card: WeChatCard): Promise<WeChatResult>
  sendCardFromCs(openid: string, csAccount: string, card: WeChatCard, callback: ApiCallback<WeChatResult>): void
  massSendMPVideo(data: WeChatObject, receivers: string[] | boolean | number | string): Promise<WeChatResult>
  massSendMPVideo(data: WeChatObject, receivers: string[] | boolean | number | string, callback: Callback<WeChatResult>): void
  /** wechat-api's getTicket: a newly fetched ticket (saved to the ticket handle when one is registered). */
  getTicket(type?: 'jsapi' | 'wx_card'): Promise<Ticket>
  getTicket(type: 'jsapi' | 'wx_card', callback: ApiCallback<Ticket>): void
  getTicket(callback: ApiCallback<Ticket>): void
  /** The current jsapi ticket: a valid kept one, else ours. */
  getLatestTicket(): Promise<Ticket>
  getLatestTicket(callback: ApiCallback<Ticket>): void
  getJsConfig(param: { debug?: boolean; jsApiList?: string[]; url: string; beta?: boolean }): Promise<JsConfig>
  getJsConfig(param: { debug?: boolean; jsApiList?: string[]; url: string; beta?: boolean }, callback: ApiCallback<JsConfig>): void
  getCardExt(param: WeChatCard): Promise<CardExt>
  getCardExt(param: WeChatCard, callback: ApiCallback<CardExt>): void
  /** The current token (fetched only when none is valid). */
  getLatestToken(): Promise<AccessToken>
  getLatestToken(callback: ApiCallback<AccessToken>): void
  /** wechat-api's getAccessToken: a newly fetched token (callers refresh with it). */
  getAccessToken(): Promise<AccessToken>
  getAccessToken(callback: ApiCallback<AccessToken>): void
  /** The user keeps JS-SDK tickets: `get(type, cb(err, {ticket, expireTime}))`, `save(type, ticket, cb(err))` (or promise-returning), called with the client as `this`. A valid kept ticket is used without a fetch. */
  registerTicketHandle(getTicketToken?: (type: string, callback: Callback<TicketObject | null>) => void, saveTicketToken?: (type: string, ticket: Ticket, callback: Callback<void>) => void): void
  /** `mpPrefix + 'showqrcode?ticket='` and the ticket, percent-encoded. */
  showQRCodeURL(ticket: string): string
  /** wechat-api 1.35 leaves it unimplemented: returns undefined. */
  getRedirectUrl(url?: string, encryptCode?: string, cardId?: string): undefined
  getShakehbConfig(openid: string, lotteryId: string, key: string): { openid: string; lottery_id: string; noncestr: string; sign: string }
  /** wechat-api's request: urllib 2's request with `defaults` merged in; a Promise of `{data, status, headers, res}` without a callback. */
  request(url: string, opts: UrllibOptions | undefined, callback: UrllibCallback): void
  request(url: string, callback: UrllibCallback): void
  request(url: string, opts?: UrllibOptions): Promise<{ data: unknown; status: number; headers: Record<string, string>; res: ApiResponse }>
  /**
   * wechat-api's preRequest(this._name, arguments): runs `method` with
   * `this.token` valid; on 40001 / 42001 / 40014 the token is dropped and
   * `method` runs once more with a new one. The last argument is the callback.
   */
  preRequest(method: (this: never, ...args: never[]) => void, args: ArrayLike<unknown>, retried?: boolean): void
  /** wechat-api's api.token: the token in use (undefined before the first). */
  token: AccessToken | undefined
  /** WeChat's API base requests go to (wechat-api's api.endpoint; settable on an API). */
  readonly endpoint: string | undefined
  /** Where uploadMPVideo and uploadLogo go (wechat-api's api.fileServerPrefix; settable on an API). */
  readonly fileServerPrefix: string | undefined
  /** showQRCodeURL's prefix, `https://mp.weixin.qq.com/cgi-bin/`. */
  mpPrefix: string
  /** urllib defaults `request()` merges in (setOpts). */
  defaults: UrllibOptions
  /** Closes pools this client opened (an API instance's database). */
  close(callback?: Callback<void>): Promise<void> | void
}

/** Options of `new API(...)`. */
export interface APIOptions {
  /** A store URL (mysql://, postgres://, sqlite://): one token refresh per lifetime across processes. */
  db?: string
  /** Take tokens from /cgi-bin/stable_token (WeChat's recommended way). */
  stableToken?: boolean
  /** WeChat's base URL (tests, the sandbox). */
  apiBase?: string
  /** Request timeout in ms (default 15000). */
  timeout?: number
}

/** `new API(appid, null, { tokenService, authToken })`: tokens from a token service. */
export interface APIServiceOptions {
  /** The token service's URL (`wxthirdparty serve`), e.g. 'http://127.0.0.1:8099'. */
  tokenService: string
  /** Its bearer token, when it was started with one. */
  authToken?: string
  apiBase?: string
  timeout?: number
}

/** wechat-api's API for an account's own credentials. */
export class API {
  constructor(appid: string, appsecret: string, options?: APIOptions)
  /** Tokens and the jsapi ticket from a token service, which alone calls WeChat for them (no secret here). */
  constructor(appid: string, appsecret: null, options: APIServiceOptions)
  constructor(appid: string, appsecret: string, getToken: ((callback: Callback<AccessTokenObject | null>) => void) | (() => Promise<AccessTokenObject | null>), saveToken: ((token: AccessTokenObject, callback: Callback<void>) => void) | ((token: AccessTokenObject) => Promise<void>), options?: APIOptions)
  /** wechat-api's setEndpoint: another API domain (e.g. 'api2.weixin.qq.com'; a URL is taken as given). */
  setEndpoint(domain: string): void
  /** wechat-api's setOpts: urllib defaults for `request()`; `timeout` (ms) holds for every call. */
  setOpts(opts: UrllibOptions): void
  /** WeChat's API base (default https://api.weixin.qq.com); setting it sends the next calls there. */
  get endpoint(): string
  set endpoint(url: string)
  /** Where uploadMPVideo and uploadLogo go (default https://file.api.weixin.qq.com/cgi-bin/). */
  get fileServerPrefix(): string
  set fileServerPrefix(prefix: string)
  /** wechat-api's API.patch: a new method `(info, callback)` POSTing JSON to WeChat's `apiUrl` with the token. */
  static patch(functionName: string, apiUrl: string, override?: boolean): void
  /**
   * wechat-api's API.mixin: each function becomes a method of every API and
   * client; an existing name throws. Methods in wechat-api's style
   * (`this.preRequest(this._name, arguments)`, `this.token`, `this.endpoint`,
   * `this.request`) work unchanged.
   */
  static mixin(methods: Record<string, (this: API, ...args: never[]) => unknown>): void
  /** wechat-api's AccessToken. */
  static AccessToken: AccessTokenConstructor
}
export interface API extends Omit<Client, 'endpoint' | 'fileServerPrefix'> {}

/** The credentials the platform keeps (`refresh_failed`'s `tokenKind`). */
export type TokenKindName = 'component_verify_ticket' | 'component_access_token' | 'pre_auth_code' | 'authorizer_access_token'
  | 'access_token' | 'jsapi_ticket' | 'wx_card_ticket' | 'oauth_access_token' | 'session_key' | 'authorization_code'

/**
 * `refresh_failed`'s error: a WeChatAPIError when WeChat answered an errcode,
 * a TransportError (network), StoreError, NotReadyError… (narrow with
 * `instanceof`); every one a WxThirdpartyError.
 */
export type RefreshFailedError = WxThirdpartyError & {
  tokenKind: TokenKindName
  /** The authorizer, for its tokens. */
  appid?: string
}
/** `reply_failed`'s error: a reply sent through the API failed. */
export type ReplyFailedError = (WeChatAPIError | Error) & { appid: string; openid: string }

/** ThirdpartyServer's events and their listeners' arguments. */
export interface ThirdpartyServerEvents {
  /** Ticket, component_access_token and pre_auth_code are all valid (the flags turn true). */
  ready: []
  /** Not ready any more (emitted on a change only: a platform starts not ready). */
  not_ready: []
  /** The stored secrets are out of date. */
  outdated: []
  ticket: []
  db_error: [err: StoreError]
  /** `secrets()` answered with the secrets. */
  end: [secrets: ComponentSecrets]
  refresh_failed: [err: RefreshFailedError]
  authorized: [event: { appid: string }]
  updateauthorized: [event: { appid: string }]
  unauthorized: [event: { appid: string }]
  /** A fast registration's result, once fleet-wide; on success the new mini program is stored first. */
  fast_register: [event: FastRegisterEvent]
  /** Any other push to the authorization-event URL, once fleet-wide. */
  push: [event: PlatformPushEvent]
  // Mini-program events of the message URL, once fleet-wide, besides reaching the handler:
  weapp_audit: [event: WeappAuditEvent]
  wxa_nickname_audit: [event: WxaNicknameAuditEvent]
  wxa_category_audit: [event: WxaCategoryAuditEvent]
  wxa_privacy_apply: [event: WxaPrivacyApplyEvent]
  wxa_media_check: [event: WxaMediaCheckEvent]
  wxa_event: [event: WxaOtherEvent]
  /** A push to the authorization-event URL was refused (CryptoError, ParseError, …). */
  push_rejected: [err: WxError]
  // The message URL (`messages()`):
  unknown_authorizer: [event: { appid: string }]
  message_error: [err: Error, message?: WeChatMessage]
  message_rejected: [err: CryptoError | ParseError | TypeError]
  reply_failed: [err: ReplyFailedError, message?: WeChatMessage]
}

type ServerEvent = keyof ThirdpartyServerEvents
type ServerListener<E extends ServerEvent> = (...args: ThirdpartyServerEvents[E]) => void

/**
 * The third-party platform. Drop-in for the npm `wxthirdparty`:
 * `new ThirdpartyServer(appid, appsecret, token, encodingAESKey, db, isCluster)`.
 * Its events are typed by `ThirdpartyServerEvents`.
 */
export class ThirdpartyServer extends EventEmitter {
  on<E extends ServerEvent>(event: E, listener: ServerListener<E>): this
  once<E extends ServerEvent>(event: E, listener: ServerListener<E>): this
  addListener<E extends ServerEvent>(event: E, listener: ServerListener<E>): this
  prependListener<E extends ServerEvent>(event: E, listener: ServerListener<E>): this
  prependOnceListener<E extends ServerEvent>(event: E, listener: ServerListener<E>): this
  off<E extends ServerEvent>(event: E, listener: ServerListener<E>): this
  removeListener<E extends ServerEvent>(event: E, listener: ServerListener<E>): this
  emit<E extends ServerEvent>(event: E, ...args: ThirdpartyServerEvents[E]): boolean

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
  save_ticket(xml: string | Buffer, query?: Record<string, string> | null, callback?: (err: Error | null, message?: WeChatMessage) => void): Promise<WeChatMessage> | void
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
  handleEvent(body: string | Buffer, query?: { timestamp: string; nonce: string; msg_signature: string } | null, callback?: Callback<WeChatMessage>): Promise<WeChatMessage>
  /** Handler for the authorization-event URL: `http.createServer(h)`, Express `app.post(path, h)`, Koa `app.use(h)`. */
  middleware(opts?: { requireSignature?: boolean }): RequestHandler
  /**
   * Handler for the 消息与事件接收URL (`/…/$APPID$/…`): plain http, Express, Koa.
   * Events on the platform (and on the handler): `unknown_authorizer` ({appid}),
   * `message_error` (Error, message), `message_rejected` (Error), `reply_failed` (Error with `code`, `openid`).
   */
  messages(handler: MessageHandler<PlatformMessageContext>, options?: PlatformMessagesOptions): MessagesRequestHandler
  /** Stops timers and pools so the process can exit. */
  close(callback?: (err: Error | null) => void): Promise<void>

  // administration
  getAuthorizerOption(appid: string, name: string, callback?: Callback<{ authorizer_appid: string; option_name: string; option_value: string }>): Promise<{ authorizer_appid: string; option_name: string; option_value: string }>
  setAuthorizerOption(appid: string, name: string, value: string | number, callback?: Callback<void>): Promise<void>
  /** Every authorized account over all pages: await it, or `for await` over it. */
  getAuthorizerList(): PromiseLike<AuthorizerListItem[]> & AsyncIterable<AuthorizerListItem>
  getAuthorizerList(callback: Callback<AuthorizerListItem[]>): void
  /** Stored authorizers by type and granted permission sets, no WeChat call: `{ appType: 'mini_program', funcScopes: [18] }`. */
  findAuthorizers(filter?: AuthorizerFilter): Promise<StoredAuthorizer[]>
  findAuthorizers(callback: Callback<StoredAuthorizer[]>): void
  findAuthorizers(filter: AuthorizerFilter, callback: Callback<StoredAuthorizer[]>): void
  clearComponentQuota(callback?: Callback<void>): Promise<void>

  // rollouts
  /** Commits a template version to many mini programs, submits each for audit and releases what passes: stored, resumable, one driver fleet-wide. */
  rollout(options: RolloutOptions, callback?: Callback<Rollout>): Promise<Rollout>
  /** A stored rollout (started by any process of the fleet); rejects with a NotFoundError when there is none. */
  getRollout(id: string, callback?: Callback<Rollout>): Promise<Rollout>
  /** The platform's rollouts, newest first (without their apps). */
  rollouts(callback?: Callback<RolloutSummary[]>): Promise<RolloutSummary[]>
  /** /cgi-bin/component/clear_quota/v2: the platform's quota (or an authorizer's, given its appid) reset with the AppSecret, no token needed. */
  clearComponentQuotaV2(appid?: string | null, callback?: Callback<WeChatResult>): Promise<WeChatResult>
  /** Open-platform account binding for an authorizer (with its token). */
  createOpenAccount(appid: string, callback?: Callback<{ open_appid: string }>): Promise<{ open_appid: string }>
  bindOpenAccount(appid: string, openAppid: string, callback?: Callback<WeChatResult>): Promise<WeChatResult>
  unbindOpenAccount(appid: string, openAppid: string, callback?: Callback<WeChatResult>): Promise<WeChatResult>
  getOpenAccount(appid: string, callback?: Callback<{ open_appid: string }>): Promise<{ open_appid: string }>
  /** wechat-oauth's OAuth acting for an authorizer (component OAuth). */
  oauth(authorizerAppid: string, options?: AuthorizerOAuthOptions): OAuth
}

/** The mini-program methods of the platform itself (generated below), on every ThirdpartyServer. */
export interface ThirdpartyServer extends WxaPlatformMethods {}

// <wxa-platform-methods> generated by scripts/api-types.js from the platform table; do not edit
/** The platform's own mini-program methods (ThirdpartyServer; the component_access_token). */
export interface WxaPlatformMethods {
  /** `/wxa/addtotemplate` (wxa_platform). */
  addToTemplate(draftId: number, templateType?: 0 | 1): Promise<WeChatResult>
  addToTemplate(draftId: number, callback: Callback<WeChatResult>): void
  addToTemplate(draftId: number, templateType: 0 | 1, callback: Callback<WeChatResult>): void
  /** `/wxa/deletetemplate` (wxa_platform). */
  deleteTemplate(templateId: number): Promise<WeChatResult>
  deleteTemplate(templateId: number, callback: Callback<WeChatResult>): void
  /** `/wxa/component/fastregisterbetaweapp` (wxa_platform). */
  fastRegisterBetaWeapp(options: { name: string; openid: string }): Promise<{ unique_id: string; authorize_url: string }>
  fastRegisterBetaWeapp(options: { name: string; openid: string }, callback: Callback<{ unique_id: string; authorize_url: string }>): void
  /** `/wxa/component/fastregisterpersonalweapp` (wxa_platform). */
  fastRegisterPersonalWeapp(options: { componentPhone?: string; idname?: string; newVersion?: boolean; wxuser: string }): Promise<{ taskid: string; authorize_url: string; status: number }>
  fastRegisterPersonalWeapp(options: { componentPhone?: string; idname?: string; newVersion?: boolean; wxuser: string }, callback: Callback<{ taskid: string; authorize_url: string; status: number }>): void
  /** `/cgi-bin/component/fastregisterweapp` (wxa_platform). */
  fastRegisterWeapp(options: { code: string; codeType: 1 | 2 | 3; componentPhone?: string; legalPersonaName: string; legalPersonaWechat: string; name: string }): Promise<WeChatResult>
  fastRegisterWeapp(options: { code: string; codeType: 1 | 2 | 3; componentPhone?: string; legalPersonaName: string; legalPersonaWechat: string; name: string }, callback: Callback<WeChatResult>): void
  /** `/cgi-bin/component/get_domain_confirmfile` (wxa_platform). */
  getDomainConfirmFile(): Promise<{ file_name: string; file_content: string }>
  getDomainConfirmFile(callback: Callback<{ file_name: string; file_content: string }>): void
  /** `/wxa/gettemplatedraftlist` (wxa_platform). */
  getTemplateDraftList(): Promise<{ draft_list: WxaDraft[] }>
  getTemplateDraftList(callback: Callback<{ draft_list: WxaDraft[] }>): void
  /** `/wxa/gettemplatelist` (wxa_platform). */
  getTemplateList(templateType?: 0 | 1): Promise<{ template_list: WxaTemplate[] }>
  getTemplateList(callback: Callback<{ template_list: WxaTemplate[] }>): void
  getTemplateList(templateType: 0 | 1, callback: Callback<{ template_list: WxaTemplate[] }>): void
  /** `/cgi-bin/component/modify_wxa_jump_domain` (wxa_platform). */
  modifyWxaJumpDomain(options: { action: 'add' | 'delete' | 'set' | 'get'; isModifyPublishedTogether?: boolean; wxaJumpH5Domain?: string | string[] }): Promise<WeChatResult>
  modifyWxaJumpDomain(options: { action: 'add' | 'delete' | 'set' | 'get'; isModifyPublishedTogether?: boolean; wxaJumpH5Domain?: string | string[] }, callback: Callback<WeChatResult>): void
  /** `/cgi-bin/component/modify_wxa_server_domain` (wxa_platform). */
  modifyWxaServerDomain(options: { action: 'add' | 'delete' | 'set' | 'get'; isModifyPublishedTogether?: boolean; wxaServerDomain?: string | string[] }): Promise<WeChatResult>
  modifyWxaServerDomain(options: { action: 'add' | 'delete' | 'set' | 'get'; isModifyPublishedTogether?: boolean; wxaServerDomain?: string | string[] }, callback: Callback<WeChatResult>): void
  /** `/wxa/component/fastregisterpersonalweapp` (wxa_platform). */
  queryFastRegisterPersonalWeapp(taskid: string): Promise<WeChatResult>
  queryFastRegisterPersonalWeapp(taskid: string, callback: Callback<WeChatResult>): void
  /** `/cgi-bin/component/fastregisterweapp` (wxa_platform). */
  searchFastRegisterWeapp(options: { legalPersonaName: string; legalPersonaWechat: string; name: string }): Promise<WeChatResult>
  searchFastRegisterWeapp(options: { legalPersonaName: string; legalPersonaWechat: string; name: string }, callback: Callback<WeChatResult>): void
}
// </wxa-platform-methods>

// ---- token service (startTokenService, `wxthirdparty serve`) ----

/** The native servers' connection limits (message URL `listen()`, token service); each optional. */
export interface ConnectionLimits {
  /** A request head must arrive within this many ms (default 10000). */
  headerTimeoutMs?: number
  /** A kept-alive connection with no request in progress is closed after this many ms (default 5000; headerTimeoutMs also bounds it). */
  idleTimeoutMs?: number
  /** The longest pause inside a request body, ms (default 10000). */
  bodyTimeoutMs?: number
  /** Open connections at most; more wait to be accepted (default 1024). */
  maxConnections?: number
}

export interface TokenServiceOptions {
  /** mysql://, postgres:// or sqlite:// URL: where registered apps and tokens live (shared with the platform). */
  db: string
  /** Address to bind; default 127.0.0.1. A non-loopback address needs authToken (or allowOpen). */
  host?: string
  /** Port; default 0 (any free port). */
  port?: number
  /** The token, ticket and metrics routes then need `Authorization: Bearer <authToken>` (any case of `Bearer`). At least 16 characters. */
  authToken?: string
  /** Turns on the admin routes (`POST /wechat/app/create`, `/wechat/platform/create`), for `Authorization: Bearer <adminToken>` only. At least 16 characters, not authToken. Without it they answer 403. */
  adminToken?: string
  /** Also take wetoken's `GET /wechat/app/create?appid=…&secret=…` (the secret in a URL): for old scripts only. Default false. */
  legacyCreateGet?: boolean
  /** Connection timeouts and cap. */
  connectionLimits?: ConnectionLimits
  /** WeChat's base URL (a sandbox's url in tests). */
  apiBase?: string
  /** Serve tokens on a non-loopback address without authToken. */
  allowOpen?: boolean
  /** Requests per second per client address; 0 (default) = no limit. */
  rateLimit?: number
  /** Proxy IP addresses whose `X-Forwarded-For` names the client for `rateLimit` (default none: the peer address counts). */
  trustedProxies?: string[]
  /** Also serve the operator console at `/console`, with its own logins (the bearer token does not apply to it). */
  console?: ConsoleLogins
}

export class TokenService {
  /** `http://host:port` */
  readonly url: string
  readonly port: number
  /** Stops accepting, lets in-flight requests finish, stops refreshing. */
  close(): Promise<void>
  close(callback: Callback<void>): void
}

export function startTokenService(options: TokenServiceOptions): Promise<TokenService>
export function startTokenService(options: TokenServiceOptions, callback: Callback<TokenService>): void

// ---- operator console (startConsole, `wxthirdparty console`, `serve --console`) ----

/** Who may log in. Tokens are stored hashed (PBKDF2-HMAC-SHA256); at least one is needed, 8+ characters. */
export interface ConsoleLogins {
  /** Token of user `operator`: may act (rollout actions, ending sessions). */
  token?: string
  /** Token of user `viewer`: sees every page, may not act. */
  viewerToken?: string
  /** Which platform to show; default the first found in the database. */
  componentAppid?: string
}

export interface ConsoleOptions extends ConsoleLogins {
  /** mysql://, postgres:// or sqlite:// URL: the fleet's database (read; the console writes its own tables only). */
  db: string
  /** Address to bind; default 127.0.0.1. Another address needs `token`. */
  host?: string
  /** Port; default 0 (any free port). */
  port?: number
}

export class Console {
  /** `http://host:port` */
  readonly url: string
  readonly port: number
  /** Stops serving and closes its database pool. */
  close(): Promise<void>
  close(callback: Callback<void>): void
}

/** The operator console: pages over the store behind a login (viewer / operator), CSRF-checked and audited actions. */
export function startConsole(options: ConsoleOptions): Promise<Console>
export function startConsole(options: ConsoleOptions, callback: Callback<Console>): void
// ---- OAuth (wechat-oauth compatible) ----

/** wechat-oauth's token data: WeChat's answer plus `create_at` (ms). */
export interface OAuthTokenData {
  access_token: string
  expires_in: number
  refresh_token: string
  openid: string
  scope: string
  create_at: number
  unionid?: string
}

/** A mini program's `jscode2session` answer plus `create_at` (ms). */
export interface OAuthSessionData {
  session_key: string
  openid: string
  unionid?: string
  create_at: number
}

/** wechat-oauth's AccessToken: `{ data }` with `isValid()`. */
export interface OAuthAccessToken<T = OAuthTokenData> {
  data: T
  isValid(): boolean
}

/** wechat-oauth's token callbacks (node-style, or async functions). */
export type OAuthGetToken = (openid: string, callback: (err: Error | null, token?: OAuthTokenData | OAuthSessionData | null) => void) => void | Promise<OAuthTokenData | OAuthSessionData | null | undefined>
export type OAuthSaveToken = (openid: string, token: OAuthTokenData | OAuthSessionData, callback: (err?: Error | null) => void) => void | Promise<void>

export interface OAuthOptions {
  /** Where per-user tokens and session keys are kept; default an in-process memory database. */
  db?: string
  apiBase?: string
  isMiniProgram?: boolean
  getToken?: OAuthGetToken
  saveToken?: OAuthSaveToken
}

export interface AuthorizerOAuthOptions {
  isMiniProgram?: boolean
  getToken?: OAuthGetToken
  saveToken?: OAuthSaveToken
}

/** /sns/userinfo's answer (or, for mini programs, the decrypted profile). */
export interface OAuthUser {
  openid?: string
  nickname?: string
  sex?: number
  language?: string
  city?: string
  province?: string
  country?: string
  headimgurl?: string
  privilege?: string[]
  unionid?: string
  /** Other fields of WeChat's answer. */
  [key: string]: unknown
}

export interface MiniProgramDecryptOptions {
  encryptedData: string
  iv: string
  sessionKey?: string
  openid?: string
}

/** getUser for a user who never authorized (wechat-oauth's error name); at run time also a NotFoundError. */
export class NoOAuthTokenError extends WxThirdpartyError { name: 'NoOAuthTokenError' }

export class OAuth {
  constructor(appid: string, appsecret: string, getToken?: OAuthGetToken | null, saveToken?: OAuthSaveToken | null, isMiniProgram?: boolean, options?: OAuthOptions)
  constructor(appid: string, appsecret: string, options: OAuthOptions)
  readonly appid: string
  readonly isMiniProgram: boolean
  /** wechat-oauth's urllib defaults for `request()`; the OAuth calls keep the native limits (15 s, connect 5 s). */
  setOpts(opts: UrllibOptions): void
  defaults: UrllibOptions
  /** wechat-oauth's request: urllib 2's request with `defaults` merged in. */
  request(url: string, opts: UrllibOptions | undefined, callback: UrllibCallback): void
  request(url: string, callback: UrllibCallback): void
  request(url: string, opts?: UrllibOptions): Promise<{ data: unknown; status: number; headers: Record<string, string>; res: ApiResponse }>
  getAuthorizeURL(redirect: string, state?: string, scope?: string): string
  getAuthorizeURLForWebsite(redirect: string, state?: string, scope?: string): string
  getAccessToken(code: string): Promise<OAuthAccessToken>
  getAccessToken(code: string, callback: Callback<OAuthAccessToken>): void
  refreshAccessToken(refreshToken: string): Promise<OAuthAccessToken>
  refreshAccessToken(refreshToken: string, callback: Callback<OAuthAccessToken>): void
  getUser(openid: string | { openid: string; lang?: string }): Promise<OAuthUser>
  /** Callbacks get `(err, data, res)` as wechat-oauth's (WeChat's JSON as `data` on its errors). */
  getUser(openid: string | { openid: string; lang?: string }, callback: ApiCallback<OAuthUser>): void
  getUserByCode(code: string | { code: string; lang?: string; encryptedData?: string; iv?: string }): Promise<OAuthUser>
  getUserByCode(code: string | { code: string; lang?: string; encryptedData?: string; iv?: string }, callback: ApiCallback<OAuthUser>): void
  verifyToken(openid: string, accessToken: string): Promise<{ errcode: number; errmsg: string }>
  verifyToken(openid: string, accessToken: string, callback: ApiCallback<{ errcode: number; errmsg: string }>): void
  getSessionKey(code: string): Promise<OAuthAccessToken<OAuthSessionData>>
  getSessionKey(code: string, callback: Callback<OAuthAccessToken<OAuthSessionData>>): void
  /** Synchronous with `sessionKey` (as wechat-oauth); a Promise with `openid` (the kept session key). */
  decryptMiniProgramUser(options: MiniProgramDecryptOptions & { sessionKey: string }, callback?: Callback<OAuthUser>): OAuthUser
  decryptMiniProgramUser(options: MiniProgramDecryptOptions & { openid: string }): Promise<OAuthUser>
  decryptMiniProgramUser(options: MiniProgramDecryptOptions & { openid: string }, callback: Callback<OAuthUser>): void
  /** Closes the database this OAuth opened (not the platform's). */
  close(callback?: (err: Error | null) => void): Promise<void>
}

export interface AuthorizerListItem {
  authorizer_appid: string
  refresh_token: string
  auth_time: number
  /** From the store: null when the authorizer is not stored (or was stored before this was recorded). */
  app_type: AuthorizerAppType | null
  /** From the store: the permission sets granted; null when the authorizer is not stored. */
  func_scopes: number[] | null
}
// ---- messages of accounts ----

/** A message or event with WeChat's field names (MsgType, Content, Event, EventKey, …). */
export interface InboundMessage {
  ToUserName: string
  FromUserName: string
  CreateTime: string | number
  MsgType: 'text' | 'image' | 'voice' | 'video' | 'shortvideo' | 'location' | 'link' | 'event' | string
  MsgId?: string | number
  Content?: string
  Event?: string
  EventKey?: string
  PicUrl?: string
  MediaId?: string
  Format?: string
  Recognition?: string
  ThumbMediaId?: string
  Location_X?: string | number
  Location_Y?: string | number
  Scale?: string | number
  Label?: string
  Title?: string
  Description?: string
  Url?: string
  Ticket?: string
  Latitude?: string | number
  Longitude?: string | number
  Precision?: string | number
  /** Other fields of WeChat's payload, as it sent them. */
  [field: string]: unknown
}

/** A passive reply in buildReply's vocabulary; nothing / '' / 'success' answers `success`. */
export type MessageReply = void | null | undefined | Reply

export interface MessageContext {
  message: InboundMessage
  /** The request (Node's IncomingMessage, Express's req, Koa's ctx.req). */
  req: import('http').IncomingMessage
}

export interface PlatformMessageContext extends MessageContext {
  /** The authorizer the message is for (from the URL). */
  authorizerAppid: string
  /** Its stored record. */
  authorizer: { appid: string; wxToken: string; nickName?: string; userName?: string; alias?: string; headImg?: string; serviceTypeId?: number; verifyTypeInfo?: number; authorized: boolean; appType?: AuthorizerAppType; principalName?: string; funcScopes: number[] }
  /** The API client acting for the authorizer. */
  readonly client: Client
}

export type MessageFunction<C> = (message: InboundMessage, ctx: C) => MessageReply | Promise<MessageReply>
/** What node-webot wechat's `res.reply(content)` takes (any other object is music, as there). */
export type WebotReply = Reply | number | Buffer | { title?: string; description?: string; musicUrl?: string; hqMusicUrl?: string; thumbMediaId?: string }

/** node-webot's `req.wxsession`: the user's session in the app's express-session store. */
export interface WebotSession {
  readonly id: string
  [key: string]: unknown
  save(callback?: (err?: unknown) => void): this
  destroy(callback?: (err?: unknown) => void): this
}

/** The request a node-webot handler gets: the message in `req.weixin` (text values trimmed). */
export type WebotRequest = import('http').IncomingMessage & { weixin: InboundMessage; wxsession?: WebotSession; [key: string]: any }
/** The response a node-webot handler answers with. */
export type WebotResponse = import('http').ServerResponse & {
  reply(content?: WebotReply): void
  transfer2CustomerService(kfAccount?: string): void
  /** With express-session: replies the List's description and waits for the user's pick. */
  wait(name: string, callback?: (err: Error) => void): void
  nowait(content?: WebotReply): void
}

/** node-webot `wechat` style (`require('wxthirdparty/wechat')`): `req.weixin` in, `res.reply(content)` out, `next()` on to the app's next middleware. */
export type WebotHandler = (req: WebotRequest, res: WebotResponse, next: (err?: unknown) => void) => void
/** A node-webot per-type handler (`wechat.text(fn)`, a routing object under wxthirdparty/wechat). */
export type WebotTypeHandler = (message: InboundMessage, req: WebotRequest, res: WebotResponse, next: (err?: unknown) => void) => void

/** An object keyed by MsgType; `event` by Event; `default` catches the rest. */
export interface MessageRoutes<C> {
  event?: MessageFunction<C> | { [event: string]: MessageFunction<C> | undefined; default?: MessageFunction<C> }
  default?: MessageFunction<C>
  [msgType: string]: MessageFunction<C> | { [event: string]: MessageFunction<C> | undefined } | undefined
}

/** Called `(message, ctx)` always; node-webot's calling is `require('wxthirdparty/wechat')`'s. */
export type MessageHandler<C> = MessageFunction<C> | MessageRoutes<C>

export interface MessagesOptions {
  /** Answer `success` after this many ms and send the reply through the API when it comes (4500). */
  timeout?: number
  /** How long a retried delivery waits for the first one's reply (4500 ms). */
  retryWaitMs?: number
  /** How long a reply is remembered for dedup (300000 ms). */
  dedupTtlMs?: number
  /**
   * Deliveries whose CreateTime is younger than this are first deliveries
   * (WeChat retries after 5 s): claimed in memory, written to the store a few
   * ms behind. Older ones (possible retries) are claimed in the store first.
   * 0: every delivery is claimed in the store before its handler runs (3000).
   */
  freshMs?: number
  /** `messages()` with an encodingAESKey: refuse plain-mode POSTs (no msg_signature) as `message_rejected`, 400. Default false (WeChat's 兼容模式 sends both during a switch); a platform's message URL always refuses them. */
  safeModeOnly?: boolean
  /**
   * Refuse messages whose signed `timestamp` is further than this many
   * seconds from this server's clock (a replayed or delayed request) as
   * `message_rejected`, 401: the handler does not run. 0 takes any age.
   * Default 300 (WeChat retries within ~15 s; the dedup memory is 5 min);
   * `wxthirdparty/wechat` defaults to 0, as node-webot.
   */
  timestampWindowSecs?: number
  /** `listen()`'s connection timeouts and cap (defaults: 10 s head, 5 s idle, 10 s body pause, 1024 connections). */
  connectionLimits?: ConnectionLimits
}

/** A message URL served natively by `handler.listen()`. */
export interface MessagesListener {
  /** The port listened on (useful with port 0). */
  readonly port: number
  /** Stops accepting; the deliveries in progress are answered first. */
  close(): Promise<void>
}

export interface PlatformMessagesOptions extends MessagesOptions {
  /** Where the authorizer appid is (default: a `:appid` route param, else the path segment before the last). */
  appid?: (req: import('http').IncomingMessage) => string
  /** Answer WeChat's release check (全网发布) built in (true). */
  releaseCheck?: boolean
}

/**
 * What Koa passes a middleware, as far as these handlers use it (a Koa
 * `Context` is one; the body comes from a raw-body parser or `ctx.req`).
 */
export interface KoaContextLike {
  req: import('http').IncomingMessage
  res: import('http').ServerResponse
  request: { body?: unknown; rawBody?: string }
  params?: Record<string, string>
  status: number
  body: unknown
  type: string
  set(field: string, value: string): void
}

/** A request handler for node's http server, Express (or Connect) and Koa. */
export interface RequestHandler {
  (req: import('http').IncomingMessage, res: import('http').ServerResponse, next?: (err?: unknown) => void): void
  (ctx: KoaContextLike, next: () => Promise<unknown>): Promise<void>
}

/** A request handler for plain http, Express and Koa, with its own events. */
export interface MessagesRequestHandler extends RequestHandler {
  /**
   * Serves the message URL natively (no node http server in the path): the
   * same pipeline, handler, routing, dedup, events and replies. The authorizer
   * appid is the path segment before the last (`/wechat/<appid>/callback`).
   * `host` defaults to '0.0.0.0'.
   */
  listen(port?: number, host?: string): Promise<MessagesListener>
  on<E extends keyof MessagesEvents>(event: E, listener: MessagesEvents[E]): this
  once<E extends keyof MessagesEvents>(event: E, listener: MessagesEvents[E]): this
  off<E extends keyof MessagesEvents>(event: E, listener: MessagesEvents[E]): this
}

/** The events of a messages() handler. */
export interface MessagesEvents {
  /** Forged, mis-signed, unsigned, other-appid or malformed: answered 4xx, nothing changed. */
  message_rejected: (err: Error) => void
  /** The handler threw, or the store failed; WeChat got `success`. */
  message_error: (err: Error, message?: InboundMessage) => void
  /** A reply past the deadline could not be sent, or a reply could not be recorded. */
  reply_failed: (err: Error & { openid?: string; appid?: string }, message?: InboundMessage) => void
  /** A message for an authorizer unknown to the platform or revoked (answered `success`). */
  unknown_authorizer: (info: { appid: string }) => void
}

export interface AccountMessagesConfig {
  token: string
  /** Compatible and safe mode. */
  encodingAESKey?: string
  /** Required with encodingAESKey. */
  appid?: string
  /** A database URL for fleet-wide dedup (default: this process only). */
  db?: string
  /** An API client (e.g. `new API(appid, secret)`) for replies that miss the deadline. */
  client?: API
}

/**
 * An official account's own message URL (plain, compatible or safe mode);
 * a string is the token (node-webot's `wechat('token', handler)`).
 */
export function messages(config: AccountMessagesConfig | string, handler: MessageHandler<MessageContext>, options?: MessagesOptions): MessagesRequestHandler & { close(): Promise<void> }

// Type definitions for wxthirdparty.
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

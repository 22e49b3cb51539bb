// `require('wxthirdparty/oauth')`: wechat-oauth's OAuth constructor.
import { OAuth } from './index'
export = OAuth

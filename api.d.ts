// `require('wxthirdparty/api')`: wechat-api's API constructor.
import { API } from './index'
export = API

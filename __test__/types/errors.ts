// Compiled (not run) by types.test.js: the error classes narrow as values.
import { WeChatAPIError, RevokedError, WxThirdpartyError, ThirdpartyServer } from '../..'

export async function handle(platform: ThirdpartyServer): Promise<number | undefined> {
  try {
    await platform.getComponentAccessToken()
  } catch (err) {
    if (err instanceof WeChatAPIError) return err.code
    if (err instanceof RevokedError) return undefined
    if (err instanceof WxThirdpartyError) return err.code
    throw err
  }
  return undefined
}

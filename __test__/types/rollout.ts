// Rollouts as the README uses them.
import { ThirdpartyServer, Rollout, RolloutStatus, RolloutApp, startSandbox } from '../..'

async function rollout(platform: ThirdpartyServer, appids: string[]): Promise<void> {
  const r: Rollout = await platform.rollout({
    templateId: 12,
    userVersion: '2.3.0',
    userDesc: 'spring menu',
    appids,
    extJson: (appid) => ({ extAppid: appid, ext: { shop: '$APPID$' } }),
    audit: { versionDesc: 'spring', privacyApiNotUse: true },
    release: { gray: [10, 50, 100], stepMs: 60000 },
    concurrency: 20,
    maxFailureRate: 0.2,
    auditPollMs: 600000,
  })
  r.on('progress', (app: RolloutApp) => console.log(app.appid, app.state, app.reason, app.screenshots.length))
  r.on('done', (s: RolloutStatus) => console.log(s.counts.released, s.counts.rejected))
  const s = await r.status()
  const rejected = s.apps.filter((a) => a.state === 'rejected').map((a) => a.appid)
  await r.retry(rejected)
  await r.rollback()
  await r.pause()
  await r.resume()
  const end: RolloutStatus = await r.done()
  await r.cancel()
  const again = await platform.getRollout(r.id)
  const list = await platform.rollouts()
  console.log(end.state, again.id, list.map((x) => x.state === 'paused' && x.reason))
  await platform.rollout({ templateId: 1, userVersion: '1', extJson: '{"extAppid":"$APPID$"}', release: 'manual' })
  // @ts-expect-error release is 'auto' | 'manual' | { gray }
  await platform.rollout({ templateId: 1, userVersion: '1', release: 'later' })
  // @ts-expect-error a rollout needs a userVersion
  await platform.rollout({ templateId: 1 })
  // @ts-expect-error no such event
  r.on('finished', () => {})
  const sb = await startSandbox()
  const mp = await sb.miniProgram(appids[0])
  const releases: number = mp.calls['/wxa/release'] || 0
  await sb.injectFault('/wxa/submit_audit', 'loseAnswer', 1)
  console.log(releases)
}

export { rollout }

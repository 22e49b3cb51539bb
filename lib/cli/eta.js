'use strict'
// The ETA of `rollout status --watch`: from the counts seen at each refresh,
// how many apps passed each step (commit, submit, audit, release) per
// second since the watch began, how many still have to pass it, and so the
// time the slowest step needs. Nothing is assumed about WeChat's pace: a
// step not yet seen moving has no rate, and the ETA says it is measuring.

// How far along its life each state is (a step k is passed at rank >= k).
const RANK = { pending: 0, committed: 1, auditing: 2, approved: 3, rejected: 3, gray: 3, released: 4 }
const STEPS = [['commit', 1], ['submit', 2], ['audit', 3], ['release', 4]]

/** Apps past each step, and apps that still have to pass it (failed, cancelled and rolled-back apps will not). */
function progress(s) {
  const out = {}
  for (const [step, k] of STEPS) {
    let passed = 0
    let left = 0
    for (const [state, n] of Object.entries(s.counts || {})) {
      const rank = RANK[state]
      if (rank === undefined || !n) continue
      if (rank >= k) passed += n
      // A rejected app never needs a release; a manual release waits for the operator.
      else if (!(step === 'release' && (state === 'rejected' || s.release === 'manual'))) left += n
    }
    out[step] = { passed, left }
  }
  return out
}

/** Follows a rollout's samples; `estimate(status, atMs)` → `{ seconds, step, left, rate }` or `{ measuring: step }` or null when nothing is left. */
class Eta {
  constructor() {
    this.first = null
  }

  estimate(s, at = Date.now()) {
    const now = progress(s)
    if (!this.first) this.first = { at, p: now }
    const secs = (at - this.first.at) / 1000
    let worst = null
    for (const [step] of STEPS) {
      const { left, passed } = now[step]
      if (!left) continue
      const moved = passed - this.first.p[step].passed
      if (secs <= 0 || moved <= 0) return { measuring: step, left }
      const rate = moved / secs
      const seconds = left / rate
      if (!worst || seconds > worst.seconds) worst = { seconds, step, left, rate }
    }
    return worst
  }
}

/** The ETA line of the display. */
function etaLine(e) {
  if (!e) return null
  if (e.measuring) return `  eta         measuring (${e.left} apps still to ${e.measuring}, none seen passing it yet)`
  return `  eta         ~${Math.ceil(e.seconds)} s  (slowest step: ${e.step}, ${e.left} left at ${e.rate.toFixed(2)} apps/s)`
}

module.exports = { Eta, etaLine, progress }

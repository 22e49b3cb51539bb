'use strict'
// Shared by the benchmark scripts (run.js skips files starting with '_').

/**
 * Operations per CPU-second of `fn` (best of `rounds` rounds of ~`ms` CPU
 * time each, after a warm-up). CPU time, not wall time, so that other work
 * on a shared machine does not skew the comparison.
 */
function measure(fn, { ms = 400, rounds = 5 } = {}) {
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) * 1e3 } // ns
  for (let t = Date.now(); Date.now() - t < 150;) fn()
  let best = 0
  for (let r = 0; r < rounds; r++) {
    const start = cpu()
    let ops = 0
    let elapsed = 0
    let n = 256
    while (elapsed < ms * 1e6) {
      for (let i = 0; i < n; i++) fn()
      ops += n
      elapsed = cpu() - start
      if (elapsed < 20e6) n *= 2
    }
    best = Math.max(best, ops / (elapsed / 1e9))
  }
  return best
}

/**
 * Rows for the generated report (benches/report.js): with WXTP_BENCH_OUT set,
 * each row is appended to that file as a JSON line. A row: { area, case,
 * ours, theirs, unit, against, goal?, lowerIsBetter? }; `against` names what
 * a user would otherwise run.
 */
function emit(rows) {
  const out = process.env.WXTP_BENCH_OUT
  if (!out) return
  require('fs').appendFileSync(out, rows.map((r) => JSON.stringify(r) + '\n').join(''))
}

module.exports = { measure, emit }

// The console's only script: polls the JSON summary every 5 s and puts its
// values into the elements marked data-live (textContent only: never HTML).
'use strict'
;(function () {
  var main = document.querySelector('main[data-base]')
  if (!main || !document.querySelector('[data-live]')) return
  var base = main.getAttribute('data-base')
  function tick () {
    fetch(base + '/api/summary', { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null })
      .then(function (j) {
        if (!j || !j.live) return
        document.querySelectorAll('[data-live]').forEach(function (el) {
          var v = j.live[el.getAttribute('data-live')]
          if (v !== undefined && el.textContent !== String(v)) el.textContent = String(v)
        })
        main.setAttribute('data-updated', String(j.at))
      })
      .catch(function () {})
  }
  setInterval(tick, 5000)
  tick()
})()

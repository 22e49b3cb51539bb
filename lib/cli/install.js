'use strict'
// `wxthirdparty install`: (re)build the native addon from source.
module.exports = () => { require('child_process').execFileSync(process.execPath, [require('path').join(__dirname, '..', '..', 'scripts', 'build.js')], { stdio: 'inherit' }) }

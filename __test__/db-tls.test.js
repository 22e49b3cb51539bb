'use strict'
// TLS to the database: private MariaDB and PostgreSQL servers that refuse
// plaintext (require_secure_transport / hostnossl reject), with a throwaway
// CA. The store connects with `ssl-mode` / `sslmode` from the URL: required,
// verified against the CA, refused when the server's certificate cannot be
// verified, and refused by the server without TLS.
const { test, describe, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { startTokenService } = require('..')
const { startTlsServer } = require('./helpers/tls-db')

async function healthy(db) {
  const svc = await startTokenService({ db })
  try {
    const r = await fetch(`${svc.url}/healthz`)
    return await r.json()
  } finally {
    await svc.close()
  }
}

const MODES = {
  mysql: { key: 'ssl-mode', ca: 'ssl-ca', off: 'DISABLED', require: 'REQUIRED', verify: 'VERIFY_IDENTITY' },
  postgres: { key: 'sslmode', ca: 'sslrootcert', off: 'disable', require: 'require', verify: 'verify-full' },
}

for (const kind of ['mysql', 'postgres']) {
  describe(`${kind} with TLS required by the server`, () => {
    const m = MODES[kind]
    let server
    before(async () => { server = await startTlsServer(kind) })
    after(async () => { if (server) await server.stop() })

    test('connects, migrates and serves over TLS (required; verified against the CA)', async () => {
      const h = await healthy(server.url({ [m.key]: m.require }))
      assert.equal(h.store, 'ok', JSON.stringify(h))
      const v = await healthy(server.url({ [m.key]: m.verify, [m.ca]: server.ca }))
      assert.equal(v.store, 'ok', JSON.stringify(v))
      // The default (prefer) takes TLS when the server offers it.
      assert.equal((await healthy(server.url({}))).store, 'ok')
    })

    test('a certificate that does not verify, and plaintext, are refused with a clear error', async () => {
      // No CA given: the server's self-made CA is not among the trusted roots.
      await assert.rejects(startTokenService({ db: server.url({ [m.key]: m.verify }) }), (e) => {
        assert.match(e.message, /certificate|UnknownIssuer|tls|TLS/i)
        return true
      })
      // The same user that just connected over TLS is refused without it
      // (MariaDB answers require_secure_transport with 1045 access denied).
      await assert.rejects(startTokenService({ db: server.url({ [m.key]: m.off }) }), (e) => {
        assert.match(e.message, kind === 'mysql' ? /Access denied|secure transport/ : /pg_hba.*no encryption/)
        return true
      })
    })
  })
}

// Downstream mTLS on an HTTPS listener (DownstreamTlsContext validation_context +
// require_client_certificate) and the connection attributes the router-level ext_proc gets:
// a verified client certificate becomes subject / URI SAN / DNS SAN attributes; a certificate
// from another CA fails the handshake; without a certificate, a required listener refuses the
// connection and an optional one serves it with no certificate attributes.
import assert from 'node:assert/strict';
import https from 'node:https';
import { after, describe, it } from 'node:test';
import type { ProtoObject } from '../../lib/protos';
import { TEST_CERT, TEST_KEY } from '../testing/certs';
import {
  ALICE_CERT,
  ALICE_KEY,
  CLIENT_CA_CERT,
  UNTRUSTED_CLIENT_CERT,
  UNTRUSTED_CLIENT_KEY,
} from '../testing/client-certs';
import { fakeExtProc, startHarness, type FakeSessions, type Harness } from '../testing/harness';
import { listener, routeConfig, vhost } from '../testing/xds';
import { ATTRIBUTE } from './connection-attributes';

const T = 'type.googleapis.com/';
const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

/** An HTTPS listener with ext_proc whose (fake) session answers 200 itself. */
async function mtlsGateway(required: boolean): Promise<{ h: Harness; fake: FakeSessions }> {
  const l = listener('l', { extProc: true });
  (l.filter_chains as ProtoObject[])[0] = {
    ...(l.filter_chains as ProtoObject[])[0],
    transport_socket: {
      name: 'envoy.transport_sockets.tls',
      typed_config: {
        '@type': `${T}envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext`,
        common_tls_context: {
          tls_certificates: [
            { certificate_chain: { inline_string: TEST_CERT }, private_key: { inline_string: TEST_KEY } },
          ],
          validation_context: { trusted_ca: { inline_string: CLIENT_CA_CERT } },
        },
        require_client_certificate: { value: required },
      },
    },
  };
  const fake = fakeExtProc(() => ({
    requestHeaders: () => ({
      kind: 'immediate',
      status: 200,
      headers: [],
      body: Buffer.from('ok'),
      details: '',
    }),
  }));
  const h = await startHarness(
    { listeners: [l], routes: [routeConfig('l', [vhost('any', ['*'], [])])], clusters: [] },
    fake.factory,
  );
  cleanup.push(() => h.close());
  return { h, fake };
}

function get(port: number, client?: { cert: string; key: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      { host: '127.0.0.1', port, servername: 'localhost', ca: TEST_CERT, agent: false, ...client },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
  });
}

const alice = { cert: ALICE_CERT, key: ALICE_KEY };
const untrusted = { cert: UNTRUSTED_CLIENT_CERT, key: UNTRUSTED_CLIENT_KEY };

describe('downstream mTLS', () => {
  it('required: a certificate of the trusted CA is served and described to ext_proc', async () => {
    const { h, fake } = await mtlsGateway(true);
    assert.equal(await get(h.port(), alice), 'ok');
    const attributes = fake.sessions.at(-1)?.options.attributes;
    assert.equal(attributes?.[ATTRIBUTE.subject], 'CN=alice,OU=Search,O=Acme Corp,C=US');
    assert.equal(attributes?.[ATTRIBUTE.uriSan], 'spiffe://acme.test/team/search/alice');
    assert.equal(attributes?.[ATTRIBUTE.dnsSan], 'alice.acme.test');
    assert.match(String(attributes?.[ATTRIBUTE.sourceAddress]), /^127\.0\.0\.1:\d+$/);
  });

  it('required: another CA, or no certificate, fails the handshake', async () => {
    const { h, fake } = await mtlsGateway(true);
    await assert.rejects(get(h.port(), untrusted));
    await assert.rejects(get(h.port()));
    assert.equal(fake.sessions.length, 0, 'no request got through');
  });

  it('optional: no certificate is served without certificate attributes', async () => {
    const { h, fake } = await mtlsGateway(false);
    assert.equal(await get(h.port()), 'ok');
    const attributes = fake.sessions.at(-1)?.options.attributes ?? {};
    assert.deepEqual(Object.keys(attributes), [ATTRIBUTE.sourceAddress]);
    assert.equal(await get(h.port(), alice), 'ok');
    assert.equal(
      fake.sessions.at(-1)?.options.attributes[ATTRIBUTE.subject],
      'CN=alice,OU=Search,O=Acme Corp,C=US',
    );
  });

  it('optional: a certificate that does not verify is refused, not ignored', async () => {
    const { h, fake } = await mtlsGateway(false);
    await assert.rejects(get(h.port(), untrusted));
    assert.equal(fake.sessions.length, 0);
  });
});

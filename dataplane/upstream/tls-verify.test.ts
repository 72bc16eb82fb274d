// Upstream TLS verification end to end (cluster config -> UpstreamCluster -> one request) against
// HTTPS servers on 127.0.0.1: the controller's rendered form (system CA bundle + DNS SAN of the
// SNI) refuses a self-signed server; a trusted_ca that names the server's issuer accepts it, and
// match_typed_subject_alt_names must hold too (wildcard SANs per RFC 6125), with or without a CA.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../lib/log';
import type { ProtoObject } from '../../lib/protos';
import { SYSTEM_CA_BUNDLE } from '../../controller/xds/cluster';
import { convertCluster } from '../config/cluster';
import { ConfigError } from '../config/fields';
import { TEST_CERT, TEST_KEY } from '../testing/certs';
import { PROVIDER_CERT, PROVIDER_KEY, TEST_CA_CERT } from '../testing/test-ca';
import { staticCluster } from '../testing/xds';
import { sendUpstream, type AttemptResult } from './attempt';
import { UpstreamCluster } from './cluster';
import { parseSans } from './tls-verify';

const TLS_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';

function tlsCluster(port: number, sni: string, validation: ProtoObject): ProtoObject {
  return staticCluster('c', [{ port }], {
    transport_socket: {
      name: 'envoy.transport_sockets.tls',
      typed_config: { '@type': TLS_TYPE, sni, common_tls_context: { validation_context: validation } },
    },
  });
}

const san = (exact: string): ProtoObject => ({ san_type: 'DNS', matcher: { exact } });

async function send(cluster: ProtoObject): Promise<AttemptResult> {
  const upstream = new UpstreamCluster(convertCluster(cluster), createLogger('tls-test', 'silent'));
  try {
    await upstream.setAssignment(upstream.config.loadAssignment);
    const host = upstream.pick({});
    assert.ok(host, 'the cluster has a host');
    const headers: [string, string][] = [
      [':method', 'GET'],
      [':path', '/'],
      [':authority', 'x'],
    ];
    const result = await sendUpstream(host, 2000, headers, Buffer.alloc(0), new AbortController().signal);
    if (result.kind === 'response') for await (const _ of result.source.body) void _;
    return result;
  } finally {
    upstream.close();
  }
}

async function serve(cert: string, key: string): Promise<{ port: number; server: https.Server }> {
  const server = https.createServer({ cert, key }, (_req, res) => res.end('secret-safe'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, server };
}

void describe('upstream TLS verification', () => {
  let selfSigned: { port: number; server: https.Server };
  let provider: { port: number; server: https.Server };
  before(async () => {
    selfSigned = await serve(TEST_CERT, TEST_KEY);
    provider = await serve(PROVIDER_CERT, PROVIDER_KEY);
  });
  after(() => {
    for (const s of [selfSigned.server, provider.server]) {
      s.close();
      s.closeAllConnections();
    }
  });

  void it(
    'the rendered form (system CA bundle, SAN = SNI) refuses a self-signed server',
    { skip: !fs.existsSync(SYSTEM_CA_BUNDLE) && `no ${SYSTEM_CA_BUNDLE} on this machine` },
    async () => {
      const result = await send(
        tlsCluster(selfSigned.port, 'api.example.com', {
          trusted_ca: { filename: SYSTEM_CA_BUNDLE },
          match_typed_subject_alt_names: [san('api.example.com')],
        }),
      );
      assert.equal(result.kind, 'failure');
      assert.equal(result.kind === 'failure' && result.reason, 'connect_failure');
    },
  );

  void it('accepts the self-signed server once it is the trusted CA', async () => {
    const result = await send(
      tlsCluster(selfSigned.port, 'api.example.com', {
        trusted_ca: { inline_string: TEST_CERT },
        match_typed_subject_alt_names: [san('api.example.com')],
      }),
    );
    assert.equal(result.kind, 'response');
  });

  void it('verifies a chain to the test CA and matches a wildcard SAN for one label', async () => {
    const ok = await send(
      tlsCluster(provider.port, 'api.provider.test', {
        trusted_ca: { inline_string: TEST_CA_CERT },
        match_typed_subject_alt_names: [san('api.provider.test')],
      }),
    );
    assert.equal(ok.kind, 'response');
    for (const name of ['other.test', 'a.b.provider.test']) {
      const wrong = await send(
        tlsCluster(provider.port, name, {
          trusted_ca: { inline_string: TEST_CA_CERT },
          match_typed_subject_alt_names: [san(name)],
        }),
      );
      assert.equal(wrong.kind, 'failure', `${name} is not a SAN of the server`);
    }
  });

  void it('refuses a chain to another CA even with matching names', async () => {
    const result = await send(
      tlsCluster(provider.port, 'provider.test', {
        trusted_ca: { inline_string: TEST_CERT },
        match_typed_subject_alt_names: [san('provider.test')],
      }),
    );
    assert.equal(result.kind, 'failure');
  });

  void it('without trusted_ca, like Envoy, checks only the SANs', async () => {
    const match = await send(
      tlsCluster(selfSigned.port, 'api.example.com', {
        match_typed_subject_alt_names: [san('api.example.com')],
      }),
    );
    assert.equal(match.kind, 'response');
    const mismatch = await send(
      tlsCluster(selfSigned.port, 'api.openai.com', {
        match_typed_subject_alt_names: [san('api.openai.com')],
      }),
    );
    assert.equal(mismatch.kind === 'failure' && mismatch.reason, 'connect_failure');
  });

  void it('refuses system_root_certs, which Envoy does not implement', () => {
    assert.throws(
      () => convertCluster(tlsCluster(1, 'api.example.com', { system_root_certs: {} })),
      (err: unknown) => err instanceof ConfigError && /system_root_certs/.test(err.message),
    );
  });

  void it('parses the SAN forms Node reports', () => {
    assert.deepEqual(parseSans('DNS:a.test, IP Address:127.0.0.1, URI:"spiffe://x/a,b", email:a@b'), [
      { type: 'DNS', value: 'a.test' },
      { type: 'IP_ADDRESS', value: '127.0.0.1' },
      { type: 'URI', value: 'spiffe://x/a,b' },
      { type: 'EMAIL', value: 'a@b' },
    ]);
  });
});

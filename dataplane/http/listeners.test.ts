// Tests of listeners and transports: an HTTPS listener serving its SDS certificate, upstream
// TLS with SNI chosen by transport_socket_matches, and a listener change that rebinds while the
// old server finishes its in-flight request (Envoy's listener drain).
// https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/operations/draining
import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { after, describe, it } from 'node:test';
import type { ProtoObject } from '../../lib/protos';
import { TYPE_URL } from '../config/snapshot';
import { TEST_CERT, TEST_KEY } from '../testing/certs';
import { setResources, startHarness } from '../testing/harness';
import { request, startUpstream } from '../testing/upstream';
import { assignment, edsCluster, listener, routeConfig, routeTo, staticCluster, vhost } from '../testing/xds';

const T = 'type.googleapis.com/';
const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

describe('HTTPS listener', () => {
  it('serves the SDS certificate named by its DownstreamTlsContext', async () => {
    const up = await startUpstream('a');
    cleanup.push(() => up.close());
    const tlsListener: ProtoObject = listener('l');
    (tlsListener.filter_chains as ProtoObject[])[0] = {
      ...(tlsListener.filter_chains as ProtoObject[])[0],
      transport_socket: {
        name: 'envoy.transport_sockets.tls',
        typed_config: {
          '@type': `${T}envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext`,
          common_tls_context: {
            tls_certificate_sds_secret_configs: [
              { name: 'ns/cert', sds_config: { ads: {}, resource_api_version: 'V3' } },
            ],
          },
        },
      },
    };
    const h = await startHarness({
      listeners: [tlsListener],
      routes: [routeConfig('l', [vhost('any', ['*'], [routeTo('a')])])],
      clusters: [staticCluster('a', [{ port: up.port }])],
      secrets: [
        {
          name: 'ns/cert',
          tls_certificate: {
            certificate_chain: { inline_string: TEST_CERT },
            private_key: { inline_string: TEST_KEY },
          },
        },
      ],
    });
    cleanup.push(() => h.close());
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get(
          { host: '127.0.0.1', port: h.port(), servername: 'localhost', ca: TEST_CERT, agent: false },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => resolve(text));
          },
        )
        .on('error', reject);
    });
    assert.equal(body, 'a');
  });
});

describe('upstream TLS', () => {
  it('uses the transport socket whose match holds for the endpoint, with its SNI', async () => {
    const seen: (string | false | null)[] = [];
    const server = https.createServer({ cert: TEST_CERT, key: TEST_KEY }, (req, res) => {
      seen.push((req.socket as TLSSocket).servername);
      res.end('secure');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    const port = (server.address() as AddressInfo).port;
    const metadata = {
      filter_metadata: {
        'envoy.transport_socket_match': { fields: { tls: { stringValue: 'api.example.com' } } },
      },
    };
    const h = await startHarness({
      listeners: [listener('l')],
      routes: [routeConfig('l', [vhost('any', ['*'], [routeTo('ai')])])],
      clusters: [
        edsCluster('ai', {
          transport_socket_matches: [
            {
              name: 'tls-api.example.com',
              match: { fields: { tls: { stringValue: 'api.example.com' } } },
              transport_socket: {
                name: 'envoy.transport_sockets.tls',
                typed_config: {
                  '@type': `${T}envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext`,
                  sni: 'api.example.com',
                },
              },
            },
          ],
        }),
      ],
      endpoints: [assignment('ai', [{ port, metadata }])],
    });
    cleanup.push(() => h.close());
    const res = await request(h.port());
    assert.equal(res.body, 'secure');
    assert.deepEqual(seen, ['api.example.com']);
  });
});

describe('config updates', () => {
  it('rebinds a changed listener while the old one finishes its in-flight request', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const slow = await startUpstream('slow', (_req, res) => void gate.then(() => res.end('slow')));
    const fast = await startUpstream('fast');
    cleanup.push(
      () => slow.close(),
      () => fast.close(),
    );
    const clusters = [
      staticCluster('slow', [{ port: slow.port }]),
      staticCluster('fast', [{ port: fast.port }]),
    ];
    const h = await startHarness({
      listeners: [listener('l', { port: 10080 })],
      routes: [routeConfig('l', [vhost('any', ['*'], [routeTo('slow')])])],
      clusters,
    });
    cleanup.push(() => h.close());
    const oldPort = h.port();
    const inFlight = request(oldPort);
    while (slow.received.length === 0) await new Promise((r) => setTimeout(r, 5));
    setResources(
      h.ads,
      {
        listeners: [listener('l', { port: 10081 })],
        routes: [routeConfig('l', [vhost('any', ['*'], [routeTo('fast')])])],
      },
      'v2',
    );
    await h.ads.waitFor((r) => r.type_url === TYPE_URL.listener && r.version_info === 'v2');
    await h.ads.waitFor((r) => r.type_url === TYPE_URL.route && r.version_info === 'v2');
    while (h.port() === oldPort) await new Promise((r) => setTimeout(r, 5));
    assert.equal((await request(h.port())).body, 'fast');
    // The old listener no longer accepts connections, but its request completes.
    await assert.rejects(request(oldPort));
    release();
    assert.equal((await inFlight).body, 'slow');
  });
});

// End-to-end tests of the data plane's routing over a fake ADS server: virtual hosts and route
// matching (Envoy route_components.proto semantics), weighted clusters, direct responses,
// header mutations, streaming with backpressure, and config updates without dropped requests.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setResources, startHarness, type Harness } from './testing/harness';
import { request, startUpstream, type TestUpstream } from './testing/upstream';
import { assignment, edsCluster, listener, routeConfig, routeTo, staticCluster, vhost } from './testing/xds';

describe('dataplane routing', () => {
  let a: TestUpstream;
  let b: TestUpstream;
  let h: Harness;
  before(async () => {
    a = await startUpstream('a');
    b = await startUpstream('b');
    h = await startHarness({
      listeners: [listener('default/gw/80')],
      routes: [
        routeConfig('default/gw/80', [
          vhost('exact', ['api.example.com'], [routeTo('a')]),
          vhost('wild', ['*.example.com'], [routeTo('b')]),
          vhost(
            'any',
            ['*'],
            [
              routeTo('a', { path: '/exact' }),
              routeTo('b', { safe_regex: { regex: '/re/[0-9]+' } }),
              routeTo('b', { prefix: '/hdr', headers: [{ name: 'x-pick', string_match: { exact: 'b' } }] }),
              routeTo('a', { prefix: '/hdr', headers: [{ name: 'x-present', present_match: true }] }),
              {
                match: { prefix: '/direct' },
                direct_response: { status: 418, body: { inline_string: 'teapot' } },
              },
              {
                match: { prefix: '/json' },
                direct_response: { status: 404, body: { inline_string: '{"error":{}}' } },
                response_headers_to_add: [{ header: { key: 'content-type', value: 'application/json' } }],
              },
              routeTo('split', { prefix: '/split' }),
              routeTo('a', { prefix: '/mutate' }, {}),
              {
                match: { prefix: '/headers' },
                route: { cluster: 'a' },
                request_headers_to_add: [
                  { header: { key: 'x-added', value: '1' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
                ],
                request_headers_to_remove: ['x-secret'],
                response_headers_to_add: [{ header: { key: 'x-resp', value: 'yes' } }],
              },
            ],
          ),
        ]),
      ],
      clusters: [
        edsCluster('a'),
        staticCluster('b', [{ port: b.port }]),
        { name: 'split', type: 'STATIC', load_assignment: assignment('split', [{ port: a.port }]) },
      ],
      endpoints: [assignment('a', [{ port: a.port }])],
    });
  });
  after(async () => {
    await h.close();
    await a.close();
    await b.close();
  });

  it('selects the virtual host by exact domain, then wildcard suffix, then "*"', async () => {
    assert.equal((await request(h.port(), { headers: { host: 'api.example.com' } })).body, 'a');
    assert.equal((await request(h.port(), { headers: { host: 'x.example.com' } })).body, 'b');
    assert.equal(
      (await request(h.port(), { headers: { host: 'other', 'x-pick': 'b' }, path: '/hdr' })).body,
      'b',
    );
  });

  it('matches routes in order by path, regex and headers; no match is 404', async () => {
    assert.equal((await request(h.port(), { path: '/exact' })).body, 'a');
    assert.equal((await request(h.port(), { path: '/re/123?q=1' })).body, 'b');
    assert.equal((await request(h.port(), { path: '/hdr', headers: { 'x-present': '' } })).body, 'a');
    const miss = await request(h.port(), { path: '/re/abc' });
    assert.equal(miss.status, 404);
    assert.equal((await request(h.port(), { path: '/exact/more' })).status, 404);
  });

  it('answers direct_response routes itself', async () => {
    const res = await request(h.port(), { path: '/direct' });
    assert.equal(res.status, 418);
    assert.equal(res.body, 'teapot');
    assert.equal(res.headers['content-type'], 'text/plain');
    const json = await request(h.port(), { path: '/json' });
    assert.equal(json.status, 404);
    assert.equal(json.headers['content-type'], 'application/json');
    assert.equal(json.body, '{"error":{}}');
  });

  it('applies route request and response header mutations', async () => {
    const res = await request(h.port(), {
      path: '/headers',
      headers: { 'x-added': 'client', 'x-secret': 's' },
    });
    assert.equal(res.headers['x-resp'], 'yes');
    const got = a.received.at(-1);
    assert.equal(got?.headers['x-added'], '1');
    assert.equal(got?.headers['x-secret'], undefined);
    assert.equal(got?.headers['x-forwarded-proto'], 'http');
    assert.ok(got?.headers['x-request-id']);
  });

  it('splits weighted_clusters by weight', async () => {
    setResources(
      h.ads,
      {
        routes: [
          routeConfig('default/gw/80', [
            vhost(
              'any',
              ['*'],
              [
                {
                  match: { prefix: '/' },
                  route: {
                    weighted_clusters: {
                      clusters: [
                        { name: 'a', weight: { value: 3 } },
                        { name: 'b', weight: { value: 1 } },
                      ],
                    },
                  },
                },
              ],
            ),
          ]),
        ],
      },
      'v2',
    );
    await h.ads.waitFor(
      (r) => r.type_url?.endsWith('RouteConfiguration') === true && r.version_info === 'v2',
    );
    const counts = { a: 0, b: 0 };
    for (let i = 0; i < 200; i++) counts[(await request(h.port())).body as 'a' | 'b']++;
    // 3:1 over 200 draws: a lands near 150; the bounds are many standard deviations wide.
    assert.ok(counts.a > 110 && counts.a < 185, JSON.stringify(counts));
    assert.equal(counts.a + counts.b, 200);
  });
});

describe('STRICT_DNS clusters', () => {
  it('resolves the inline load assignment hostnames (V4_ONLY) and routes to them', async () => {
    const up = await startUpstream('dns');
    const h = await startHarness({
      listeners: [listener('l')],
      routes: [routeConfig('l', [vhost('any', ['*'], [routeTo('svc')])])],
      clusters: [
        {
          name: 'svc',
          type: 'STRICT_DNS',
          dns_lookup_family: 'V4_ONLY',
          connect_timeout: { seconds: 1 },
          load_assignment: {
            cluster_name: 'svc',
            endpoints: [
              {
                lb_endpoints: [
                  {
                    endpoint: { address: { socket_address: { address: 'localhost', port_value: up.port } } },
                  },
                ],
              },
            ],
          },
        },
      ],
    });
    try {
      assert.equal((await request(h.port())).body, 'dns');
    } finally {
      await h.close();
      await up.close();
    }
  });
});

describe('dataplane streaming', () => {
  it('forwards response chunks in order as they arrive, with backpressure', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const up = await startUpstream('s', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
      void gate.then(() => {
        res.write('data: 2\n\n');
        res.end('data: [DONE]\n\n');
      });
    });
    const h = await startHarness({
      listeners: [listener('l')],
      routes: [routeConfig('l', [vhost('any', ['*'], [routeTo('s')])])],
      clusters: [staticCluster('s', [{ port: up.port }])],
    });
    try {
      const chunks: string[] = [];
      await new Promise<void>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port: h.port(), path: '/', agent: false }, (res) => {
            res.on('data', (c: Buffer) => {
              chunks.push(c.toString());
              // The first chunk reached the client before the upstream sent the rest.
              if (chunks.length === 1) release();
            });
            res.on('end', resolve);
          })
          .on('error', reject);
      });
      assert.equal(chunks.join(''), 'data: 1\n\ndata: 2\n\ndata: [DONE]\n\n');
      assert.equal(chunks[0], 'data: 1\n\n');
    } finally {
      await h.close();
      await up.close();
    }
  });
});

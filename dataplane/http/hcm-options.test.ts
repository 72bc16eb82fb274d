// The HCM and route table options the controller renders, end to end through the data plane:
// normalize_path and merge_slashes before routing (and upstream), ignore_port_in_host_matching,
// path_separated_prefix, and per_connection_buffer_limit_bytes answering 413 where ext_proc
// buffers the body (router level: the listener's limit; upstream level: the cluster's).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ProtoObject } from '../../lib/protos';
import { fakeExtProc, startHarness, type Harness } from '../testing/harness';
import { request, startUpstream, type TestUpstream } from '../testing/upstream';
import { UPSTREAM_EXT_PROC, assignment, edsCluster, listener, routeConfig, routeTo } from '../testing/xds';
import { normalizeRequestPath } from './path-normalize';

const DISABLED: ProtoObject = {
  'envoy.filters.http.ext_proc': {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute',
    disabled: true,
  },
};
const LISTENER_LIMIT = 1000;
const CLUSTER_LIMIT = 200;

void describe('normalizeRequestPath', () => {
  const both = { normalizePath: true, mergeSlashes: true };
  const cases: [string, string][] = [
    ['/a/./b/../c', '/a/c'],
    ['/../../v1', '/v1'],
    ['/a/b/..', '/a/'],
    ['/%76%31/chat', '/v1/chat'],
    ['/a%2fb', '/a%2Fb'],
    ['/a/%2e%2e/b', '/b'],
    ['//v1///chat?x=//y/../z', '/v1/chat?x=//y/../z'],
    ['/100%', '/100%'],
  ];
  for (const [input, expected] of cases)
    void it(`${input} -> ${expected}`, () => assert.equal(normalizeRequestPath(input, both), expected));

  void it('does each only when configured', () => {
    assert.equal(normalizeRequestPath('//a/../b', { normalizePath: false, mergeSlashes: false }), '//a/../b');
    assert.equal(normalizeRequestPath('//a/../b', { normalizePath: false, mergeSlashes: true }), '/a/../b');
    assert.equal(normalizeRequestPath('//a/../b', { normalizePath: true, mergeSlashes: false }), '//b');
    assert.equal(normalizeRequestPath('*', { normalizePath: true, mergeSlashes: false }), undefined);
  });
});

void describe('rendered HCM options in the data plane', () => {
  let web: TestUpstream;
  let ai: TestUpstream;
  let h: Harness;
  const fake = fakeExtProc(() => ({}));
  before(async () => {
    web = await startUpstream('web');
    ai = await startUpstream('ai');
    h = await startHarness(
      {
        listeners: [
          {
            ...listener('l', {
              extProc: true,
              hcm: { normalize_path: { value: true }, merge_slashes: true },
            }),
            per_connection_buffer_limit_bytes: { value: LISTENER_LIMIT },
          },
        ],
        routes: [
          {
            ...routeConfig('l', [
              {
                name: 'local',
                // Gateway hostnames carry no port; clients send "127.0.0.1:<port>".
                domains: ['127.0.0.1'],
                routes: [
                  { ...routeTo('web', { path_separated_prefix: '/web' }), typed_per_filter_config: DISABLED },
                  routeTo('ai', { path_separated_prefix: '/ai' }),
                  { ...routeTo('up', { path_separated_prefix: '/up' }), typed_per_filter_config: DISABLED },
                  {
                    match: { prefix: '/' },
                    direct_response: { status: 404, body: { inline_string: 'none' } },
                  },
                ],
              },
            ]),
            ignore_port_in_host_matching: true,
          },
        ],
        clusters: [
          edsCluster('web'),
          edsCluster('ai'),
          edsCluster('up', {
            ...UPSTREAM_EXT_PROC,
            per_connection_buffer_limit_bytes: { value: CLUSTER_LIMIT },
          }),
        ],
        endpoints: [
          assignment('web', [{ port: web.port }]),
          assignment('ai', [{ port: ai.port }]),
          assignment('up', [{ port: ai.port }]),
        ],
      },
      fake.factory,
    );
  });
  after(async () => {
    await h.close();
    await web.close();
    await ai.close();
  });

  void it('picks the virtual host by "127.0.0.1:<port>" without the port', async () => {
    const res = await request(h.port(), { path: '/web' });
    assert.equal(res.status, 200);
    assert.equal(res.body, 'web');
  });

  void it('path_separated_prefix: /web and /web/x match, /webx does not', async () => {
    assert.equal((await request(h.port(), { path: '/web/x?q=1' })).body, 'web');
    assert.equal((await request(h.port(), { path: '/web?q=1' })).body, 'web');
    const other = await request(h.port(), { path: '/webx' });
    assert.equal(other.status, 404);
    assert.equal(other.body, 'none');
  });

  void it('routes and forwards the normalized path', async () => {
    const before = web.received.length;
    for (const path of ['/x/../web/a', '//web///a', '/%77eb/a', '/./web/b/../a'])
      assert.equal((await request(h.port(), { path })).body, 'web', path);
    assert.deepEqual(
      web.received.slice(before).map((r) => r.url),
      ['/web/a', '/web/a', '/web/a', '/web/a'],
    );
  });

  void it('answers 413 when the router-level ext_proc would buffer more than the listener limit', async () => {
    const big = await request(h.port(), { path: '/ai', body: 'x'.repeat(LISTENER_LIMIT + 1) });
    assert.equal(big.status, 413);
    const ok = await request(h.port(), { path: '/ai', body: 'x'.repeat(LISTENER_LIMIT) });
    assert.equal(ok.status, 200);
    assert.equal(ok.body, 'ai');
  });

  void it('answers 413 when the upstream ext_proc would buffer more than the cluster limit', async () => {
    const big = await request(h.port(), { path: '/up', body: 'x'.repeat(CLUSTER_LIMIT + 1) });
    assert.equal(big.status, 413);
    const ok = await request(h.port(), { path: '/up', body: 'x'.repeat(CLUSTER_LIMIT) });
    assert.equal(ok.status, 200);
  });
});

// End-to-end tests of the core's side of the ext_proc seam with scripted fake sessions:
// clear_route_cache re-matching, immediate responses, header and body mutations (BUFFERED
// request, STREAMED response), ExtProcPerRoute{disabled}, one upstream session per attempt with
// xds.upstream_host_metadata, and sessions closed when the client goes away.
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/ext_proc_filter
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, describe, it } from 'node:test';
import { ROUTE_HEADER, UPSTREAM_HOST_METADATA_ATTRIBUTE } from '../../lib/headers';
import type { ProtoObject } from '../../lib/protos';
import type { Decision, HeaderList } from '../ext-proc/types';
import { fakeExtProc, startHarness, type FakeSessions, type Harness } from '../testing/harness';
import { request, startUpstream, type TestUpstream, type UpstreamHandler } from '../testing/upstream';
import {
  RETRY_PRIORITY,
  UPSTREAM_EXT_PROC,
  assignment,
  edsCluster,
  listener,
  routeConfig,
  routeTo,
  vhost,
} from '../testing/xds';

const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function upstream(name: string, handler?: UpstreamHandler): Promise<TestUpstream> {
  const u = await startUpstream(name, handler);
  cleanup.push(() => u.close());
  return u;
}

const DISABLED: ProtoObject = {
  'envoy.filters.http.ext_proc': {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute',
    disabled: true,
  },
};

/** The architecture's route table: the AI rule on ROUTE_HEADER, a plain route without ext_proc, then 404. */
async function aiGateway(port: number, fake: FakeSessions): Promise<Harness> {
  const h = await startHarness(
    {
      listeners: [listener('l', { extProc: true })],
      routes: [
        routeConfig('l', [
          vhost(
            'any',
            ['*'],
            [
              routeTo('ai', {
                prefix: '/',
                headers: [{ name: ROUTE_HEADER, string_match: { exact: 'ns/r/0' } }],
              }),
              { ...routeTo('ai', { prefix: '/plain' }), typed_per_filter_config: DISABLED },
              {
                match: { path: '/v1/chat/completions' },
                direct_response: { status: 404, body: { inline_string: 'no rule' } },
              },
            ],
          ),
        ]),
      ],
      clusters: [edsCluster('ai')],
      endpoints: [assignment('ai', [{ port }])],
    },
    fake.factory,
  );
  cleanup.push(() => h.close());
  return h;
}

const routed = (headers: HeaderList, clear: boolean): Decision => ({
  kind: 'continue',
  headers: [...headers.filter(([n]) => n !== ROUTE_HEADER), [ROUTE_HEADER, 'ns/r/0']],
  clearRouteCache: clear,
});

describe('router-level ext_proc', () => {
  it('re-matches the route after clear_route_cache, and only then', async () => {
    const u = await upstream('ai');
    const clearing = fakeExtProc(() => ({ requestHeaders: (h) => routed(h, true) }));
    const h1 = await aiGateway(u.port, clearing);
    const res = await request(h1.port(), { path: '/v1/chat/completions', body: '{}' });
    assert.equal(res.body, 'ai');
    assert.equal(u.received[0]?.headers[ROUTE_HEADER], 'ns/r/0');
    const keeping = fakeExtProc(() => ({ requestHeaders: (h) => routed(h, false) }));
    const h2 = await aiGateway(u.port, keeping);
    const miss = await request(h2.port(), { path: '/v1/chat/completions', body: '{}' });
    assert.equal(miss.status, 404);
    assert.equal(miss.body, 'no rule');
  });

  it('sends an immediate response without calling the upstream', async () => {
    const u = await upstream('ai');
    const fake = fakeExtProc(() => ({
      requestBody: () => ({
        kind: 'immediate',
        status: 429,
        headers: [['content-type', 'application/json']],
        body: Buffer.from('{"error":{}}'),
        details: 'budget',
      }),
    }));
    const h = await aiGateway(u.port, fake);
    const res = await request(h.port(), { path: '/v1/chat/completions', body: '{"model":"m"}' });
    assert.equal(res.status, 429);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.equal(res.body, '{"error":{}}');
    assert.equal(u.received.length, 0);
    assert.ok(fake.sessions.every((s) => s.closed));
  });

  it('applies header and body mutations both ways (BUFFERED request, STREAMED response)', async () => {
    const u = await upstream('ai', (req, res) => {
      res.writeHead(200, { 'content-length': String(req.body.length) });
      res.end(req.body);
    });
    const fake = fakeExtProc(() => ({
      requestHeaders: (h) => routed(h, true),
      requestBody: (b) => ({
        kind: 'continue',
        headers: [],
        body: Buffer.from(b.toString().replace('gpt', 'claude')),
        clearRouteCache: false,
      }),
      responseHeaders: (h) => ({
        kind: 'continue',
        headers: [...h, ['x-seen', '1']],
        clearRouteCache: false,
      }),
      responseBodyMode: 'STREAMED',
      responseChunk: (c, eos) => ({
        kind: 'continue',
        headers: [],
        body: Buffer.from(c.toString().toUpperCase() + (eos ? '!' : '')),
        clearRouteCache: false,
      }),
    }));
    const h = await aiGateway(u.port, fake);
    const res = await request(h.port(), { path: '/v1/chat/completions', body: '{"model":"gpt"}' });
    assert.equal(u.received[0]?.body, '{"model":"claude"}');
    assert.equal(u.received[0]?.headers['content-length'], String('{"model":"claude"}'.length));
    assert.equal(res.headers['x-seen'], '1');
    assert.equal(res.body, '{"MODEL":"CLAUDE"}!');
  });

  it('sends the last response chunk with end_of_stream, or an empty end after a chunked body', async () => {
    const u = await upstream('ai', (req, res) => {
      if (req.url.endsWith('/whole')) {
        res.end('whole');
        return;
      }
      // Chunked with a pause: the first chunk cannot be known to be the last.
      res.write('one');
      setTimeout(() => res.end('two'), 50);
    });
    const chunks: Array<[string, boolean]> = [];
    const fake = fakeExtProc(() => ({
      requestHeaders: (h) => routed(h, true),
      responseBodyMode: 'STREAMED',
      responseChunk: (c, eos) => {
        chunks.push([c.toString(), eos]);
        return { kind: 'continue', headers: [], clearRouteCache: false };
      },
    }));
    const h = await aiGateway(u.port, fake);
    const whole = await request(h.port(), { path: '/v1/whole', body: '{}' });
    assert.equal(whole.body, 'whole');
    assert.deepEqual(chunks.splice(0), [['whole', true]]);
    const split = await request(h.port(), { path: '/v1/split', body: '{}' });
    assert.equal(split.body, 'onetwo');
    assert.equal(chunks.at(0)?.[1], false);
    assert.equal(chunks.map(([c]) => c).join(''), 'onetwo');
    assert.equal(chunks.filter(([, eos]) => eos).length, 1);
    assert.equal(chunks.at(-1)?.[1], true);
  });

  it('resolves the ext_proc cluster (STATIC, pipe path) for the session', async () => {
    const u = await upstream('ai');
    let target = '';
    const fake = fakeExtProc((options) => {
      target = options.resolveCluster('tollgate-extproc');
      return { requestHeaders: (h) => routed(h, true) };
    });
    const h = await startHarness(
      {
        listeners: [listener('l', { extProc: true })],
        routes: [
          routeConfig('l', [
            vhost(
              'any',
              ['*'],
              [
                routeTo('ai', {
                  prefix: '/',
                  headers: [{ name: ROUTE_HEADER, string_match: { exact: 'ns/r/0' } }],
                }),
              ],
            ),
          ]),
        ],
        clusters: [
          edsCluster('ai'),
          {
            name: 'tollgate-extproc',
            type: 'STATIC',
            load_assignment: {
              cluster_name: 'tollgate-extproc',
              endpoints: [
                {
                  lb_endpoints: [{ endpoint: { address: { pipe: { path: '/run/tollgate/extproc.sock' } } } }],
                },
              ],
            },
            typed_extension_protocol_options: {
              'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
                '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
                explicit_http_config: { http2_protocol_options: {} },
              },
            },
          },
        ],
        endpoints: [assignment('ai', [{ port: u.port }])],
      },
      fake.factory,
    );
    cleanup.push(() => h.close());
    assert.equal((await request(h.port(), { body: '{}' })).body, 'ai');
    assert.equal(target, 'unix:/run/tollgate/extproc.sock');
  });

  it('replaces the request body when a headers decision carries one (CONTINUE_AND_REPLACE)', async () => {
    const u = await upstream('ai');
    const fake = fakeExtProc(() => ({
      requestHeaders: (h) => ({ ...routed(h, true), body: Buffer.from('replaced') }),
      requestBody: () => {
        throw new Error('the body phase must not run after CONTINUE_AND_REPLACE');
      },
    }));
    const h = await aiGateway(u.port, fake);
    assert.equal((await request(h.port(), { path: '/v1/chat/completions', body: 'original' })).body, 'ai');
    assert.equal(u.received[0]?.body, 'replaced');
  });

  it('skips ext_proc on routes with ExtProcPerRoute disabled', async () => {
    const u = await upstream('ai');
    const fake = fakeExtProc(() => ({}));
    const h = await aiGateway(u.port, fake);
    assert.equal((await request(h.port(), { path: '/plain' })).body, 'ai');
    assert.equal(fake.sessions.length, 0);
  });

  it('closes the session when the client disconnects mid-stream', async () => {
    const u = await upstream('ai', (_req, res) => {
      res.writeHead(200);
      res.write('chunk');
    });
    const fake = fakeExtProc(() => ({
      requestHeaders: (h) => routed(h, true),
      responseBodyMode: 'STREAMED',
    }));
    const h = await aiGateway(u.port, fake);
    await new Promise<void>((resolve) => {
      const req = http.get(
        { host: '127.0.0.1', port: h.port(), path: '/v1/chat/completions', agent: false },
        (res) => {
          res.once('data', () => req.destroy());
        },
      );
      req.on('error', () => undefined);
      req.on('close', () => resolve());
    });
    for (let i = 0; i < 100 && !fake.sessions[0]?.closed; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(fake.sessions[0]?.closed, true);
  });
});

describe('upstream-level ext_proc', () => {
  it('runs one session per attempt with the chosen endpoint metadata', async () => {
    const b0 = await upstream('b0', (_req, res) => {
      res.writeHead(503);
      res.end();
    });
    const b1 = await upstream('b1');
    const meta = (backend: string): ProtoObject => ({
      filter_metadata: { tollgate: { fields: { backend: { stringValue: backend } } } },
    });
    const fake = fakeExtProc((options) => {
      const md = options.attributes[UPSTREAM_HOST_METADATA_ATTRIBUTE] as {
        filter_metadata: Record<string, { fields: Record<string, { stringValue: string }> }>;
      };
      const backend = md.filter_metadata.tollgate?.fields.backend?.stringValue ?? '?';
      return {
        requestHeaders: (h) => ({
          kind: 'continue',
          headers: [...h.filter(([n]) => n !== ':path'), [':path', `/${backend}`]],
          clearRouteCache: false,
        }),
        responseHeaders: (h) => ({
          kind: 'continue',
          headers: [...h, ['x-tollgate-backend', backend]],
          clearRouteCache: false,
        }),
      };
    });
    const h = await startHarness(
      {
        listeners: [listener('l')],
        routes: [
          routeConfig('l', [
            vhost(
              'any',
              ['*'],
              [
                routeTo(
                  'ai',
                  { prefix: '/' },
                  { retry_policy: { retry_on: '5xx', num_retries: { value: 1 }, ...RETRY_PRIORITY } },
                ),
              ],
            ),
          ]),
        ],
        clusters: [edsCluster('ai', UPSTREAM_EXT_PROC)],
        endpoints: [
          assignment('ai', [
            { port: b0.port, metadata: meta('ns/b0') },
            { port: b1.port, priority: 1, metadata: meta('ns/b1') },
          ]),
        ],
      },
      fake.factory,
    );
    cleanup.push(() => h.close());
    const res = await request(h.port(), { path: '/v1/chat/completions', body: '{}' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-tollgate-backend'], 'ns/b1');
    assert.equal(b0.received[0]?.url, '/ns/b0');
    assert.equal(b1.received[0]?.url, '/ns/b1');
    assert.equal(fake.sessions.length, 2);
    assert.ok(fake.sessions.every((s) => s.closed));
  });
});

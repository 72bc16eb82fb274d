// End-to-end tests of the router filter: retries (retry_on, retriable_status_codes,
// per_try_timeout, previous_priorities), local replies for connect failure and timeouts, the
// stream idle timeout, and cancellation when the client goes away. Envoy references:
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter
// https://www.envoyproxy.io/docs/envoy/latest/faq/configuration/timeouts
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, describe, it } from 'node:test';
import type { ProtoObject } from '../../lib/protos';
import { startHarness, type Harness } from '../testing/harness';
import {
  closedPort,
  request,
  startUpstream,
  type TestUpstream,
  type UpstreamHandler,
} from '../testing/upstream';
import {
  RETRY_PRIORITY,
  assignment,
  edsCluster,
  listener,
  routeConfig,
  routeTo,
  vhost,
} from '../testing/xds';

const FAST_BACKOFF = {
  retry_back_off: { base_interval: { nanos: 1_000_000 }, max_interval: { nanos: 2_000_000 } },
};

const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function upstream(name: string, handler?: UpstreamHandler): Promise<TestUpstream> {
  const u = await startUpstream(name, handler);
  cleanup.push(() => u.close());
  return u;
}

/** One listener routing everything to cluster "ai" with the given endpoints and route action fields. */
async function gateway(
  endpoints: { port: number; priority?: number }[],
  routeExtra: ProtoObject,
): Promise<Harness> {
  const h = await startHarness({
    listeners: [listener('l')],
    routes: [routeConfig('l', [vhost('any', ['*'], [routeTo('ai', { prefix: '/' }, routeExtra)])])],
    clusters: [edsCluster('ai')],
    endpoints: [assignment('ai', endpoints)],
  });
  cleanup.push(() => h.close());
  return h;
}

const status =
  (code: number, body = String(code)): UpstreamHandler =>
  (_req, res) => {
    res.writeHead(code);
    res.end(body);
  };

describe('retries and priorities', () => {
  it('moves to the next priority after a 5xx (previous_priorities)', async () => {
    const p0 = await upstream('p0', status(503));
    const p1 = await upstream('p1');
    const h = await gateway([{ port: p0.port }, { port: p1.port, priority: 1 }], {
      retry_policy: { retry_on: '5xx', num_retries: { value: 2 }, ...FAST_BACKOFF, ...RETRY_PRIORITY },
    });
    const res = await request(h.port(), { method: 'POST', body: '{"x":1}' });
    assert.equal(res.status, 200);
    assert.equal(res.body, 'p1');
    assert.equal(p0.received.length, 1);
    // The buffered request body is replayed on the retry.
    assert.equal(p1.received[0]?.body, '{"x":1}');
  });

  it('returns the upstream 5xx when the route has no retry policy', async () => {
    const p0 = await upstream('p0', status(503, 'down'));
    const p1 = await upstream('p1');
    const h = await gateway([{ port: p0.port }, { port: p1.port, priority: 1 }], {});
    const res = await request(h.port());
    assert.equal(res.status, 503);
    assert.equal(res.body, 'down');
    assert.equal(p1.received.length, 0);
  });

  it('falls back to the next priority on connect failure', async () => {
    const dead = await closedPort();
    const p1 = await upstream('p1');
    const h = await gateway([{ port: dead }, { port: p1.port, priority: 1 }], {
      retry_policy: {
        retry_on: 'connect-failure',
        num_retries: { value: 1 },
        ...FAST_BACKOFF,
        ...RETRY_PRIORITY,
      },
    });
    const res = await request(h.port());
    assert.equal(res.body, 'p1');
  });

  it('answers 503 "connection failure" like Envoy when connecting fails and no retry is left', async () => {
    const h = await gateway([{ port: await closedPort() }], {});
    const res = await request(h.port());
    assert.equal(res.status, 503);
    assert.match(
      res.body,
      /upstream connect error or disconnect\/reset before headers\. reset reason: connection failure/,
    );
  });

  it('answers 503 "no healthy upstream" for a cluster without endpoints', async () => {
    const h = await gateway([], {});
    const res = await request(h.port());
    assert.equal(res.status, 503);
    assert.equal(res.body, 'no healthy upstream');
  });

  it('retries retriable_status_codes and per_try_timeout expiries', async () => {
    let calls = 0;
    const u = await upstream('u', (_req, res) => {
      calls++;
      if (calls === 1) return; // hangs: the per-try timeout fires
      if (calls === 2) return status(429)(_req, res);
      res.end('ok');
    });
    const h = await gateway([{ port: u.port }], {
      retry_policy: {
        retry_on: 'reset,retriable-status-codes',
        retriable_status_codes: [429],
        num_retries: { value: 2 },
        per_try_timeout: { nanos: 150_000_000 },
        ...FAST_BACKOFF,
      },
    });
    const res = await request(h.port());
    assert.equal(res.status, 200);
    assert.equal(res.body, 'ok');
    assert.equal(u.received.length, 3);
  });

  it('ignores the per-try timeout once the response started downstream', async () => {
    const u = await upstream('u', (_req, res) => {
      res.writeHead(200);
      res.write('a');
      setTimeout(() => res.end('b'), 300);
    });
    const h = await gateway([{ port: u.port }], {
      timeout: {},
      retry_policy: { retry_on: 'reset', num_retries: { value: 1 }, per_try_timeout: { nanos: 100_000_000 } },
    });
    const res = await request(h.port());
    assert.equal(res.body, 'ab');
    assert.equal(u.received.length, 1);
  });

  it('never retries once response bytes went to the client', async () => {
    const u = await upstream('u', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const h = await gateway([{ port: u.port }], {
      retry_policy: { retry_on: '5xx,reset', num_retries: { value: 3 }, ...FAST_BACKOFF },
    });
    await assert.rejects(request(h.port()));
    assert.equal(u.received.length, 1);
  });
});

describe('timeouts and cancellation', () => {
  it('answers 504 when the route timeout expires', async () => {
    const u = await upstream('u', () => undefined);
    const h = await gateway([{ port: u.port }], { timeout: { nanos: 200_000_000 } });
    const res = await request(h.port());
    assert.equal(res.status, 504);
    assert.equal(res.body, 'upstream request timeout');
  });

  it('answers 408 when the stream is idle before response headers', async () => {
    const u = await upstream('u', () => undefined);
    const h = await gateway([{ port: u.port }], { timeout: {}, idle_timeout: { nanos: 150_000_000 } });
    const res = await request(h.port());
    assert.equal(res.status, 408);
    assert.equal(res.body, 'stream timeout');
  });

  it('resets the stream when it goes idle after the headers', async () => {
    const u = await upstream('u', (_req, res) => {
      res.writeHead(200);
      res.write('first');
    });
    const h = await gateway([{ port: u.port }], { timeout: {}, idle_timeout: { nanos: 150_000_000 } });
    const received: string[] = [];
    await assert.rejects(
      new Promise((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port: h.port(), agent: false }, (res) => {
            res.on('data', (c: Buffer) => received.push(c.toString()));
            res.on('end', resolve);
            res.on('error', reject);
          })
          .on('error', reject);
      }),
    );
    assert.deepEqual(received, ['first']);
  });

  it('aborts the upstream request when the client disconnects', async () => {
    let upstreamClosed: () => void = () => undefined;
    const closed = new Promise<void>((r) => (upstreamClosed = r));
    const u = await upstream('u', (_req, res) => {
      res.writeHead(200);
      res.write('tick');
      res.on('close', () => upstreamClosed());
    });
    const h = await gateway([{ port: u.port }], { timeout: {} });
    await new Promise<void>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: h.port(), agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
      req.on('close', resolve);
      setTimeout(() => reject(new Error('no data')), 5000).unref();
    });
    await closed;
  });
});

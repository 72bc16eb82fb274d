// The audit sink: JSON lines to a file, bodies only when enabled, no key bytes ever, and a
// capped backlog that drops (and counts) instead of growing without bound.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { ClientPolicyConfig } from '../config/schema';
import { authenticate } from '../identity/authenticate';
import { sha256Hex } from '../identity/keys';
import type { Identity } from '../services';
import { auditRecordFrom } from './record';
import { createAuditSink } from './sink';

const silent = pino({ level: 'silent' });
const KEY = 'tg_AuditAuditAuditAuditAuditAuditAuditAudi';

function record(identity: Identity | undefined, extra: Record<string, unknown> = {}) {
  return auditRecordFrom({
    requestId: 'req-1',
    gateway: 'default/gw',
    identity,
    route: 'default/chat/0',
    backend: 'default/openai',
    requestModel: 'gpt-4o',
    responseModel: 'gpt-4o-2024',
    status: 200,
    stream: true,
    usage: { input: 10, output: 5, cached: 0, reasoning: 0 },
    cost: 0.0001,
    startedMs: Date.parse('2026-06-01T00:00:00Z'),
    nowMs: Date.parse('2026-06-01T00:00:01.250Z'),
    guardrails: [{ guardrail: 'default/pii', check: 'pii', action: 'redacted', detail: 'Email' }],
    prompt: [{ role: 'user', content: 'hi' }],
    completion: 'hello',
    ...extra,
  });
}

describe('audit sink', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-audit-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes one typed JSON line per record, without bodies unless enabled', async () => {
    const file = path.join(dir, 'sub', 'audit.log');
    const sink = createAuditSink({ target: { file }, includeBodies: false, logger: silent });
    assert.equal(sink.includeBodies, false);
    sink.write(record({ source: 'jwt', user: 'u', claims: { email: 'u@x.io' } }));
    sink.write(record(undefined, { requestId: 'req-2', status: 401, error: 'invalid API key' }));
    await sink.close();
    const lines = fs
      .readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 2);
    assert.deepEqual(lines[0], {
      type: 'audit',
      time: '2026-06-01T00:00:00.000Z',
      requestId: 'req-1',
      gateway: 'default/gw',
      identity: { source: 'jwt', user: 'u' },
      route: 'default/chat/0',
      backend: 'default/openai',
      requestModel: 'gpt-4o',
      responseModel: 'gpt-4o-2024',
      status: 200,
      stream: true,
      usage: { input: 10, output: 5, cached: 0, reasoning: 0 },
      cost: 0.0001,
      latencyMs: 1250,
      guardrails: [{ guardrail: 'default/pii', check: 'pii', action: 'redacted', detail: 'Email' }],
    });
    assert.equal(lines[1]?.error, 'invalid API key');
    assert.equal((fs.statSync(file).mode & 0o777).toString(8), '600');

    const withBodies = createAuditSink({ target: { file }, includeBodies: true, logger: silent });
    withBodies.write(record({ source: 'anonymous' }));
    await withBodies.close();
    const last = JSON.parse(fs.readFileSync(file, 'utf8').trim().split('\n')[2] ?? '{}') as Record<
      string,
      unknown
    >;
    assert.deepEqual(last.prompt, [{ role: 'user', content: 'hi' }]);
    assert.equal(last.completion, 'hello');
  });

  it('never writes the key bytes (or their hash) of a request that carried an API key', async () => {
    const policy: ClientPolicyConfig = {
      key: 'default/p',
      apiKeys: { keys: [{ name: 'default/ci', sha256: sha256Hex(KEY), user: 'ci' }] },
      unauthenticated: 'Reject',
      access: { rules: [], default: 'Allow' },
    };
    const headers = new Map([
      ['authorization', `Bearer ${KEY}`],
      ['x-api-key', KEY],
    ]);
    const identity = authenticate(policy, { headers }, Date.now());
    // Whatever else the object carries (here: the headers and a hash) is not serialized.
    const leaky = { ...identity, headers: Object.fromEntries(headers), sha256: sha256Hex(KEY) } as Identity;
    const file = path.join(dir, 'audit.log');
    const sink = createAuditSink({ target: { file }, includeBodies: false, logger: silent });
    const built = record(leaky);
    assert.deepEqual(built.identity, { source: 'apiKey', apiKey: 'default/ci', user: 'ci' });
    // Handed to the sink directly (not through auditRecordFrom), extra fields still stay out.
    const rec = { ...built, identity: leaky, requestHeaders: Object.fromEntries(headers) };
    sink.write(rec);
    await sink.close();
    const text = fs.readFileSync(file, 'utf8');
    assert.match(text, /"apiKey":"default\/ci"/);
    assert.ok(!text.includes(KEY), 'key bytes leaked');
    assert.ok(!text.includes(KEY.slice(3, 20)), 'part of the key leaked');
    assert.ok(!text.includes(sha256Hex(KEY)), 'key hash leaked');
  });

  it('caps the backlog: drops and counts once the destination falls behind', async () => {
    const pending: Array<() => void> = [];
    const stuck = new Writable({
      highWaterMark: 1,
      write(_chunk, _enc, callback) {
        pending.push(callback); // a disk that never finishes a write
      },
    });
    const registry = new Registry();
    const lineBytes = Buffer.byteLength(JSON.stringify(record(undefined))) + 20;
    const sink = createAuditSink({
      target: 'stdout',
      destination: stuck,
      includeBodies: false,
      maxBacklogBytes: lineBytes * 3,
      registry,
      logger: silent,
    });
    for (let i = 0; i < 10; i++) sink.write(record(undefined, { requestId: `r${i}` }));
    assert.ok(sink.dropped >= 6 && sink.dropped <= 8, `dropped ${sink.dropped}`);
    assert.ok(stuck.writableLength <= lineBytes * 3);
    const metrics = await registry.getMetricsAsJSON();
    const counter = metrics.find((m) => m.name === 'tollgate_audit_records_dropped_total');
    assert.equal(counter?.values[0]?.value, sink.dropped);
    // Once the destination catches up, records flow again.
    while (pending.length > 0) pending.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
    const before = sink.dropped;
    sink.write(record(undefined, { requestId: 'after' }));
    assert.equal(sink.dropped, before);
    const closing = sink.close();
    const drain = setInterval(() => pending.shift()?.(), 1);
    await closing;
    clearInterval(drain);
  });

  it("'off' writes nothing and never includes bodies", async () => {
    const sink = createAuditSink({ target: 'off', includeBodies: true, logger: silent });
    assert.equal(sink.includeBodies, false);
    sink.write(record(undefined));
    assert.equal(sink.dropped, 0);
    await sink.close();
  });
});

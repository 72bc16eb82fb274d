// The webhook check against a local server on an ephemeral port: the payload it sends, the
// three verdicts, and every way it can fail (down, slow, 500, bad JSON, wrong shape) in both
// fail modes. The webhook's headers must never show up in logs.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createGuardrailService } from '.';
import { CTX, chat, guardrail } from './testing';

type Handler = (body: Record<string, unknown>, req: http.IncomingMessage, res: http.ServerResponse) => void;
const handlers = new Map<string, Handler>();
let server: http.Server;
let base = '';
let downUrl = '';

before(async () => {
  server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => handlers.get(req.url ?? '')?.(JSON.parse(data) as Record<string, unknown>, req, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  downUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/down`;
  await new Promise<void>((r) => closed.close(() => r()));
});

after(() => {
  server.closeAllConnections();
  server.close();
});

handlers.set('/allow', (_b, _q, res) => res.end(JSON.stringify({ action: 'allow' })));
handlers.set('/block', (_b, _q, res) => res.end(JSON.stringify({ action: 'block', reason: 'self-harm' })));
handlers.set('/redact', (b, _q, res) =>
  res.end(
    JSON.stringify({
      action: 'redact',
      texts: (b.texts as string[]).map((t) => t.replace(/secret/g, '***')),
    }),
  ),
);
handlers.set('/slow', () => undefined); // never answers
handlers.set('/500', (_b, _q, res) => {
  res.statusCode = 500;
  res.end('{"action":"allow"}');
});
handlers.set('/badjson', (_b, _q, res) => res.end('{"action":'));
handlers.set('/shape', (_b, _q, res) => res.end(JSON.stringify({ action: 'redact', texts: [] })));

let seen: { body: Record<string, unknown>; auth: string | undefined } | undefined;
handlers.set('/echo', (b, req, res) => {
  seen = { body: b, auth: req.headers.authorization };
  res.end(JSON.stringify({ action: 'allow' }));
});

const logLines: string[] = [];
const service = createGuardrailService({
  logger: pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        logLines.push(chunk.toString());
        cb();
      },
    }),
  ),
  registry: new Registry(),
});
const ctx = { ...CTX, rawBytes: 10 };
const hook = (path: string, extra: Record<string, unknown> = {}): ReturnType<typeof guardrail> =>
  guardrail([
    {
      name: 'hook',
      type: 'Webhook',
      action: 'Block',
      url: path.startsWith('http') ? path : base + path,
      timeoutMs: 200,
      headers: [{ name: 'Authorization', value: 'Bearer hook-secret-123' }],
      ...extra,
    },
  ]);

test('sends guardrail, check, phase, model, route and texts, with its headers', async () => {
  const v = await service.checkRequest([hook('/echo')], chat('hello', 'world'), ctx);
  assert.equal(v.blocked, undefined);
  assert.deepEqual(seen?.body, {
    guardrail: 'default/policy',
    check: 'hook',
    phase: 'request',
    model: 'gpt-4o',
    route: 'default/chat/0',
    texts: ['hello', 'world'],
  });
  assert.equal(seen?.auth, 'Bearer hook-secret-123');
});

test('allow passes, block blocks (or logs), redact rewrites the texts', async () => {
  assert.deepEqual((await service.checkRequest([hook('/allow')], chat('x'), ctx)).fired, []);
  const blocked = await service.checkRequest([hook('/block')], chat('x'), ctx);
  assert.equal(blocked.blocked?.code, 'guardrail_blocked');
  assert.deepEqual(blocked.fired, [
    { guardrail: 'default/policy', check: 'hook', action: 'blocked', detail: 'self-harm' },
  ]);
  const logged = await service.checkRequest([hook('/block', { action: 'Log' })], chat('x'), ctx);
  assert.equal(logged.blocked, undefined);
  assert.equal(logged.fired[0]?.action, 'logged');
  const redacted = await service.checkRequest(
    [hook('/redact', { action: 'Redact' })],
    chat('my secret', 'no'),
    ctx,
  );
  assert.deepEqual(
    (redacted.body as { messages: Array<{ content: string }> }).messages.map((m) => m.content),
    ['my ***', 'no'],
  );
});

for (const [name, path] of [
  ['down', 'DOWN'],
  ['slow', '/slow'],
  ['500', '/500'],
  ['bad JSON', '/badjson'],
  ['wrong shape', '/shape'],
] as const) {
  test(`webhook ${name}: Open passes as failed_open, Closed answers 503 as failed_closed`, async () => {
    const url = path === 'DOWN' ? downUrl : path;
    const open = await service.checkRequest([hook(url, { failMode: 'Open' })], chat('x'), ctx);
    assert.equal(open.blocked, undefined);
    assert.equal(open.fired[0]?.action, 'failed_open');
    const closed = await service.checkRequest([hook(url, { failMode: 'Closed' })], chat('x'), ctx);
    assert.equal(closed.blocked?.status, 503);
    assert.equal(closed.fired[0]?.action, 'failed_closed');
    assert.match(closed.blocked?.message ?? '', /"default\/policy".*"hook"/);
  });
}

test('the webhook headers never reach the logs', () => {
  assert.ok(logLines.length > 0, 'failures were logged');
  for (const line of logLines) assert.doesNotMatch(line, /hook-secret-123/);
});

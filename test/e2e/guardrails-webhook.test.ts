// Webhook guardrails end to end (`tollgate run` on examples/guardrails plus three header-selected
// AIRoutes, each with a Webhook check against this test's own HTTP server): allow, block and
// redact answers, and a webhook that is slow, broken or down, with failMode Closed (503, nothing
// upstream) and Open (the request goes through, recorded as failed_open). The webhook server's
// behaviour is chosen by a marker word in the prompt, so one server serves every case.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startMockLlm } from '../fakes/mock-llm';
import { startLocalTollgate, type LocalTollgate } from './local-tollgate';

type Mock = Awaited<ReturnType<typeof startMockLlm>>;

interface WebhookCall {
  headers: http.IncomingHttpHeaders;
  body: { guardrail: string; check: string; phase: string; model: string; route: string; texts: string[] };
}

const HOOK_TOKEN = 'hook-token-e2e-7f3a';

function hookRoute(name: string, failMode: 'Open' | 'Closed', hookUrl: string, timeoutMs?: number): string {
  return `
---
apiVersion: tollgate.dev/v1alpha1
kind: AIRoute
metadata: { name: e2e-${name}, namespace: default }
spec:
  parentRefs: [{ name: guardrails-gateway }]
  rules:
    - name: main
      matches: [{ headers: [{ name: x-e2e-route, value: ${name} }] }]
      backendRefs: [{ name: guardrails-mock }]
---
apiVersion: tollgate.dev/v1alpha1
kind: AIGuardrail
metadata: { name: e2e-${name}, namespace: default }
spec:
  targetRefs: [{ kind: AIRoute, name: e2e-${name} }]
  checks:
    - name: moderation
      type: Webhook
      action: Block
      failMode: ${failMode}
      url: ${hookUrl}
      ${timeoutMs === undefined ? '' : `timeoutMs: ${timeoutMs}`}
      headers: [{ name: x-hook-token, value: ${HOOK_TOKEN} }]
`;
}

/** The webhook: the first marker word found in the texts decides what it does. */
async function startWebhook(): Promise<{ url: string; calls: WebhookCall[]; close: () => Promise<void> }> {
  const calls: WebhookCall[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw) as WebhookCall['body'];
      calls.push({ headers: req.headers, body });
      const all = body.texts.join('\n');
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(typeof value === 'string' ? value : JSON.stringify(value));
      };
      if (all.includes('hook-block')) json(200, { action: 'block', reason: 'toxicity' });
      else if (all.includes('hook-redact'))
        json(200, {
          action: 'redact',
          texts: body.texts.map((t) => t.replaceAll('codename-zebra', '[HIDDEN]')),
        });
      else if (all.includes('hook-slow')) setTimeout(() => json(200, { action: 'allow' }), 1500).unref();
      else if (all.includes('hook-500')) json(500, { error: 'boom' });
      else if (all.includes('hook-garbage')) json(200, 'this is not json');
      else json(200, { action: 'allow' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/check`,
    calls,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('webhook guardrails end to end', () => {
  let mock: Mock;
  let hook: Awaited<ReturnType<typeof startWebhook>>;
  let hookUp = true;
  let tollgate: LocalTollgate;
  let client: OpenAI;
  let auditDir: string;
  let auditFile: string;
  let seq = 0;

  before(async () => {
    mock = await startMockLlm({ name: 'mock', host: '127.0.0.1' });
    hook = await startWebhook();
    auditDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-guardrails-hook-'));
    auditFile = path.join(auditDir, 'audit.jsonl');
    const extra =
      hookRoute('hook-closed', 'Closed', hook.url, 300) +
      hookRoute('hook-open', 'Open', hook.url, 300) +
      hookRoute('hook-default', 'Open', hook.url);
    tollgate = await startLocalTollgate('guardrails', {
      gatewayPort: 8080,
      upstreamPorts: { 9101: mock.port },
      transform: (file, text) => (file === 'guardrails.yaml' ? text + extra : text),
      extraArgs: ['--audit-log', auditFile],
    });
    client = new OpenAI({ baseURL: tollgate.baseURL, apiKey: 'client-key', maxRetries: 0 });
  });

  after(async () => {
    await tollgate?.stop();
    await mock?.close();
    if (hookUp) await hook?.close();
    if (auditDir) fs.rmSync(auditDir, { recursive: true, force: true });
  });

  /** Sends one chat request through a route; returns the answer text or the SDK error. */
  async function ask(route: string, prompt: string) {
    const id = `e2e-hook-${process.pid}-${++seq}`;
    const upstreamBefore = mock.requests.length;
    const result = await client.chat.completions
      .create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }] },
        { headers: { 'x-e2e-route': route, 'x-request-id': id } },
      )
      .then((res) => ({ text: res.choices[0]?.message.content ?? '', error: undefined }))
      .catch((error: unknown) => {
        if (!(error instanceof OpenAI.APIError)) throw error;
        return { text: undefined, error };
      });
    return { ...result, id, upstreamCalled: mock.requests.length > upstreamBefore };
  }

  async function firedOf(id: string): Promise<Array<Record<string, string>>> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const text = fs.existsSync(auditFile) ? fs.readFileSync(auditFile, 'utf8') : '';
      const line = text.split('\n').find((l) => l.includes(`"requestId":"${id}"`));
      if (line) return (JSON.parse(line) as { guardrails: Array<Record<string, string>> }).guardrails;
      if (Date.now() > deadline) throw new Error(`no audit record for ${id}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** "guardrail check action" of each check that fired (failures may add a reason as detail). */
  async function actionsOf(id: string): Promise<string[]> {
    return (await firedOf(id)).map((f) => `${f.guardrail} ${f.check} ${f.action}`);
  }

  test('allow: the request goes upstream; the webhook got the documented payload, already redacted', async () => {
    const r = await ask('hook-closed', 'Say hello to bob@example.org please');
    assert.equal(r.error, undefined);
    assert.ok(r.upstreamCalled);
    const call = hook.calls.at(-1);
    assert.equal(call?.headers['x-hook-token'], HOOK_TOKEN);
    assert.deepEqual(
      { ...call?.body, texts: undefined },
      {
        guardrail: 'default/e2e-hook-closed',
        check: 'moderation',
        phase: 'request',
        model: 'gpt-4o-mini',
        route: 'default/e2e-hook-closed/main',
        texts: undefined,
      },
    );
    // The gateway's PII check ran first: the webhook sees the placeholder, not the address.
    assert.deepEqual(call?.body.texts, ['Say hello to [EMAIL_1] please']);
  });

  test('block: 400 naming the guardrail, never the webhook reason or the text; upstream not called', async () => {
    const r = await ask('hook-open', 'hook-block this message');
    assert.ok(r.error instanceof OpenAI.BadRequestError, String(r.error));
    assert.equal(r.error.code, 'guardrail_blocked');
    assert.match(r.error.message, /e2e-hook-open/);
    assert.ok(!/toxicity|hook-block/.test(r.error.message), r.error.message);
    assert.equal(r.upstreamCalled, false);
    assert.deepEqual(await firedOf(r.id), [
      { guardrail: 'default/e2e-hook-open', check: 'moderation', action: 'blocked', detail: 'toxicity' },
    ]);
  });

  test('redact: the upstream receives the texts the webhook returned', async () => {
    const r = await ask('hook-closed', 'hook-redact: the project is codename-zebra');
    assert.equal(r.error, undefined);
    const sent = JSON.stringify(mock.requests.at(-1)?.body);
    assert.ok(sent.includes('the project is [HIDDEN]'), sent);
    assert.ok(!sent.includes('codename-zebra'));
  });

  for (const [what, marker] of [
    ['slow', 'hook-slow'],
    ['non-2xx', 'hook-500'],
    ['malformed', 'hook-garbage'],
  ] as const) {
    test(`${what} webhook: Closed answers 503 without calling upstream, Open lets the request through`, async () => {
      const closed = await ask('hook-closed', `${marker} please`);
      assert.ok(closed.error instanceof OpenAI.APIError, String(closed.error));
      assert.equal(closed.error.status, 503);
      assert.equal(closed.error.code, 'guardrail_unavailable');
      assert.match(closed.error.message, /e2e-hook-closed/);
      assert.equal(closed.upstreamCalled, false);
      assert.deepEqual(await actionsOf(closed.id), ['default/e2e-hook-closed moderation failed_closed']);
      const open = await ask('hook-open', `${marker} please`);
      assert.equal(open.error, undefined, String(open.error));
      assert.ok(open.upstreamCalled);
      assert.deepEqual(await actionsOf(open.id), ['default/e2e-hook-open moderation failed_open']);
    });
  }

  test('a slow webhook with the default timeout (1000 ms) and failMode Open lets the request through', async () => {
    const r = await ask('hook-default', 'hook-slow please');
    assert.equal(r.error, undefined, String(r.error));
    assert.ok(r.upstreamCalled);
  });

  test('webhook down: Closed answers 503, Open lets the request through; metrics and logs', async () => {
    await hook.close();
    hookUp = false;
    const closed = await ask('hook-closed', 'anything');
    assert.ok(closed.error instanceof OpenAI.APIError, String(closed.error));
    assert.equal(closed.error.status, 503);
    assert.equal(closed.upstreamCalled, false);
    const open = await ask('hook-open', 'anything');
    assert.equal(open.error, undefined, String(open.error));
    assert.ok(open.upstreamCalled);
    assert.deepEqual(await actionsOf(open.id), ['default/e2e-hook-open moderation failed_open']);

    const metrics = await (await fetch(`${tollgate.adminURL}/metrics`)).text();
    for (const [route, action] of [
      ['hook-closed', 'failed_closed'],
      ['hook-open', 'failed_open'],
      ['hook-open', 'blocked'],
      ['hook-closed', 'passed'],
    ])
      assert.match(
        metrics,
        new RegExp(
          `tollgate_guardrail_checks_total\\{[^}]*guardrail="default/e2e-${route}"[^}]*action="${action}"`,
        ),
        `${route} ${action}`,
      );
    const audit = fs.readFileSync(auditFile, 'utf8');
    for (const [where, text] of [
      ['audit', audit],
      ['logs', tollgate.output()],
    ] as const) {
      assert.ok(!text.includes(HOOK_TOKEN), `${where} hold the webhook header`);
      assert.ok(!text.includes('codename-zebra'), `${where} hold prompt text`);
      assert.ok(!text.includes('bob@example.org'), `${where} hold prompt text`);
    }
  });
});

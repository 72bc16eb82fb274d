// API keys, access rules, header spoofing and the audit log end to end: `tollgate run` on
// examples/identity (API keys, trial tenants limited to gpt-4o-mini) with --audit-log, a trusted
// hop range the test's own connections are outside of, and one already expired key.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { sha256Hex } from '../../extproc/identity/keys';
import { startMockLlm, type MockLlm } from '../fakes/mock-llm';
import { repoRoot } from '../golden';
import { assertOpenAIError, chat, pollUntil, readAudit } from './identity-helpers';
import { startLocalTollgate, type LocalTollgate } from './local-tollgate';

const ALICE = 'tg_demoAliceLocalOnly0000000000000000000000';
const BOB = 'tg_demoBobLocalOnly000000000000000000000000';
const EXPIRED = 'tg_expiredExpiredExpiredExpiredExpired0000';
const EXPIRED_SECRET = `
---
apiVersion: v1
kind: Secret
metadata: { name: apikey-expired, namespace: default, labels: { tollgate.dev/api-key: 'true' } }
type: tollgate.dev/api-key
stringData: { sha256: ${sha256Hex(EXPIRED)}, tenant: acme, expiresAt: '2020-01-01T00:00:00Z' }
`;

function keysCli(...args: string[]): string {
  return execFileSync(process.execPath, [path.join(repoRoot(), 'dist/cli/main.js'), 'keys', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('identity end to end: API keys, access, spoofing, audit', () => {
  let mock: MockLlm;
  let tollgate: LocalTollgate;
  let auditDir: string;
  let auditFile: string;
  const usedKeys: string[] = [ALICE, BOB, EXPIRED];

  before(async () => {
    mock = await startMockLlm({ name: 'identity-mock' });
    auditDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-e2e-audit-'));
    auditFile = path.join(auditDir, 'audit.jsonl');
    tollgate = await startLocalTollgate('identity', {
      gatewayPort: 8080,
      upstreamPorts: { 9101: mock.port },
      extraArgs: ['--audit-log', auditFile],
      transform: (file, text) => {
        if (file === 'keys.yaml') return text + EXPIRED_SECRET;
        if (file === 'policy.yaml')
          return text.replace(
            '  unauthenticated: Reject',
            '  trustedHeaders: { sourceCIDRs: [10.0.0.0/8], userHeader: x-user, tenantHeader: x-tenant }\n  unauthenticated: Reject',
          );
        return text;
      },
    });
  });

  after(async () => {
    await tollgate?.stop();
    await mock?.close();
    if (auditDir) fs.rmSync(auditDir, { recursive: true, force: true });
  });

  test('a key is accepted in Authorization Bearer, api-key and x-api-key', async () => {
    const variants: Array<Record<string, string>> = [
      { authorization: `Bearer ${ALICE}` },
      { 'api-key': ALICE },
      { 'x-api-key': ALICE },
    ];
    for (const headers of variants) {
      const res = await chat(tollgate.baseURL, headers);
      assert.equal(res.status, 200, `${Object.keys(headers)[0]}: ${JSON.stringify(res.body)}`);
    }
  });

  test('no key, unknown key, expired key: OpenAI-shaped 401 that never echoes the key', async () => {
    assertOpenAIError(await chat(tollgate.baseURL, {}), 401, 'unauthenticated', /authentication required/);
    const unknown = await chat(tollgate.baseURL, { authorization: 'Bearer tg_unknownUnknownUnknown' });
    assertOpenAIError(unknown, 401, 'unauthenticated', /invalid API key/);
    assert.doesNotMatch(JSON.stringify(unknown.body), /tg_unknown/);
    const expired = await chat(tollgate.baseURL, { 'x-api-key': EXPIRED });
    assertOpenAIError(expired, 401, 'unauthenticated', /API key expired/);
    // The official SDK sees it as an AuthenticationError.
    const client = new OpenAI({ baseURL: tollgate.baseURL, apiKey: 'tg_nope', maxRetries: 0 });
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
      (err: unknown) => err instanceof OpenAI.AuthenticationError,
    );
  });

  test('access: a trial tenant gets 403 for gpt-4o and sees only its models in GET /v1/models', async () => {
    assert.equal((await chat(tollgate.baseURL, { 'api-key': BOB }, 'gpt-4o-mini')).status, 200);
    assertOpenAIError(await chat(tollgate.baseURL, { 'api-key': BOB }, 'gpt-4o'), 403, 'permission_denied');
    assert.equal((await chat(tollgate.baseURL, { 'api-key': ALICE }, 'gpt-4o')).status, 200);

    const models = async (key: string): Promise<string[]> => {
      const client = new OpenAI({ baseURL: tollgate.baseURL, apiKey: key, maxRetries: 0 });
      const ids: string[] = [];
      for await (const m of client.models.list()) ids.push(m.id);
      return ids.sort();
    };
    assert.deepEqual(await models(BOB), ['gpt-4o-mini']);
    assert.deepEqual(await models(ALICE), ['gpt-4o', 'gpt-4o-mini']);
    const anonymous = await fetch(`${tollgate.baseURL}/models`);
    assert.equal(anonymous.status, 401);
  });

  test('spoofing: identity and routing headers from the client are ignored and never reach the upstream', async () => {
    // Trusted-hop headers from outside sourceCIDRs do not identify anyone...
    assertOpenAIError(await chat(tollgate.baseURL, { 'x-user': 'alice', 'x-tenant': 'acme' }), 401);
    // ...nor lift a trial key's restrictions.
    assertOpenAIError(
      await chat(tollgate.baseURL, { 'api-key': BOB, 'x-user': 'alice', 'x-tenant': 'acme' }, 'gpt-4o'),
      403,
      'permission_denied',
    );
    mock.requests.length = 0;
    const res = await chat(tollgate.baseURL, {
      authorization: `Bearer ${ALICE}`,
      'x-tollgate-route': 'default/nowhere/none',
      'x-tollgate-backend': 'default/nowhere',
      'x-tollgate-identity': '{"tenant":"root"}',
      'x-mock-expect-path': '/v1/chat/completions',
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.match(JSON.stringify(res.body), /identity-mock/, 'routed as usual');
    assert.equal(mock.requests.length, 1);
    const seen = mock.requests[0]?.headers ?? {};
    const leaked = Object.keys(seen).filter((h) => h.startsWith('x-tollgate-'));
    assert.deepEqual(leaked, [], 'no x-tollgate-* header reaches the upstream');
    assert.equal(seen.authorization, undefined, 'the client key does not reach the upstream');
    assert.ok(!JSON.stringify(seen).includes(ALICE), 'the client key appears in no upstream header');
    for (const name of res.headers.keys()) assert.ok(!name.startsWith('x-tollgate-'), `client saw ${name}`);

    mock.requests.length = 0;
    assert.equal((await chat(tollgate.baseURL, { 'api-key': ALICE })).status, 200);
    assert.equal(mock.requests[0]?.headers['api-key'], undefined);
    assert.equal((await chat(tollgate.baseURL, { 'x-api-key': ALICE })).status, 200);
    assert.equal(mock.requests[1]?.headers['x-api-key'], undefined);
  });

  test('keys create while running: usable after a short poll; revoke refuses new requests, in-flight ones complete', async (t) => {
    const key = keysCli(
      'create',
      '--name',
      'carol',
      '--tenant',
      'acme',
      '--user',
      'carol',
      '--dir',
      tollgate.dir,
    ).trim();
    assert.match(key, /^tg_[0-9A-Za-z]{40}$/);
    usedKeys.push(key);
    await pollUntil(async () => {
      const res = await chat(tollgate.baseURL, { authorization: `Bearer ${key}` });
      return res.status === 200 ? true : undefined;
    }, 'the new key to be accepted');

    const inflight = Array.from({ length: 4 }, (_, i) =>
      chat(tollgate.baseURL, { authorization: `Bearer ${key}`, 'x-mock-latency-ms': String(1500 + i * 100) }),
    );
    // Revoke once every one of them has reached the upstream, i.e. has been admitted.
    const before = mock.requests.length;
    await pollUntil(
      async () => (mock.requests.length >= before + 4 ? true : undefined),
      'in-flight requests',
    );
    await pollUntil(
      async () => (mock.requests.slice(-4).every((r) => r.headers['x-mock-latency-ms']) ? true : undefined),
      'the slow requests at the upstream',
    );
    keysCli('revoke', '--name', 'carol', '--dir', tollgate.dir);
    const revokedAt = Date.now();
    const refused = await pollUntil(async () => {
      const res = await chat(tollgate.baseURL, { authorization: `Bearer ${key}` });
      return res.status === 401 ? res : undefined;
    }, 'the revoked key to be refused');
    assertOpenAIError(refused, 401, 'unauthenticated', /invalid API key/);
    // Reported, not asserted: no timing thresholds on shared machines.
    t.diagnostic(`revocation refused the key after ${Date.now() - revokedAt} ms`);
    const results = await Promise.all(inflight);
    assert.deepEqual(
      results.map((r) => r.status),
      [200, 200, 200, 200],
      'requests admitted before the revocation complete',
    );
  });

  test('audit log: one line per request with who/route/model/backend/tokens/cost/status, never a key', async () => {
    const ok = await chat(tollgate.baseURL, { 'api-key': ALICE, 'x-request-id': 'audit-ok-1' }, 'gpt-4o');
    assert.equal(ok.status, 200);
    const denied = await chat(
      tollgate.baseURL,
      { 'api-key': BOB, 'x-request-id': 'audit-denied-1' },
      'gpt-4o',
    );
    assert.equal(denied.status, 403);
    const unknown = await chat(tollgate.baseURL, {
      'api-key': 'tg_auditUnknown',
      'x-request-id': 'audit-401-1',
    });
    assert.equal(unknown.status, 401);

    const lines = await pollUntil(async () => {
      const all = readAudit(auditFile);
      const ids = new Set(all.map((l) => l.requestId));
      return ['audit-ok-1', 'audit-denied-1', 'audit-401-1'].every((id) => ids.has(id)) ? all : undefined;
    }, 'the audit records');
    const byId = (id: string) => lines.filter((l) => l.requestId === id);
    assert.equal(byId('audit-ok-1').length, 1, 'exactly one line per request');
    const rec = byId('audit-ok-1')[0];
    assert.equal(rec?.type, 'audit');
    assert.deepEqual(rec?.identity, {
      source: 'apiKey',
      tenant: 'acme',
      team: 'search',
      user: 'alice',
      apiKey: 'default/apikey-alice',
    });
    assert.equal(rec?.route, 'default/identity-chat/chat');
    assert.equal(rec?.backend, 'default/identity-mock');
    assert.equal(rec?.requestModel, 'gpt-4o');
    assert.equal(rec?.status, 200);
    assert.ok((rec?.usage?.input ?? 0) > 0 && (rec?.usage?.output ?? 0) > 0, JSON.stringify(rec?.usage));
    assert.ok((rec?.cost ?? 0) > 0, `cost ${rec?.cost}`);
    assert.equal(byId('audit-denied-1')[0]?.status, 403);
    assert.equal(byId('audit-denied-1')[0]?.identity?.user, 'bob');
    assert.equal(byId('audit-401-1')[0]?.status, 401);

    const text = fs.readFileSync(auditFile, 'utf8');
    for (const key of [...usedKeys, 'tg_auditUnknown'])
      assert.ok(!text.includes(key), 'no API key bytes in the audit log');
    assert.ok(lines.length >= 10, `every request so far is audited (${lines.length} lines)`);
  });
});

// Budgets across replicas: two `tollgate run` trees (two extproc processes) share one Redis, and
// concurrent requests split across both race for a budget that admits exactly K. Exactly K
// succeed, the rest get an OpenAI-shaped 429 with retry-after, and the usage both replicas
// report afterwards equals the sum of what the successful responses reported.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startMockLlm } from '../fakes/mock-llm';
import {
  budgetManifest,
  chat,
  deleteBudgetKeys,
  openAIError,
  settledUsage,
  uniqueName,
  warmUp,
  withBudgets,
} from './budget-helpers';
import { startLocalTollgate, type LocalTollgate } from './local-tollgate';

type Mock = Awaited<ReturnType<typeof startMockLlm>>;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const K = 5;
const N = 16;

describe('budgets shared by two replicas through Redis', () => {
  const name = uniqueName('race');
  const key = `default/${name}`;
  let mock: Mock;
  let a: LocalTollgate;
  let b: LocalTollgate;

  before(async () => {
    mock = await startMockLlm({ name: 'mock', host: '127.0.0.1' });
    const options = {
      gatewayPort: 8080,
      upstreamPorts: { 9101: mock.port },
      extraArgs: ['--redis-url', REDIS_URL],
      transform: withBudgets(
        budgetManifest(name, {
          models: ['race-model'],
          limits: [
            { metric: 'Requests', amount: K, window: { rolling: '1h' } },
            { metric: 'TotalTokens', amount: 1_000_000, window: { rolling: '1h' } },
          ],
        }),
      ),
    };
    // One after the other: two cold starts at once can outlast the ready timeout on 2 cores.
    a = await startLocalTollgate('budgets', options);
    b = await startLocalTollgate('budgets', options);
    await Promise.all([warmUp(a.baseURL), warmUp(b.baseURL)]);
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await mock?.close();
    await deleteBudgetKeys(REDIS_URL, [name]);
  });

  test(`${N} concurrent requests over two replicas: exactly ${K} admitted, usage adds up`, async () => {
    assert.notEqual(a.adminURL, b.adminURL);
    // The upstream holds each answer, so every reservation is made before any settles.
    const results = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        chat(
          (i % 2 === 0 ? a : b).baseURL,
          {
            model: 'race-model',
            messages: [{ role: 'user', content: `request number ${i} `.repeat(1 + (i % 3)) }],
          },
          { 'x-mock-latency-ms': '400' },
        ),
      ),
    );
    const ok = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status !== 200);
    assert.equal(ok.length, K, `statuses: ${results.map((r) => r.status).join(',')}`);
    for (const r of refused) {
      assert.equal(r.status, 429);
      const error = openAIError(r);
      assert.equal(error.type, 'rate_limit_error');
      assert.equal(error.code, 'rate_limited', 'a Requests limit answers rate_limited');
      assert.match(error.message, new RegExp(key));
      assert.ok(Number(r.headers.get('retry-after')) >= 1, `retry-after ${r.headers.get('retry-after')}`);
    }
    assert.equal(
      mock.requests.filter((r) => (r.body as { model?: string } | undefined)?.model === 'race-model').length,
      K,
      'only admitted requests reached the upstream',
    );
    const reportedTokens = ok.reduce(
      (sum, r) => sum + (r.json.usage as { total_tokens: number }).total_tokens,
      0,
    );
    for (const replica of [a, b]) {
      const [requests, tokens] = await settledUsage(replica.adminURL, key);
      assert.deepEqual(
        {
          requests: requests?.used,
          tokens: tokens?.used,
          reserved: (requests?.reserved ?? 0) + (tokens?.reserved ?? 0),
        },
        { requests: K, tokens: reportedTokens, reserved: 0 },
      );
    }
  });
});

// Budgets while the Redis counter store dies and comes back, under a steady trickle of load: a
// failMode Closed budget answers 503 budget_unavailable (OpenAI-shaped, retry-after: 1) while
// Redis is down, a failMode Open budget admits; once a fresh Redis listens on the same port,
// requests are counted again; extproc never crashes (its pid is unchanged).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startMockLlm } from '../fakes/mock-llm';
import {
  budgetManifest,
  chat,
  openAIError,
  settledUsage,
  startThrowawayRedis,
  warmUp,
  withBudgets,
  type ChatResult,
  type ThrowawayRedis,
} from './budget-helpers';
import { startLocalTollgate, type LocalTollgate } from './local-tollgate';

type Mock = Awaited<ReturnType<typeof startMockLlm>>;
const perHour = (amount: number) => [{ metric: 'Requests', amount, window: { rolling: '1h' } }];

describe('budgets through a Redis outage', () => {
  let mock: Mock;
  let redis: ThrowawayRedis;
  let tollgate: LocalTollgate;

  before(async () => {
    mock = await startMockLlm({ name: 'mock', host: '127.0.0.1' });
    redis = await startThrowawayRedis();
    tollgate = await startLocalTollgate('budgets', {
      gatewayPort: 8080,
      upstreamPorts: { 9101: mock.port },
      extraArgs: ['--redis-url', redis.url],
      transform: withBudgets(
        budgetManifest('closed', { models: ['closed-model'], limits: perHour(1000), failMode: 'Closed' }),
        budgetManifest('open', { models: ['open-model'], limits: perHour(1000), failMode: 'Open' }),
      ),
    });
    await warmUp(tollgate.baseURL);
  });

  after(async () => {
    await tollgate?.stop();
    await redis?.kill();
    await mock?.close();
  });

  const both = () =>
    Promise.all([
      chat(tollgate.baseURL, { model: 'closed-model' }),
      chat(tollgate.baseURL, { model: 'open-model' }),
    ]);

  test('Closed -> 503 while down, Open -> admitted; counted again after restart; no crash', async () => {
    const extprocPids = tollgate.childPids(' extproc ');
    assert.equal(extprocPids.length, 1, 'one extproc child');

    for (let i = 0; i < 3; i++)
      assert.deepEqual(
        (await both()).map((r) => r.status),
        [200, 200],
      );
    assert.equal((await settledUsage(tollgate.adminURL, 'default/closed'))[0]?.used, 3);

    // Requests in flight when Redis dies: reserved or not, Open admits and Closed admits or 503s.
    const slow = { 'x-mock-latency-ms': '300' };
    const inflight = Array.from({ length: 6 }, (_, i) =>
      chat(tollgate.baseURL, { model: i % 2 === 0 ? 'open-model' : 'closed-model' }, slow),
    );
    await new Promise((res) => setTimeout(res, 100));
    await redis.kill();
    const down = await Promise.all(Array.from({ length: 6 }, () => both()));
    const crossing = await Promise.all(inflight);
    crossing.forEach((r, i) => {
      if (i % 2 === 0 || r.status !== 503) assert.equal(r.status, 200, JSON.stringify(r.json));
    });
    for (const [closed, open] of down) {
      assert.equal(closed?.status, 503, JSON.stringify(closed?.json));
      const error = openAIError(closed as ChatResult);
      assert.equal(error.code, 'budget_unavailable');
      assert.match(error.message, /default\/closed/);
      assert.equal(closed?.headers.get('retry-after'), '1');
      assert.equal(open?.status, 200, JSON.stringify(open?.json));
    }
    const usageDown = await fetch(`${tollgate.adminURL}/usage?budget=default/closed&subject=-`);
    assert.equal(usageDown.status, 503, '/usage says the store is unavailable');
    await usageDown.body?.cancel();

    await redis.start();
    // The client reconnects on its own; until it has, Closed keeps answering 503.
    const deadline = Date.now() + 15_000;
    for (;;) {
      const r = await chat(tollgate.baseURL, { model: 'closed-model' });
      if (r.status === 200) break;
      assert.equal(r.status, 503, JSON.stringify(r.json));
      assert.ok(Date.now() < deadline, 'Redis back but requests still refused');
      await new Promise((res) => setTimeout(res, 100));
    }
    const before = await settledUsage(tollgate.adminURL, 'default/closed');
    const openBefore = await settledUsage(tollgate.adminURL, 'default/open');
    for (let i = 0; i < 3; i++)
      assert.deepEqual(
        (await both()).map((r) => r.status),
        [200, 200],
      );
    const afterClosed = await settledUsage(tollgate.adminURL, 'default/closed');
    const afterOpen = await settledUsage(tollgate.adminURL, 'default/open');
    assert.equal(afterClosed[0]?.used, (before[0]?.used ?? 0) + 3, 'counted again after the restart');
    assert.equal(afterOpen[0]?.used, (openBefore[0]?.used ?? 0) + 3);

    assert.deepEqual(tollgate.childPids(' extproc '), extprocPids, 'extproc kept its pid');
    const metrics = await (await fetch(`${tollgate.adminURL}/metrics`)).text();
    assert.match(metrics, /tollgate_budget_store_errors_total\{[^}]*\} [1-9]/);
  });
});

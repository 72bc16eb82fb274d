// The budget service on Redis: two service instances (as two replicas would) racing for one
// budget, a Redis that is not there, and a Redis that dies and comes back (a throwaway
// redis-server child on a free port).
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { Registry } from 'prom-client';
import { createLogger } from '../../lib/log';
import { createBudgetService } from './service';
import { makeBudget, makeRequest } from './fixtures';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = createLogger('test', 'silent');
const prefixes: string[] = [];

function service(redisUrl: string, prefix = `tollgate-test:${randomUUID()}:`) {
  prefixes.push(prefix);
  const registry = new Registry();
  return {
    registry,
    prefix,
    budgets: createBudgetService({ redisUrl, logger, registry, keyPrefix: prefix, commandTimeoutMs: 300 }),
  };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

after(async () => {
  const redis = new Redis(url);
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  redis.disconnect();
});

describe('budget service on Redis', () => {
  test('two instances, N concurrent requests, a budget that admits exactly K', async () => {
    const a = service(url);
    const b = service(url, a.prefix);
    const K = 7;
    const N = 60;
    const budget = makeBudget({
      key: `ns/race-${randomUUID()}`,
      limits: [
        {
          metric: 'TotalTokens',
          amount: K * 150,
          window: { kind: 'Calendar', unit: 'Day', timeZone: 'Europe/Berlin' },
        },
        { metric: 'Requests', amount: 1000, window: { kind: 'Rolling', seconds: 3600 } },
      ],
    });
    try {
      const outcomes = await Promise.all(
        Array.from({ length: N }, (_, i) =>
          (i % 2 ? a : b).budgets.reserve(makeRequest({ budgets: [budget] })),
        ),
      );
      const admitted = outcomes.flatMap((o, i) => (o.kind === 'admit' ? [{ o, i }] : []));
      assert.equal(admitted.length, K);
      assert.ok(outcomes.every((o) => o.kind === 'admit' || (o.kind === 'reject' && o.error.status === 429)));
      let settled = 0;
      await Promise.all(
        admitted.map(({ o, i }) => {
          const output = 10 + i;
          settled += 100 + output;
          return (i % 2 ? a : b).budgets.settle(
            o.kind === 'admit' ? o.reservation! : { id: '' },
            { input: 100, output, cached: 0, reasoning: 0 },
            undefined,
          );
        }),
      );
      const [report] = await a.budgets.usage(budget, 'search');
      assert.deepEqual(
        report?.limits.map((l) => [l.used, l.reserved]),
        [
          [settled, 0],
          [K, 0],
        ],
      );
    } finally {
      await a.budgets.close();
      await b.budgets.close();
    }
  });

  test('an unreachable Redis: Open admits, Closed answers 503, nothing throws', async () => {
    const port = await freePort();
    const s = service(`redis://127.0.0.1:${port}`);
    try {
      const open = await s.budgets.reserve(makeRequest({ budgets: [makeBudget({ failMode: 'Open' })] }));
      assert.equal(open.kind, 'admit');
      const closed = await s.budgets.reserve(makeRequest({ budgets: [makeBudget({ failMode: 'Closed' })] }));
      assert.equal(closed.kind === 'reject' && closed.error.status, 503);
      assert.equal(closed.kind === 'reject' && closed.error.code, 'budget_unavailable');
      if (open.kind === 'admit')
        await s.budgets.settle(
          open.reservation!,
          { input: 1, output: 1, cached: 0, reasoning: 0 },
          undefined,
        );
      await assert.rejects(s.budgets.usage(makeBudget(), 'search'));
      assert.match(await s.registry.metrics(), /tollgate_budget_store_errors_total\{operation="reserve"\} 2/);
      assert.match(
        await s.registry.metrics(),
        /tollgate_budget_requests_total\{budget="ns\/team",outcome="failed_closed"\} 1/,
      );
    } finally {
      await s.budgets.close();
    }
  });

  const noRedisServer = spawnSync('redis-server', ['--version']).error
    ? 'redis-server is not on PATH (needed to kill and restart a Redis)'
    : false;
  test(
    'Redis killed and restarted: Closed refuses while it is down and recovers',
    { skip: noRedisServer },
    async () => {
      const port = await freePort();
      const children: ChildProcess[] = [];
      const startRedis = async () => {
        const child = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], {
          stdio: 'ignore',
        });
        children.push(child);
        const probe = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, retryStrategy: () => 50 });
        probe.on('error', () => undefined);
        for (let i = 0; i < 200; i++) {
          try {
            await probe.connect();
            await probe.ping();
            break;
          } catch {
            await sleep(25);
          }
        }
        probe.disconnect();
        return child;
      };
      const stop = (child: ChildProcess) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        });
      let child = await startRedis();
      const s = service(`redis://127.0.0.1:${port}`);
      const closedBudget = makeBudget({ failMode: 'Closed' });
      const reserve = () => s.budgets.reserve(makeRequest({ budgets: [closedBudget] }));
      try {
        assert.equal((await reserve()).kind, 'admit');
        await stop(child);
        let outcome = await reserve();
        for (let i = 0; i < 100 && outcome.kind === 'admit'; i++) outcome = await reserve(); // until the client sees the close
        assert.equal(outcome.kind === 'reject' && outcome.error.status, 503);
        child = await startRedis();
        for (let i = 0; i < 200 && outcome.kind !== 'admit'; i++) {
          await sleep(50);
          outcome = await reserve();
        }
        assert.equal(outcome.kind, 'admit', 'admits again once Redis is back');
      } finally {
        await s.budgets.close();
        for (const c of children) if (c.exitCode === null && c.signalCode === null) await stop(c);
      }
    },
  );
});

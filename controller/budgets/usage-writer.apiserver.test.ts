// End to end against the fake API server and a real Redis: "extproc" reserves and settles through
// its budget service, the controller's UsageStatusWriter (its own service on the same key prefix)
// writes AIBudget status.usage, and translate's condition write and the usage write keep each
// other's fields. A Redis that is not there leaves the stored usage alone.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import Redis from 'ioredis';
import pino from 'pino';
import { Registry } from 'prom-client';
import { AIBudget, KINDS } from '../api';
import { createBudgetService, type BudgetEngine } from '../../extproc/budgets/service';
import { makeRequest } from '../../extproc/budgets/fixtures';
import { startFakeApiServer, type FakeApiServer } from '../../test/fake-apiserver/server';
import { writeKubeconfig } from '../../test/fake-apiserver/kubeconfig';
import { KubeConfig } from '../provider/kubernetes/kubeconfig';
import { StatusWriter } from '../provider/kubernetes/status-writer';
import { budgetConfig } from '../translate/aibudget';
import { UsageStatusWriter } from './usage-writer';
import type { BudgetUsageStatus } from './usage-status';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = pino({ level: 'silent' });
const prefix = `tollgate-test:${randomUUID()}:`;

const manifest = AIBudget.parse({
  apiVersion: 'tollgate.dev/v1alpha1',
  kind: 'AIBudget',
  metadata: { name: 'team-tokens', namespace: 'team-a' },
  spec: {
    targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }],
    subject: { kind: 'Team' },
    limits: [
      { metric: 'TotalTokens', amount: 10000, window: { rolling: '1h' } },
      { metric: 'Requests', amount: 100, window: { calendar: 'Day', timeZone: 'UTC' } },
    ],
  },
});
const budget = budgetConfig('team-a/team-tokens', manifest);
const conditions = (status: 'True' | 'False') => [
  { type: 'Accepted', status, reason: 'Accepted', message: 'm', lastTransitionTime: '2026-01-01T00:00:00Z' },
];

const engine = (redisUrl = url, commandTimeoutMs = 1000): BudgetEngine =>
  createBudgetService({ redisUrl, logger, registry: new Registry(), keyPrefix: prefix, commandTimeoutMs });

let fake: FakeApiServer;
let statusWriter: StatusWriter;

beforeEach(async () => {
  fake = await startFakeApiServer();
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(writeKubeconfig(fake.url));
  statusWriter = new StatusWriter({ kubeConfig, logger });
  const { status: _status, ...object } = manifest;
  fake.store.create(KINDS.AIBudget, 'team-a', object);
});
afterEach(async () => {
  statusWriter.close();
  await fake.close();
});
after(async () => {
  const redis = new Redis(url);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

const stored = () =>
  fake.store.get(KINDS.AIBudget, 'team-a', 'team-tokens')?.status as
    { conditions?: unknown; usage?: BudgetUsageStatus } | undefined;
const puts = () => fake.requests.filter((r) => r.method === 'PUT').length;

function usageWriter(controller: BudgetEngine) {
  return new UsageStatusWriter({
    budgets: () => [budget],
    usage: (b, subject, limit) => controller.usage(b, subject, limit),
    write: (updates) => statusWriter.writeEach(updates),
    isLeader: () => true,
    logger,
  });
}

async function spend(extproc: BudgetEngine, team: string, output: number): Promise<void> {
  const request = makeRequest({ budgets: [budget], identity: { source: 'apiKey', team } });
  const admission = await extproc.reserve(request);
  assert.equal(admission.kind, 'admit');
  if (admission.kind === 'admit' && admission.reservation)
    await extproc.settle(admission.reservation, { input: 100, output, cached: 0, reasoning: 0 }, undefined);
}

void describe('AIBudget status.usage', () => {
  void it('is written from the counters extproc keeps, next to translate conditions', async () => {
    const extproc = engine();
    const controller = engine();
    try {
      await statusWriter.write([
        {
          kind: 'AIBudget',
          namespace: 'team-a',
          name: 'team-tokens',
          status: { conditions: conditions('True') },
        },
      ]);
      await spend(extproc, 'search', 20);
      await spend(extproc, 'search', 30);
      await spend(extproc, 'ads', 5);

      const pass = await usageWriter(controller).runOnce();
      assert.deepEqual(pass, { budgets: 1, written: 1, unchanged: 0, skipped: 0, failed: 0 });
      const usage = stored()?.usage;
      assert.deepEqual(stored()?.conditions, conditions('True'), 'conditions kept');
      assert.deepEqual(
        usage?.subjects.map((s) => [
          s.subject,
          s.limits.map((l) => [l.metric, l.window, l.used, l.remaining]),
        ]),
        [
          [
            'search',
            [
              ['TotalTokens', '1h', 250, 9750],
              ['Requests', 'Day (UTC)', 2, 98],
            ],
          ],
          [
            'ads',
            [
              ['TotalTokens', '1h', 105, 9895],
              ['Requests', 'Day (UTC)', 1, 99],
            ],
          ],
        ],
      );
      assert.ok(usage?.subjects[0]?.limits.every((l) => typeof l.resetsAt === 'string'));
      assert.equal(AIBudget.safeParse(fake.store.get(KINDS.AIBudget, 'team-a', 'team-tokens')).success, true);

      // translate's condition write keeps the usage.
      await statusWriter.write([
        {
          kind: 'AIBudget',
          namespace: 'team-a',
          name: 'team-tokens',
          status: { conditions: conditions('False') },
        },
      ]);
      assert.deepEqual(stored()?.conditions, conditions('False'));
      assert.deepEqual(stored()?.usage, usage);

      // A new leader (no memory) with the same numbers reads the object but writes nothing.
      const before = puts();
      assert.equal((await usageWriter(controller).runOnce()).unchanged, 1);
      assert.equal(puts(), before);

      // New spend is written; the conditions stay.
      await spend(extproc, 'ads', 1000);
      assert.equal((await usageWriter(controller).runOnce()).written, 1);
      assert.deepEqual(
        stored()?.usage?.subjects.map((s) => s.subject),
        ['ads', 'search'],
      );
      assert.deepEqual(stored()?.conditions, conditions('False'));
    } finally {
      await extproc.close();
      await controller.close();
    }
  });

  void it('leaves the stored usage alone when Redis cannot be reached', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const usage: BudgetUsageStatus = { updatedAt: '2026-01-01T00:00:00.000Z', subjects: [] };
    await statusWriter.write([
      {
        kind: 'AIBudget',
        namespace: 'team-a',
        name: 'team-tokens',
        status: { conditions: conditions('True'), usage },
      },
    ]);
    const down = engine(`redis://127.0.0.1:${port}`, 200);
    try {
      const pass = await usageWriter(down).runOnce();
      assert.equal(pass.failed, 1);
      assert.deepEqual(stored(), { conditions: conditions('True'), usage });
    } finally {
      await down.close();
    }
  });
});

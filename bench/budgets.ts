// Budget benchmark: the latency budgets add to one request (reserve before it, settle after it)
// with 1, 3 and 10 applicable budgets, on the in-process store and on Redis (REDIS_URL, default
// 127.0.0.1:6379). Each budget has a rolling-minute token limit and a calendar-month cost
// limit, on a subject drawn from 100 users. Two measurements per row:
//   serial: one request at a time: p50/p95/p99 of reserve + settle (the unloaded cost);
//   loaded: 64 requests in flight (closed loop): achieved req/s and its p50/p95/p99.
// Keys go under a random prefix and are deleted at the end.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import Redis from 'ioredis';
import { Registry } from 'prom-client';
import { BudgetConfig } from '../extproc/config/schema';
import { createBudgetService, type BudgetEngine } from '../extproc/budgets/service';
import type { BudgetRequest } from '../extproc/services';
import { createLogger } from '../lib/log';
import { machine, percentile } from './lib/load';

const SERIAL = Number(process.env.BENCH_SERIAL ?? 2000);
const LOADED_MS = Number(process.env.BENCH_LOADED_MS ?? 3000);
const CONCURRENCY = 64;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const usage = { input: 900, output: 120, cached: 0, reasoning: 0 };
const price = { input: 2.5, output: 10 };

function budgets(n: number): BudgetConfig[] {
  return Array.from({ length: n }, (_, i) =>
    BudgetConfig.parse({
      key: `bench/b${i}`,
      subject: { kind: i % 2 ? 'Team' : 'User' },
      limits: [
        { metric: 'TotalTokens', amount: 1e12, window: { kind: 'Rolling', seconds: 60 } },
        {
          metric: 'Cost',
          amount: 1e6,
          window: { kind: 'Calendar', unit: 'Month', timeZone: 'Europe/Paris' },
        },
      ],
      action: { kind: 'Reject' },
    }),
  );
}

let seq = 0;
function request(list: BudgetConfig[]): BudgetRequest {
  const n = ++seq;
  return {
    requestId: `bench-${n}`,
    budgets: list,
    identity: { source: 'apiKey', user: `user-${n % 100}`, team: `team-${n % 7}` },
    headers: new Map(),
    model: 'gpt-4o',
    inputTokens: 900,
    maxOutputTokens: 256,
    price,
  };
}

async function once(service: BudgetEngine, list: BudgetConfig[]): Promise<number> {
  const t = performance.now();
  const a = await service.reserve(request(list));
  if (a.kind !== 'admit' || !a.reservation) throw new Error(`unexpected ${a.kind}`);
  await service.settle(a.reservation, usage, price);
  return performance.now() - t;
}

function stats(ms: number[]): string {
  return `p50 ${percentile(ms, 0.5)} ms  p95 ${percentile(ms, 0.95)} ms  p99 ${percentile(ms, 0.99)} ms`;
}

async function row(store: string, service: BudgetEngine, n: number): Promise<void> {
  const list = budgets(n);
  for (let i = 0; i < 200; i++) await once(service, list); // warm-up
  const serial: number[] = [];
  for (let i = 0; i < SERIAL; i++) serial.push(await once(service, list));
  const loaded: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() - start < LOADED_MS) loaded.push(await once(service, list));
    }),
  );
  const rps = Math.round(loaded.length / ((performance.now() - start) / 1000));
  process.stdout.write(
    `${store.padEnd(6)} ${String(n).padStart(2)} budgets | serial ${stats(serial)} | loaded(${CONCURRENCY}) ${rps} req/s, ${stats(loaded)}\n`,
  );
}

async function main(): Promise<void> {
  process.stdout.write(`budgets: reserve + settle per request, ${machine()}\n`);
  const logger = createLogger('bench', 'error');
  const memory = createBudgetService({ logger, registry: new Registry() });
  for (const n of [1, 3, 10]) await row('memory', memory, n);
  await memory.close();
  const prefix = `tollgate-bench:${randomUUID()}:`;
  const redis = createBudgetService({
    redisUrl: REDIS_URL,
    logger,
    registry: new Registry(),
    keyPrefix: prefix,
  });
  try {
    for (const n of [1, 3, 10]) await row('redis', redis, n);
  } finally {
    await redis.close();
    const cleanup = new Redis(REDIS_URL);
    let cursor = '0';
    do {
      const [next, keys] = await cleanup.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await cleanup.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    cleanup.disconnect();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});

// The shared store suite against a real Redis (REDIS_URL, default 127.0.0.1:6379), each store
// under its own key prefix, deleted afterwards.
import { randomUUID } from 'node:crypto';
import { after } from 'node:test';
import Redis from 'ioredis';
import { RedisBudgetStore } from './redis-store';
import { storeSuite } from './store.suite';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefixes: string[] = [];

storeSuite('redis', () => {
  const prefix = `tollgate-test:${randomUUID()}:`;
  prefixes.push(prefix);
  return Promise.resolve(new RedisBudgetStore({ url, prefix, commandTimeoutMs: 2000 }));
});

after(async () => {
  const redis = new Redis(url);
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  redis.disconnect();
});

// The Redis counter store, shared by every extproc replica: each request phase is one Lua script
// (redis-scripts.ts) over all its counters, so reserve is all-or-nothing across budgets.
//
// Keys: "<prefix><budget>:<subject>:<limitIndex>:<window>" (hash), plus ":r" (reservations:
// "<id>|<amount>" scored by expiry); "<prefix><budget>:subjects" (recent subjects);
// "<prefix>settled:<requestId>" (settle marker). The default prefix is "tollgate:budget:".
// Redis Cluster: one script touches keys of several budgets and subjects, so they must share a
// slot. Put a hash tag in the prefix (e.g. "{tollgate}:budget:") to run on a cluster; all budget
// keys then live on one shard. Without one, use a standalone Redis or a Sentinel primary.
//
// Failure behaviour: no offline queue (a command while disconnected fails at once), no retries
// of a command, a per-command timeout; ioredis reconnects in the background with capped backoff.
// Only before the first connection does a command wait (at most the command timeout) for it.
// Errors are thrown to the service, which applies each budget's failMode. A timed-out reserve
// that still ran leaves a reservation that expires on its own.
import Redis from 'ioredis';
import type {
  BudgetStore,
  CounterRef,
  CounterState,
  ReserveCounter,
  SettleCounter,
  SubjectTouch,
} from './store';
import { MAX_TRACKED_SUBJECTS, SUBJECT_TTL_MS, keyExpiresAt } from './store';
import { READ_LUA, RESERVE_LUA, SETTLE_LUA } from './redis-scripts';
import type { WindowPlan } from './windows';

type ScriptFn = (keys: string[], args: Array<string | number>) => Promise<unknown>;

export interface RedisStoreOptions {
  url: string;
  prefix?: string;
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  settleMarkerTtlMs?: number;
  /** Called on connection errors (the service rate-limits the log line). */
  onError?: (err: Error) => void;
}

function planArgs(plan: WindowPlan): [string, number, number] {
  return plan.kind === 'calendar' ? ['c', plan.start, plan.end] : ['r', plan.bucketMs, plan.buckets];
}

function ints(reply: unknown): number[] {
  if (!Array.isArray(reply)) throw new Error('unexpected reply from budget script');
  return reply.map((v) => Number(v));
}

export class RedisBudgetStore implements BudgetStore {
  private readonly client: Redis;
  private readonly prefix: string;
  private readonly commandTimeoutMs: number;
  private readonly settleMarkerTtlMs: number;
  private everReady = false;
  private firstConnection: Promise<void> | undefined;
  private readonly scripts: { reserve: ScriptFn; settle: ScriptFn; read: ScriptFn };

  constructor(options: RedisStoreOptions) {
    this.prefix = options.prefix ?? 'tollgate:budget:';
    this.commandTimeoutMs = options.commandTimeoutMs ?? 250;
    this.settleMarkerTtlMs = options.settleMarkerTtlMs ?? 2 * 3600_000;
    this.client = new Redis(options.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: this.commandTimeoutMs,
      connectTimeout: options.connectTimeoutMs ?? 1000,
      retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
      lazyConnect: false,
    });
    this.client.on('ready', () => {
      this.everReady = true;
    });
    this.client.on('error', (err: Error) => options.onError?.(err)); // a listener is required: else ioredis logs
    this.client.defineCommand('tollgateBudgetReserve', { lua: RESERVE_LUA });
    this.client.defineCommand('tollgateBudgetSettle', { lua: SETTLE_LUA });
    this.client.defineCommand('tollgateBudgetRead', { lua: READ_LUA });
    const bind =
      (name: string): ScriptFn =>
      (keys, args) => {
        const fn = (
          this.client as unknown as Record<string, (...a: Array<string | number>) => Promise<unknown>>
        )[name] as (...a: Array<string | number>) => Promise<unknown>;
        return fn.call(this.client, keys.length, ...keys, ...args);
      };
    this.scripts = {
      reserve: bind('tollgateBudgetReserve'),
      settle: bind('tollgateBudgetSettle'),
      read: bind('tollgateBudgetRead'),
    };
  }

  async reserve(
    id: string,
    counters: ReserveCounter[],
    opts: { now: number; ttlMs: number; subjects: SubjectTouch[] },
  ): Promise<{ admitted: boolean; counters: CounterState[] }> {
    await this.connected();
    const keys: string[] = [];
    const args: Array<string | number> = [
      opts.now,
      id,
      opts.ttlMs,
      counters.length,
      opts.subjects.length,
      MAX_TRACKED_SUBJECTS,
      SUBJECT_TTL_MS,
    ];
    for (const c of counters) {
      keys.push(...this.counterKeys(c.key));
      args.push(
        ...planArgs(c.plan),
        c.limit,
        c.amount,
        c.check ? 1 : 0,
        keyExpiresAt(c.plan, opts.now, opts.ttlMs),
      );
    }
    for (const s of opts.subjects) {
      keys.push(`${this.prefix}${s.budget}:subjects`);
      args.push(s.subject);
    }
    const r = ints(await this.scripts.reserve(keys, args));
    return {
      admitted: r[0] === 1,
      counters: counters.map((_, i) => {
        const b = 1 + i * 5;
        return {
          exceeded: r[b] === 1,
          used: r[b + 1] ?? 0,
          reserved: r[b + 2] ?? 0,
          resetAt: r[b + 3] ?? 0,
          freeAt: r[b + 4] ?? 0,
        };
      }),
    };
  }

  async settle(id: string, counters: SettleCounter[], now: number): Promise<boolean> {
    await this.connected();
    const keys = [`${this.prefix}settled:${id}`];
    const args: Array<string | number> = [now, id, this.settleMarkerTtlMs, counters.length];
    for (const c of counters) {
      keys.push(...this.counterKeys(c.reserved.key), `${this.prefix}${c.charge.key}`);
      const [kind, pa] = planArgs(c.charge.plan);
      args.push(kind, pa, c.reservedAmount, c.amount, keyExpiresAt(c.charge.plan, now, 0));
    }
    return Number(await this.scripts.settle(keys, args)) === 1;
  }

  async read(
    counters: CounterRef[],
    now: number,
  ): Promise<Array<Pick<CounterState, 'used' | 'reserved' | 'resetAt'>>> {
    if (counters.length === 0) return [];
    await this.connected();
    const keys: string[] = [];
    const args: Array<string | number> = [now, counters.length];
    for (const c of counters) {
      keys.push(...this.counterKeys(c.key));
      args.push(...planArgs(c.plan));
    }
    const r = ints(await this.scripts.read(keys, args));
    return counters.map((_, i) => ({
      used: r[i * 3] ?? 0,
      reserved: r[i * 3 + 1] ?? 0,
      resetAt: r[i * 3 + 2] ?? 0,
    }));
  }

  async recentSubjects(budget: string, max: number): Promise<string[]> {
    await this.connected();
    return this.client.zrevrange(`${this.prefix}${budget}:subjects`, 0, max - 1);
  }

  async close(): Promise<void> {
    this.client.disconnect();
    return Promise.resolve();
  }

  private counterKeys(key: string): [string, string] {
    const h = `${this.prefix}${key}`;
    return [h, `${h}:r`];
  }

  /** Waits for the first connection (bounded by the command timeout); afterwards fails fast. */
  private connected(): Promise<void> {
    if (this.client.status === 'ready' || this.everReady) return Promise.resolve();
    if (this.client.status === 'end') return Promise.reject(new Error('budget store closed'));
    this.firstConnection ??= new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.client.off('ready', onReady);
        this.firstConnection = undefined;
        reject(new Error('budget store not connected'));
      }, this.commandTimeoutMs);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      this.client.once('ready', onReady);
    });
    return this.firstConnection;
  }
}

// Helpers for the budget end-to-end tests: AIBudget manifests written by the test (replacing
// examples/budgets/budgets.yaml through startLocalTollgate's transform), a raw chat call that
// keeps the status, headers and body, extproc's /usage and /metrics, and a throwaway
// redis-server on a free port for outage tests.
//
// Decisions: budget names carry a per-run suffix so runs sharing one Redis never see each
// other's counters; specs are written as JSON, which is valid YAML.
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from './local-tollgate';

/** A name unique to this test run (lower-case, DNS-label safe). */
export function uniqueName(base: string): string {
  return `${base}-${process.pid}-${Date.now().toString(36)}`;
}

/** One AIBudget in namespace default attached to the example's AIRoute `budgets-chat`. */
export function budgetManifest(name: string, spec: Record<string, unknown>): string {
  const full = { targetRefs: [{ kind: 'AIRoute', name: 'budgets-chat' }], ...spec };
  return [
    'apiVersion: tollgate.dev/v1alpha1',
    'kind: AIBudget',
    `metadata: { name: ${name}, namespace: default }`,
    `spec: ${JSON.stringify(full)}`,
  ].join('\n');
}

/** A startLocalTollgate transform that replaces budgets.yaml with these manifests. */
export function withBudgets(...manifests: string[]): (file: string, text: string) => string {
  return (file, text) => (file === 'budgets.yaml' ? `${manifests.join('\n---\n')}\n` : text);
}

export interface ChatResult {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

/** POST /chat/completions without an SDK, so a test sees every status and header. */
export async function chat(
  baseURL: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<ChatResult> {
  const res = await fetch(`${baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'Hello budget' }], ...body }),
  });
  const text = await res.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { raw: text };
  }
  return { status: res.status, headers: res.headers, json };
}

/** The OpenAI error object of a failed call (throws when the body is not OpenAI-shaped). */
export function openAIError(r: ChatResult): { message: string; type: string; code: string; param: unknown } {
  const error = r.json.error as Record<string, unknown> | undefined;
  if (!error || typeof error.message !== 'string' || typeof error.type !== 'string' || !('param' in error))
    throw new Error(`not an OpenAI error body (status ${r.status}): ${JSON.stringify(r.json)}`);
  return error as { message: string; type: string; code: string; param: unknown };
}

export interface LimitUsage {
  metric: string;
  used: number;
  reserved: number;
  limit: number;
  remaining: number;
}

/** GET /usage on extproc's admin port: the limits of one subject (Global budgets: any subject). */
export async function usageOf(adminURL: string, budget: string, subject = '-'): Promise<LimitUsage[]> {
  const q = new URLSearchParams({ budget, subject });
  const res = await fetch(`${adminURL}/usage?${q.toString()}`);
  const body = (await res.json()) as { subjects?: Array<{ limits: LimitUsage[] }>; error?: string };
  if (res.status !== 200) throw new Error(`/usage ${res.status}: ${body.error ?? ''}`);
  return body.subjects?.[0]?.limits ?? [];
}

/** Polls /usage until nothing is reserved (every request settled), then returns it. */
export async function settledUsage(adminURL: string, budget: string, subject = '-'): Promise<LimitUsage[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const limits = await usageOf(adminURL, budget, subject);
    if (limits.every((l) => l.reserved === 0) || Date.now() > deadline) return limits;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The value of one sample on extproc's /metrics (0 when absent). */
export async function metricValue(adminURL: string, name: string, labelText: string): Promise<number> {
  const text = await (await fetch(`${adminURL}/metrics`)).text();
  for (const line of text.split('\n'))
    if (line.startsWith(`${name}{`) && line.includes(labelText)) return Number(line.split(' ').at(-1));
  return 0;
}

/** Deletes this run's budget keys (names contain the unique suffix). */
export async function deleteBudgetKeys(url: string, budgetNames: string[]): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    for (const name of budgetNames) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `*default/${name}*`, 'COUNT', 500);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}

export interface ThrowawayRedis {
  url: string;
  port: number;
  pid: () => number | undefined;
  /** SIGKILL: the data is gone (no persistence). */
  kill: () => Promise<void>;
  /** Starts a fresh server on the same port. */
  start: () => Promise<void>;
}

/** redis-server on a free loopback port, no persistence; `kill` then `start` restarts it. */
export async function startThrowawayRedis(): Promise<ThrowawayRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    const c = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child = c;
    let out = '';
    c.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 10_000;
    while (!out.includes('Ready to accept connections')) {
      if (c.exitCode !== null || Date.now() > deadline)
        throw new Error(`redis-server did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const kill = async () => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, pid: () => child?.pid, kill, start };
}

/**
 * Sends requests for a model no budget selects until one succeeds: extproc's first requests
 * can outlast the data plane's 1 s ext_proc message timeout while it warms up (504), and a
 * budget test must not spend its limits on those.
 */
export async function warmUp(baseURL: string, model = 'warmup-model'): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await chat(baseURL, { model });
    if (r.status === 200) return;
    if (Date.now() > deadline) throw new Error(`gateway not warm: ${r.status} ${JSON.stringify(r.json)}`);
  }
}

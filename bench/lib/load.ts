// An open-loop load generator for the benchmarks: it sends requests at a fixed offered rate
// (not "as fast as responses come back", which hides queueing), over keep-alive connections,
// and reports latency percentiles. Loopback only; bounded by count and duration.
import http from 'node:http';
import os from 'node:os';

export interface LoadResult {
  offeredRps: number;
  sent: number;
  ok: number;
  failed: number;
  achievedRps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Time to first body byte percentiles (streaming requests). */
  ttfb: { p50: number; p99: number };
  /** Why requests failed: "status 503: <start of body>" or "error: <message>", with counts. */
  failures: Record<string, number>;
}

export interface LoadOptions {
  url: string;
  body: string;
  headers?: Record<string, string>;
  rps: number;
  durationMs: number;
  connections?: number;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections ?? 64 });
  const url = new URL(options.url);
  const latencies: number[] = [];
  const ttfbs: number[] = [];
  let ok = 0;
  let failed = 0;
  const failures: Record<string, number> = {};
  const fail = (reason: string): void => {
    failed++;
    failures[reason] = (failures[reason] ?? 0) + 1;
  };
  const total = Math.max(1, Math.round((options.rps * options.durationMs) / 1000));
  const interval = 1000 / options.rps;
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      once(agent, url, options).then(
        ({ latency, ttfb, status, errorBody }) => {
          latencies.push(latency);
          ttfbs.push(ttfb);
          if (status === 200) ok++;
          else fail(`status ${status}: ${errorBody}`);
        },
        (err: unknown) => fail(`error: ${(err as Error).message}`),
      ),
    );
  }
  await Promise.all(pending);
  const elapsed = performance.now() - started;
  agent.destroy();
  return {
    offeredRps: options.rps,
    sent: total,
    ok,
    failed,
    achievedRps: Math.round((ok / elapsed) * 1000),
    ...percentiles(latencies),
    ttfb: { p50: percentile(ttfbs, 0.5), p99: percentile(ttfbs, 0.99) },
    failures,
  };
}

function once(
  agent: http.Agent,
  url: URL,
  options: LoadOptions,
): Promise<{ latency: number; ttfb: number; status: number; errorBody: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', ...options.headers } },
      (res) => {
        let ttfb = -1;
        const status = res.statusCode ?? 0;
        // The start of an error body says why (an OpenAI-shaped error or a local reply).
        let errorBody = '';
        res.on('data', (chunk: Buffer) => {
          if (ttfb < 0) ttfb = performance.now() - t0;
          if (status !== 200 && errorBody.length < 200) errorBody += chunk.toString();
        });
        res.on('end', () =>
          resolve({ latency: performance.now() - t0, ttfb, status, errorBody: errorBody.slice(0, 200) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN);
}

function percentiles(values: number[]): { p50: number; p90: number; p99: number; max: number } {
  return {
    p50: percentile(values, 0.5),
    p90: percentile(values, 0.9),
    p99: percentile(values, 0.99),
    max: percentile(values, 1),
  };
}

export function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** One line describing this machine, for docs/benchmarks.md. */
export function machine(): string {
  return `${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

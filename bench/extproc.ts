// extproc benchmark: the time extproc adds to one request, summed over every ext_proc message
// Envoy would wait for (router: request headers, body, response headers, each response chunk;
// upstream: request headers, body, response headers), measured at the client as gRPC round
// trips over loopback. A 1k-token chat request, streamed and not, at fixed offered loads
// (open loop: requests start on schedule whether or not earlier ones finished) and at
// saturation (closed loop). The server runs in a child process so its RSS and CPU are its own;
// the in-process rows time the processors alone (all phases, no gRPC) for comparison.
import { fork, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { headerMap, upstreamHostAttributes, ExtProcClient } from '../test/envoy-harness/ext-proc-client';
import { GATEWAY, chatHeaders, sampleConfig, sseStream } from '../test/envoy-harness/fixtures';
import { ConfigStore } from '../extproc/config/store';
import { ExtprocMetrics } from '../extproc/metrics';
import { RouterProcessor } from '../extproc/processor/router';
import { requestBody, requestHeaders, sync } from '../extproc/processor/testing';
import { UpstreamProcessor } from '../extproc/processor/upstream';
import { ExtprocServer } from '../extproc/server';
import { createLogger } from '../lib/log';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
/** Offered loads (req/s); 100 shows the unloaded cost next to the goal's 500 and 1000. */
const RATES = (process.env.BENCH_RATES ?? '100,500,1000').split(',').map(Number);
const PROMPT = 'The quick brown fox jumps over the lazy dog near the river bank. '.repeat(70); // ~1k tokens
const WORDS = Array.from({ length: 40 }, (_, i) => `tok${i} `);
const JSON_RESPONSE = JSON.stringify({
  id: 'x',
  object: 'chat.completion',
  model: 'gpt-4o',
  choices: [{ index: 0, message: { role: 'assistant', content: WORDS.join('') } }],
  usage: { prompt_tokens: 1000, completion_tokens: 40, total_tokens: 1040 },
});
const SSE_CHUNKS = sseStream('gpt-4o', WORDS, { prompt: 1000, completion: 40 })
  .split('\n\n')
  .filter(Boolean)
  .map((e) => Buffer.from(`${e}\n\n`));

async function oneRequest(client: ExtProcClient, stream: boolean): Promise<number> {
  const body = Buffer.from(
    JSON.stringify({ model: 'gpt-4o', stream, messages: [{ role: 'user', content: PROMPT }] }),
  );
  const headers = new Map(Object.entries(chatHeaders({ 'content-length': String(body.length) })));
  let spent = 0;
  const timed = async <T>(p: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    const r = await p();
    spent += performance.now() - t;
    return r;
  };
  const router = client.open('router', GATEWAY);
  const upstream = client.open('upstream');
  try {
    await timed(() => router.send({ request_headers: headerMap(headers) }));
    const routed = await timed(() => router.send({ request_body: { body, end_of_stream: true } }));
    const route =
      routed.request_body?.response?.header_mutation?.set_headers?.[0]?.header?.raw_value?.toString() ?? '';
    headers.set('x-tollgate-route', route);
    await timed(() =>
      upstream.send({
        request_headers: headerMap(headers),
        attributes: upstreamHostAttributes('default/openai'),
      }),
    );
    await timed(() => upstream.send({ request_body: { body, end_of_stream: true } }));
    const resp = new Map([
      [':status', '200'],
      ['content-type', stream ? 'text/event-stream' : 'application/json'],
    ]);
    await timed(() => upstream.send({ response_headers: headerMap(resp) }));
    upstream.end();
    await timed(() => router.send({ response_headers: headerMap(resp) }));
    const chunks = stream ? SSE_CHUNKS : [Buffer.from(JSON_RESPONSE)];
    for (let i = 0; i < chunks.length; i++) {
      await timed(() =>
        router.send({ response_body: { body: chunks[i], end_of_stream: i === chunks.length - 1 } }),
      );
    }
  } finally {
    router.end();
    upstream.end();
  }
  return spent;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function openLoop(client: ExtProcClient, stream: boolean, rate: number): Promise<number[]> {
  const samples: number[] = [];
  const inFlight = new Set<Promise<void>>();
  const start = performance.now();
  const total = Math.round(rate * SECONDS);
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const p: Promise<void> = oneRequest(client, stream).then((ms) => {
      samples.push(ms);
      inFlight.delete(p);
    });
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  return samples;
}

async function closedLoop(
  client: ExtProcClient,
  stream: boolean,
  concurrency: number,
): Promise<{ samples: number[]; rps: number }> {
  const samples: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) samples.push(await oneRequest(client, stream));
    }),
  );
  return { samples, rps: samples.length / ((performance.now() - start) / 1000) };
}

interface ServerStats {
  rss: number;
  /** user + system CPU microseconds since the server started. */
  cpu: number;
}

function stats(child: ChildProcess): Promise<ServerStats> {
  return new Promise((resolve) => {
    child.once('message', (m: ServerStats) => resolve(m));
    child.send('stats');
  });
}

/** Runs `fn` and reports the server's CPU time per request and its RSS afterwards. */
async function withServerCost(child: ChildProcess, fn: () => Promise<number>): Promise<string> {
  const before = await stats(child);
  const n = await fn();
  const after = await stats(child);
  const cpuMs = (after.cpu - before.cpu) / 1000 / n;
  return `  server cpu=${cpuMs.toFixed(3)} ms/req  rss=${(after.rss / 2 ** 20).toFixed(0)} MiB`;
}

/** Processor work alone (no gRPC): what extproc itself spends per request, all phases. */
function inProcess(stream: boolean): number[] {
  const ctx = {
    config: sampleConfig(),
    metrics: new ExtprocMetrics(),
    logger: createLogger('bench', 'warn'),
    services: {},
    gateway: GATEWAY,
    now: () => performance.now(),
  };
  const body = Buffer.from(
    JSON.stringify({ model: 'gpt-4o', stream, messages: [{ role: 'user', content: PROMPT }] }),
  );
  const reqHeaders = requestHeaders(chatHeaders({ 'content-length': String(body.length) }));
  const upHeaders = requestHeaders(chatHeaders({ 'x-tollgate-route': 'default/chat/0' }));
  upHeaders.attributes = upstreamHostAttributes('default/openai') as typeof upHeaders.attributes;
  const contentType = stream ? 'text/event-stream' : 'application/json';
  const respHeaders = requestHeaders({ ':status': '200', 'content-type': contentType });
  const chunks = stream ? SSE_CHUNKS : [Buffer.from(JSON_RESPONSE)];
  const samples: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    const t = performance.now();
    const router = new RouterProcessor(ctx);
    const upstream = new UpstreamProcessor(ctx);
    sync(router.process(reqHeaders));
    sync(router.process(requestBody(body)));
    sync(upstream.process(upHeaders));
    sync(upstream.process(requestBody(body)));
    sync(upstream.process({ response_headers: respHeaders.request_headers }));
    sync(router.process({ response_headers: respHeaders.request_headers }));
    chunks.forEach((c, j) =>
      sync(router.process({ response_body: { body: c, end_of_stream: j === chunks.length - 1 } })),
    );
    if (i >= 2000) samples.push(performance.now() - t); // after warm-up
  }
  return samples;
}

function line(label: string, samples: number[], extra = ''): string {
  const s = [...samples].sort((a, b) => a - b);
  return `${label.padEnd(34)} n=${String(s.length).padStart(6)}  p50=${pct(s, 50).toFixed(3)} ms  p99=${pct(s, 99).toFixed(3)} ms${extra}`;
}

async function main(): Promise<void> {
  const child = fork(__filename, ['--server'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const address = await new Promise<string>((resolve) =>
    child.once('message', (m: { address: string }) => resolve(m.address)),
  );
  const client = new ExtProcClient(address);
  try {
    process.stdout.write(
      `extproc benchmark: time extproc adds per request (sum of ext_proc round trips), ${SECONDS}s per run\n`,
    );
    for (const stream of [false, true]) {
      const kind = stream ? 'stream (42 chunks)' : 'non-stream';
      process.stdout.write(`${line(`${kind} in-process (no gRPC)`, inProcess(stream))}\n`);
    }
    await closedLoop(client, false, 8); // warm-up: JIT, connections
    for (const stream of [false, true]) {
      const kind = stream ? 'stream (42 chunks)' : 'non-stream';
      for (const rate of RATES) {
        let samples: number[] = [];
        const cost = await withServerCost(
          child,
          async () => (samples = await openLoop(client, stream, rate)).length,
        );
        process.stdout.write(`${line(`${kind} @ ${rate} req/s`, samples)}${cost}\n`);
      }
      let sat = { samples: [] as number[], rps: 0 };
      const cost = await withServerCost(
        child,
        async () => (sat = await closedLoop(client, stream, 64)).samples.length,
      );
      process.stdout.write(
        `${line(`${kind} saturation (64 conc)`, sat.samples, `  ${sat.rps.toFixed(0)} req/s`)}${cost}\n`,
      );
    }
  } finally {
    client.close();
    child.kill('SIGTERM');
  }
}

async function serve(): Promise<void> {
  const server = new ExtprocServer({
    store: new ConfigStore(sampleConfig()),
    logger: createLogger('bench', 'warn'),
  });
  const address = await server.listen('tcp:127.0.0.1:0');
  process.on('message', (m) => {
    if (m !== 'stats') return;
    const cpu = process.cpuUsage();
    process.send?.({ rss: process.memoryUsage().rss, cpu: cpu.user + cpu.system });
  });
  process.once('SIGTERM', () => void server.close(100).then(() => process.exit(0)));
  process.send?.({ address });
}

if (process.argv.includes('--server')) void serve();
else
  main().catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exitCode = 1;
  });

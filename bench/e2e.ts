// End-to-end overhead of the whole local path (tollgate run: data plane + router-level and
// upstream-level ext_proc + mock upstream) versus calling the mock upstream directly, at fixed
// offered loads, in one run on one machine. Load generator: bench/load.ts (open loop, Node).
// Usage: node dist/bench/e2e.js [--rates 50,100,200] [--seconds 10]
import { startMockLlm } from '../test/fakes/mock-llm';
import { startLocalTollgate } from '../test/e2e/local-tollgate';
import { machine, round, runLoad, type LoadResult } from './lib/load';

const CHAT = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'word '.repeat(1000) }],
});
const CHAT_STREAM = JSON.stringify({
  model: 'gpt-4o-mini',
  stream: true,
  messages: [{ role: 'user', content: 'word '.repeat(1000) }],
});

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const rates = (valueOf(args, '--rates') ?? '50,100,200').split(',').map(Number);
  const seconds = Number(valueOf(args, '--seconds') ?? '10');
  const mock = await startMockLlm({ name: 'bench', host: '127.0.0.1' });
  const tollgate = await startLocalTollgate('quickstart', {
    gatewayPort: 8080,
    upstreamPorts: { 9101: mock.port, 9102: mock.port },
  });
  mock.requests.length = 0;
  const gateway = `${tollgate.baseURL}/chat/completions`;
  const direct = `${mock.url}/v1/chat/completions`;
  console.log(`# e2e overhead — ${new Date().toISOString()} — ${machine()}`);
  console.log('| mode | offered rps | path | ok/sent | p50 ms | p90 ms | p99 ms | TTFB p50 ms | p50 ratio |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  const failureLines: string[] = [];
  try {
    for (const [mode, body] of [
      ['non-streaming', CHAT],
      ['streaming', CHAT_STREAM],
    ] as const) {
      for (const rps of rates) {
        const durationMs = seconds * 1000;
        // Warm both paths so JIT and connection setup do not land in the numbers.
        await runLoad({ url: direct, body, rps: 50, durationMs: 500 });
        await runLoad({ url: gateway, body, rps: 50, durationMs: 500 });
        const d = await runLoad({ url: direct, body, rps, durationMs });
        const g = await runLoad({ url: gateway, body, rps, durationMs });
        mock.requests.length = 0;
        row(mode, rps, 'direct', d, 1);
        row(mode, rps, 'tollgate', g, g.p50 / d.p50);
        failureLines.push(...failuresOf(mode, rps, 'direct', d), ...failuresOf(mode, rps, 'tollgate', g));
      }
    }
    // Failures are listed after the table so they cannot go unnoticed in a ratio.
    for (const line of failureLines) console.log(line);
  } finally {
    await tollgate.stop();
    await mock.close();
  }
}

function row(mode: string, rps: number, path: string, r: LoadResult, ratio: number): void {
  console.log(
    `| ${mode} | ${rps} | ${path} | ${r.ok}/${r.sent} | ${r.p50} | ${r.p90} | ${r.p99} | ${r.ttfb.p50} | ${round(ratio)}x |`,
  );
}

function failuresOf(mode: string, rps: number, path: string, r: LoadResult): string[] {
  return Object.entries(r.failures).map(
    ([reason, count]) => `- failed: ${mode} ${rps} rps ${path}: ${count} x ${reason.replaceAll('\n', ' ')}`,
  );
}

function valueOf(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

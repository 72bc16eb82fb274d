// `tollgate usage --admin URL`: prints what the extproc admin endpoint answers.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { handleUsageRequest } from '../../extproc/budgets/admin-handler';
import { makeBudget, makeRequest } from '../../extproc/budgets/fixtures';
import { createBudgetService } from '../../extproc/budgets/service';
import { createLogger } from '../../lib/log';
import { run } from './usage';

test('tollgate usage prints a table (or JSON) from the admin endpoint', async () => {
  const service = createBudgetService({ logger: createLogger('test', 'silent'), registry: new Registry() });
  const budget = makeBudget();
  const a = await service.reserve(makeRequest());
  assert.equal(a.kind, 'admit');
  if (a.kind === 'admit')
    await service.settle(a.reservation!, { input: 100, output: 20, cached: 0, reasoning: 0 }, undefined);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    void handleUsageRequest(service, { budgets: { [budget.key]: budget } }, url.searchParams).then((r) =>
      res.writeHead(r.status, { 'content-type': 'application/json' }).end(r.body),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const admin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  // only our strings: the test runner itself reports through stdout with Buffers
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) =>
    typeof chunk === 'string'
      ? out.push(chunk) > 0
      : (write as (...a: unknown[]) => boolean)(chunk, ...rest)) as typeof process.stdout.write;
  try {
    assert.equal(await run(['--admin', admin, '--budget', 'ns/team', '--subject', 'search']), 0);
    assert.equal(await run(['--admin', admin, '--budget', 'ns/team', '-o', 'json']), 0);
    await assert.rejects(run(['--admin', admin, '--budget', 'ns/none']), /404/);
  } finally {
    process.stdout.write = write;
    server.close();
    await service.close();
  }
  const lines = out[0]?.split('\n') ?? [];
  assert.match(lines[0] ?? '', /^SUBJECT\s+METRIC\s+WINDOW\s+USED/);
  assert.match(lines[1] ?? '', /^search\s+TotalTokens\s+60s rolling\s+120\s+0\s+1000\s+880\s/);
  assert.match(lines[2] ?? '', /^search\s+Requests\s+60s rolling\s+1\s+0\s+10\s+9\s/);
  const json = JSON.parse(out[1] ?? '') as { subjects: Array<{ subject: string }> };
  assert.deepEqual(
    json.subjects.map((s) => s.subject),
    ['search'],
  );
});

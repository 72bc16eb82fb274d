import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { createLogger } from '../../lib/log';
import { handleUsageRequest } from './admin-handler';
import { makeBudget, makeRequest } from './fixtures';
import { createBudgetService } from './service';

test('GET /usage answers reports, and clear errors for bad queries', async () => {
  const service = createBudgetService({ logger: createLogger('test', 'silent'), registry: new Registry() });
  const budget = makeBudget();
  const config = { budgets: { [budget.key]: budget } };
  const a = await service.reserve(makeRequest());
  assert.equal(a.kind, 'admit');
  const q = (s: string) => new URLSearchParams(s);

  const ok = await handleUsageRequest(service, config, q('budget=ns/team&subject=search'));
  assert.equal(ok.status, 200);
  const body = JSON.parse(ok.body) as {
    budget: string;
    subjects: Array<{ subject: string; limits: Array<{ reserved: number }> }>;
  };
  assert.equal(body.budget, 'ns/team');
  assert.equal(body.subjects[0]?.subject, 'search');
  assert.equal(body.subjects[0]?.limits[0]?.reserved, 150);

  const top = JSON.parse(
    (await handleUsageRequest(service, config, q('budget=ns/team'))).body,
  ) as typeof body;
  assert.deepEqual(
    top.subjects.map((s) => s.subject),
    ['search'],
  );

  assert.equal((await handleUsageRequest(service, config, q(''))).status, 400);
  assert.equal((await handleUsageRequest(service, config, q('budget=ns/other'))).status, 404);
  assert.equal((await handleUsageRequest(service, config, q('budget=ns/team&top=0'))).status, 400);
  assert.equal((await handleUsageRequest(service, undefined, q('budget=ns/team'))).status, 503);
  assert.equal((await handleUsageRequest(undefined, config, q('budget=ns/team'))).status, 404);
  const failing = { usage: () => Promise.reject(new Error('down')) };
  assert.equal((await handleUsageRequest(failing, config, q('budget=ns/team'))).status, 503);
  await service.close();
});

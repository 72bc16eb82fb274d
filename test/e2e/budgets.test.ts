// Budgets end to end on one `tollgate run` (in-process counter store): rate-limit headers, the
// soft-limit warning and the 429 shape; Degrade sending the cheaper model with a max_tokens cap
// upstream; unpriced models under a Cost limit (Reject -> 400, CountTokens -> admitted and
// counted); a stream cancelled mid-way is settled with what was produced and its reservation
// released. Each budget selects its own model name, so the cases do not share counters.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startMockLlm } from '../fakes/mock-llm';
import {
  budgetManifest,
  chat,
  metricValue,
  openAIError,
  settledUsage,
  usageOf,
  warmUp,
  withBudgets,
} from './budget-helpers';
import { startLocalTollgate, type LocalTollgate } from './local-tollgate';

type Mock = Awaited<ReturnType<typeof startMockLlm>>;
const rolling1h = { rolling: '1h' };

describe('budgets end to end (memory store)', () => {
  let mock: Mock;
  let tollgate: LocalTollgate;

  before(async () => {
    mock = await startMockLlm({ name: 'mock', host: '127.0.0.1' });
    tollgate = await startLocalTollgate('budgets', {
      gatewayPort: 8080,
      upstreamPorts: { 9101: mock.port },
      env: { REDIS_URL: '' },
      transform: withBudgets(
        budgetManifest('hdr', {
          models: ['hdr-model'],
          limits: [{ metric: 'Requests', amount: 4, window: { rolling: '1m' } }],
          softLimitPercent: 60,
        }),
        budgetManifest('degrade', {
          models: ['gpt-4o'],
          limits: [{ metric: 'Requests', amount: 1, window: rolling1h }],
          action: { kind: 'Degrade', model: 'gpt-4o-mini', maxTokens: 7 },
        }),
        budgetManifest('unpriced-reject', {
          models: ['free-reject'],
          limits: [{ metric: 'Cost', amount: 5, window: { calendar: 'Day' } }],
          unpriced: 'Reject',
        }),
        budgetManifest('unpriced-count', {
          models: ['free-count'],
          limits: [{ metric: 'Cost', amount: 5, window: { calendar: 'Day' } }],
          unpriced: 'CountTokens',
        }),
        budgetManifest('stream', {
          models: ['stream-model'],
          limits: [
            { metric: 'TotalTokens', amount: 2000, window: rolling1h },
            { metric: 'OutputTokens', amount: 5000, window: rolling1h },
          ],
        }),
      ),
    });
    await warmUp(tollgate.baseURL);
  });

  after(async () => {
    await tollgate?.stop();
    await mock?.close();
  });

  test('x-ratelimit-* on success, tollgate-warning past softLimitPercent, then a 429', async () => {
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await chat(tollgate.baseURL, { model: 'hdr-model' }));
    assert.deepEqual(
      results.map((r) => r.status),
      [200, 200, 200, 200, 429],
    );
    const first = results[0]!.headers;
    assert.equal(first.get('x-ratelimit-limit-requests'), '4');
    assert.equal(first.get('x-ratelimit-remaining-requests'), '3');
    assert.match(first.get('x-ratelimit-reset-requests') ?? '', /^\d+(\.\d+)?(ms|s|m\d*s?|h.*)$/);
    assert.equal(first.get('tollgate-warning'), null, '25% is under the 60% soft limit');
    assert.equal(results[3]!.headers.get('x-ratelimit-remaining-requests'), '0');
    const warning = results[3]!.headers.get('tollgate-warning') ?? '';
    assert.match(warning, /default\/hdr/);
    const rejected = results[4]!;
    const error = openAIError(rejected);
    assert.equal(error.type, 'rate_limit_error');
    assert.equal(error.code, 'rate_limited', 'a request limit over a minute is a rate limit');
    assert.match(error.message, /default\/hdr/);
    const retryAfter = Number(rejected.headers.get('retry-after'));
    assert.ok(
      Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60,
      `retry-after ${retryAfter}`,
    );
    assert.equal(
      mock.requests.filter((r) => (r.body as { model?: string } | undefined)?.model === 'hdr-model').length,
      4,
      'the rejected request never reached the upstream',
    );
  });

  test('Degrade: once exhausted, the upstream receives the cheaper model and the max_tokens cap', async () => {
    const firstRes = await chat(tollgate.baseURL, { model: 'gpt-4o', max_tokens: 100 });
    assert.equal(firstRes.status, 200);
    assert.equal((mock.requests.at(-1)?.body as { model: string }).model, 'gpt-4o');
    const second = await chat(tollgate.baseURL, { model: 'gpt-4o', max_tokens: 100 });
    assert.equal(second.status, 200, JSON.stringify(second.json));
    const seen = mock.requests.at(-1)?.body as { model: string; max_tokens?: number };
    assert.equal(seen.model, 'gpt-4o-mini');
    assert.equal(seen.max_tokens, 7);
    const choices = second.json.choices as Array<{ message: { content: string } }>;
    assert.match(choices[0]?.message.content ?? '', /model=gpt-4o-mini/);
    // Degraded requests are still charged to the degrading budget.
    const [requests] = await settledUsage(tollgate.adminURL, 'default/degrade');
    assert.equal(requests?.used, 2);
  });

  test('unpriced model under a Cost limit: Reject -> 400 naming the model', async () => {
    const before = mock.requests.length;
    const r = await chat(tollgate.baseURL, { model: 'free-reject' });
    assert.equal(r.status, 400);
    const error = openAIError(r);
    assert.equal(error.type, 'invalid_request_error');
    assert.match(error.message, /free-reject/);
    assert.match(error.message, /default\/unpriced-reject/);
    assert.equal(mock.requests.length, before, 'not sent upstream');
  });

  test('unpriced model under a Cost limit: CountTokens -> admitted and counted on /metrics', async () => {
    const metric = 'tollgate_budget_unpriced_requests_total';
    const label = 'budget="default/unpriced-count"';
    const before = await metricValue(tollgate.adminURL, metric, label);
    const r = await chat(tollgate.baseURL, { model: 'free-count' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const deadline = Date.now() + 5000;
    let after = before;
    while (after === before && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 50));
      after = await metricValue(tollgate.adminURL, metric, label);
    }
    assert.equal(after, before + 1);
    const [cost] = await settledUsage(tollgate.adminURL, 'default/unpriced-count');
    assert.equal(cost?.used, 0, 'charged $0');
  });

  test('stream cancelled mid-way: partial usage settled, reservation released', async () => {
    const client = new OpenAI({ baseURL: tollgate.baseURL, apiKey: 'unused', maxRetries: 0 });
    const maxTokens = 400;
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      {
        model: 'stream-model',
        stream: true,
        max_tokens: maxTokens,
        messages: [{ role: 'user', content: 'Hello budget' }],
      },
      { headers: { 'x-mock-chunks': '300', 'x-mock-chunk-delay-ms': '20' }, signal: controller.signal },
    );
    let seen = 0;
    let reservedWhileStreaming = 0;
    try {
      for await (const _chunk of stream) {
        if (++seen === 3) {
          const [tokens] = await usageOf(tollgate.adminURL, 'default/stream');
          reservedWhileStreaming = tokens?.reserved ?? 0;
        }
        if (seen === 5) controller.abort();
      }
    } catch {
      // Depending on the SDK version an abort ends the iteration quietly or throws.
    }
    assert.ok(seen >= 5 && seen < 300, `stopped early (saw ${seen} chunks)`);
    // The worst case was reserved: our prompt estimate + max_tokens.
    const promptEstimate = reservedWhileStreaming - maxTokens;
    assert.ok(promptEstimate > 0, `reserved ${reservedWhileStreaming} while streaming`);
    const [tokens, output] = await settledUsage(tollgate.adminURL, 'default/stream');
    assert.ok(tokens && output, 'usage reported');
    assert.equal(tokens.reserved + output.reserved, 0, 'the reservation was released');
    assert.ok(output.used > 0 && output.used < 300, `charged ${output.used} of 300 output tokens`);
    assert.ok(tokens.used > output.used, `total ${tokens.used} includes the prompt`);
    // A request whose worst case is exactly what is left is admitted; one more token is not.
    const remaining = 2000 - tokens.used;
    const tooBig = await chat(tollgate.baseURL, {
      model: 'stream-model',
      max_tokens: remaining - promptEstimate + 1,
    });
    assert.equal(tooBig.status, 429, JSON.stringify(tooBig.json));
    assert.equal(openAIError(tooBig).code, 'budget_exceeded');
    const exact = await chat(tollgate.baseURL, {
      model: 'stream-model',
      max_tokens: remaining - promptEstimate,
    });
    assert.equal(exact.status, 200, JSON.stringify(exact.json));
  });
});

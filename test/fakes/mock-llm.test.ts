// Tests for the mock LLM, driven by the official `openai` SDK so its wire format is the one real
// clients parse, plus raw HTTP where the exact bytes matter (SSE framing).
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startMockLlm, type MockLlm } from './mock-llm';

void describe('mock LLM', () => {
  let mock: MockLlm;
  let client: OpenAI;
  const user = [{ role: 'user' as const, content: 'Hello there, mock' }];

  before(async () => {
    mock = await startMockLlm({ name: 'mock-a', defaults: { reasoningTokens: 0 } });
    client = new OpenAI({ baseURL: `${mock.url}/v1`, apiKey: 'test-key', maxRetries: 0, timeout: 10_000 });
  });
  after(async () => {
    await mock.close();
  });

  void test('chat, non-streaming: names the mock, echoes the model, reports detailed usage', async () => {
    const res = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: user },
      { headers: { 'x-mock-cached-tokens': '2', 'x-mock-reasoning-tokens': '5', 'x-mock-chunks': '4' } },
    );
    assert.equal(res.object, 'chat.completion');
    assert.equal(res.model, 'gpt-4o-mini');
    assert.match(res.choices[0]?.message.content ?? '', /^\[mock-a\] model=gpt-4o-mini/);
    assert.equal(res.choices[0]?.finish_reason, 'stop');
    assert.equal(res.usage?.completion_tokens, 4 + 5, 'reasoning tokens are part of completion tokens');
    assert.equal(res.usage?.prompt_tokens_details?.cached_tokens, 2);
    assert.equal(res.usage?.completion_tokens_details?.reasoning_tokens, 5);
    assert.equal(res.usage?.total_tokens, (res.usage?.prompt_tokens ?? 0) + 9);
    const seen = mock.requests.at(-1);
    assert.equal(seen?.path, '/v1/chat/completions');
    assert.equal(seen?.headers.authorization, 'Bearer test-key');
    assert.deepEqual((seen?.body as { messages: unknown }).messages, user);
    assert.equal(seen?.status, 200);
  });

  void test('max_tokens truncates with finish_reason length', async () => {
    const res = await client.chat.completions.create(
      { model: 'm', messages: user, max_tokens: 2 },
      { headers: { 'x-mock-chunks': '10' } },
    );
    assert.equal(res.choices[0]?.finish_reason, 'length');
    assert.equal(res.usage?.completion_tokens, 2);
  });

  void test('streaming without include_usage: N content chunks, no usage anywhere', async () => {
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o', messages: user, stream: true },
      { headers: { 'x-mock-chunks': '5' } },
    );
    const contents: string[] = [];
    let finish: string | null | undefined;
    let usageSeen = false;
    for await (const chunk of stream) {
      if (chunk.usage) usageSeen = true;
      const choice = chunk.choices[0];
      if (choice?.delta.content) contents.push(choice.delta.content);
      finish = choice?.finish_reason ?? finish;
    }
    assert.equal(contents.length, 5);
    assert.match(contents.join(''), /mock-a.*gpt-4o/);
    assert.equal(finish, 'stop');
    assert.equal(usageSeen, false);
  });

  void test('streaming with include_usage: a last chunk with empty choices carries usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: user,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks.at(-1);
    assert.deepEqual(last?.choices, []);
    assert.ok((last?.usage?.completion_tokens ?? 0) > 0);
    assert.ok(
      chunks.slice(0, -1).every((c) => c.usage === null),
      'earlier chunks carry usage: null',
    );
  });

  void test('raw SSE framing ends with data: [DONE]', async () => {
    const body = JSON.stringify({ model: 'x', messages: user, stream: true });
    const text = await rawPost(mock.port, '/v1/chat/completions', body, { 'x-mock-chunks': '2' });
    assert.match(text.headers['content-type'] ?? '', /^text\/event-stream/);
    const events = text.body.split('\n\n').filter(Boolean);
    assert.ok(events.every((e) => e.startsWith('data: ')));
    assert.equal(events.at(-1), 'data: [DONE]');
    assert.equal(events.length, 1 + 2 + 1 + 1, 'role chunk, 2 content chunks, finish chunk, [DONE]');
  });

  void test('legacy completions, streamed and not', async () => {
    const res = await client.completions.create({ model: 'davinci-002', prompt: 'Say hi' });
    assert.match(res.choices[0]?.text ?? '', /mock-a.*davinci-002/);
    const stream = await client.completions.create({
      model: 'davinci-002',
      prompt: 'Say hi',
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? '';
      usage = chunk.usage ?? usage;
    }
    assert.equal(text, res.choices[0]?.text);
    assert.equal(usage?.completion_tokens, res.usage?.completion_tokens);
  });

  void test('embeddings: base64 (the SDK default) and float, deterministic, unit length', async () => {
    const res = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['a', 'b'],
      dimensions: 8,
    });
    assert.equal(res.data.length, 2);
    const first = res.data[0]?.embedding ?? [];
    assert.equal(first.length, 8);
    assert.ok(Math.abs(Math.hypot(...first) - 1) < 1e-5);
    const floats = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'a',
      dimensions: 8,
      encoding_format: 'float',
    });
    const again = floats.data[0]?.embedding ?? [];
    assert.deepEqual(
      again.map((x) => x.toFixed(5)),
      first.map((x) => x.toFixed(5)),
    );
    assert.ok((res.usage.prompt_tokens ?? 0) > 0);
  });

  void test('models', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    assert.deepEqual(ids, ['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small']);
  });

  void test('x-mock-status maps to the SDK error classes with the OpenAI error body', async () => {
    const call = (status: string) =>
      client.chat.completions.create(
        { model: 'm', messages: user },
        { headers: { 'x-mock-status': status } },
      );
    await assert.rejects(call('429'), (err: unknown) => {
      assert.ok(err instanceof OpenAI.RateLimitError);
      assert.equal(err.status, 429);
      assert.equal(err.code, 'rate_limit_exceeded');
      assert.equal(err.type, 'rate_limit_error');
      assert.match(err.message, /mock mock-a: injected status 429/);
      return true;
    });
    await assert.rejects(
      call('503'),
      (err: unknown) => err instanceof OpenAI.InternalServerError && err.status === 503,
    );
    await assert.rejects(call('401'), OpenAI.AuthenticationError);
  });

  void test('a request validation error looks like OpenAI', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'm', messages: [] }),
      (err: unknown) => err instanceof OpenAI.BadRequestError && err.param === 'messages',
    );
  });

  void test('x-mock-fail-on scopes the failure to the named mock', async () => {
    const res = await client.chat.completions.create(
      { model: 'm', messages: user },
      { headers: { 'x-mock-status': '500', 'x-mock-fail-on': 'mock-b' } },
    );
    assert.match(res.choices[0]?.message.content ?? '', /mock-a/);
  });

  void test('x-mock-fail-times with x-mock-key fails the first N, then succeeds', async () => {
    const headers = {
      'x-mock-fail-times': '2',
      'x-mock-key': `retry-${Date.now()}`,
      'x-mock-fail-status': '502',
    };
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      try {
        await client.chat.completions.create({ model: 'm', messages: user }, { headers });
        statuses.push(200);
      } catch (err) {
        statuses.push(err instanceof OpenAI.APIError ? (err.status ?? 0) : -1);
      }
    }
    assert.deepEqual(statuses, [502, 502, 200]);
  });

  void test('expectations: path and headers, 418 with a message when not met', async () => {
    const ok = await client.chat.completions.create(
      { model: 'm', messages: user },
      {
        headers: {
          'x-mock-expect-path': '/v1/chat/completions',
          'x-mock-expect-header': 'authorization=Bearer test-key',
        },
      },
    );
    assert.ok(ok.id);
    await assert.rejects(
      client.chat.completions.create(
        { model: 'm', messages: user },
        { headers: { 'x-mock-expect-header': 'x-api-key=k' } },
      ),
      (err: unknown) =>
        err instanceof OpenAI.APIError &&
        err.status === 418 &&
        /expected header x-api-key=k, got none/.test(err.message),
    );
  });

  void test('bad x-mock-* values get a clear 400', async () => {
    await assert.rejects(
      client.chat.completions.create(
        { model: 'm', messages: user },
        { headers: { 'x-mock-chunks': 'many' } },
      ),
      (err: unknown) =>
        err instanceof OpenAI.BadRequestError && /x-mock-chunks must be an integer/.test(err.message),
    );
  });

  void test('a client that cancels mid-stream is recorded as disconnected', async () => {
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'm', messages: user, stream: true },
      { headers: { 'x-mock-chunks': '500', 'x-mock-chunk-delay-ms': '10' }, signal: controller.signal },
    );
    let seen = 0;
    // openai v6 ends the iteration quietly on abort (it does not throw)
    for await (const _chunk of stream) if (++seen === 3) controller.abort();
    assert.ok(seen < 500, 'the stream stopped early');
    const record = mock.requests.at(-1);
    await waitFor(() => record?.disconnected === true);
    assert.equal(record?.disconnected, true);
  });

  void test('x-mock-hang never answers; the client timeout ends it and the mock sees the disconnect', async () => {
    await assert.rejects(
      client.chat.completions.create(
        { model: 'm', messages: user },
        { headers: { 'x-mock-hang': '1' }, timeout: 300 },
      ),
      OpenAI.APIConnectionTimeoutError,
    );
    const record = mock.requests.at(-1);
    await waitFor(() => record?.disconnected === true);
    assert.equal(record?.status, undefined);
  });
});

void describe('mock LLM instance defaults', () => {
  void test('defaults apply when a request does not set the header', async () => {
    const mock = await startMockLlm({ name: 'slowpoke', defaults: { status: 503 }, models: ['only'] });
    try {
      const client = new OpenAI({ baseURL: `${mock.url}/v1`, apiKey: 'k', maxRetries: 0 });
      await assert.rejects(
        client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
        {
          status: 503,
        },
      );
      const ok = await client.chat.completions.create(
        { model: 'm', messages: [{ role: 'user', content: 'x' }] },
        { headers: { 'x-mock-status': '200' } },
      );
      assert.match(ok.choices[0]?.message.content ?? '', /slowpoke/);
    } finally {
      await mock.close();
    }
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

function rawPost(
  port: number,
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

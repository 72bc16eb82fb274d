// End to end through the whole local path with the official `openai` SDK as the client:
// `tollgate run` on examples/quickstart (controller + ADS, extproc child, data plane child),
// with this test's own mock upstreams so it can see what reached them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startMockLlm } from '../fakes/mock-llm';
import { startLocalTollgate, type LocalTollgate } from './local-tollgate';

type Mock = Awaited<ReturnType<typeof startMockLlm>>;

describe('quickstart end to end', () => {
  let mockA: Mock;
  let mockB: Mock;
  let tollgate: LocalTollgate;
  let client: OpenAI;

  before(async () => {
    mockA = await startMockLlm({ name: 'mock-a', host: '127.0.0.1' });
    mockB = await startMockLlm({ name: 'mock-b', host: '127.0.0.1' });
    tollgate = await startLocalTollgate('quickstart', {
      gatewayPort: 8080,
      upstreamPorts: { 9101: mockA.port, 9102: mockB.port },
      // Short per-try timeout so the timeout->retry case runs in a second.
      transform: (_f, text) => text.replace('perTryTimeout: 10s', 'perTryTimeout: 1s'),
    });
    client = new OpenAI({ baseURL: tollgate.baseURL, apiKey: 'client-key-not-forwarded', maxRetries: 0 });
  });

  after(async () => {
    await tollgate?.stop();
    await mockA?.close();
    await mockB?.close();
  });

  test('chat completion, non-streaming, routed by model, usage reported', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hello' }],
    });
    assert.match(res.choices[0]?.message.content ?? '', /mock-a/);
    assert.ok((res.usage?.total_tokens ?? 0) > 0);
    const seen = mockA.requests.at(-1);
    assert.equal(seen?.path, '/v1/chat/completions');
    assert.equal(seen?.headers.authorization, undefined, 'the client key must not reach the provider');
    assert.ok(
      !Object.keys(seen?.headers ?? {}).some((h) => h.startsWith('x-tollgate-')),
      'internal headers stripped',
    );
  });

  test('llama-* goes to mock-b', async () => {
    const res = await client.chat.completions.create({
      model: 'llama-3.1-8b-instruct',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    assert.match(res.choices[0]?.message.content ?? '', /mock-b/);
  });

  test('streaming without include_usage: content arrives, the usage chunk stays hidden', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    let text = '';
    let usageChunks = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usageChunks++;
    }
    assert.match(text, /mock-a/);
    assert.equal(usageChunks, 0);
    const body = mockA.requests.at(-1)?.body as { stream_options?: { include_usage?: boolean } };
    assert.equal(body.stream_options?.include_usage, true, 'Tollgate asks the provider for usage');
  });

  test('streaming with include_usage: the client gets the usage chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Hi' }],
    });
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) usage = chunk.usage ?? usage;
    assert.ok((usage?.completion_tokens ?? 0) > 0);
  });

  test('embeddings', async () => {
    const res = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello' });
    assert.ok((res.data[0]?.embedding.length ?? 0) > 0);
  });

  test('GET /v1/models lists the routed models', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    assert.ok(ids.includes('gpt-4o-mini'), ids.join(','));
    assert.ok(ids.includes('text-embedding-3-small'), ids.join(','));
  });

  test('unknown model: OpenAI-shaped 404', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }),
      (err: unknown) => err instanceof OpenAI.NotFoundError && err.code === 'model_not_found',
    );
  });

  test('upstream 500 on the primary: the fallback backend answers', async () => {
    const res = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] },
      { headers: { 'x-mock-fail-on': 'mock-a', 'x-mock-status': '500' } },
    );
    assert.match(res.choices[0]?.message.content ?? '', /mock-b/);
  });

  test('upstream hangs past the per-try timeout: retried on the fallback', async () => {
    const res = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] },
      { headers: { 'x-mock-fail-on': 'mock-a', 'x-mock-hang': '1' } },
    );
    assert.match(res.choices[0]?.message.content ?? '', /mock-b/);
  });

  test('client disconnect mid-stream cancels the upstream request and records usage', async () => {
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'llama-3.1-8b-instruct', stream: true, messages: [{ role: 'user', content: 'long' }] },
      { headers: { 'x-mock-chunks': '200', 'x-mock-chunk-delay-ms': '20' }, signal: controller.signal },
    );
    let seen = 0;
    try {
      for await (const _chunk of stream) if (++seen === 3) controller.abort();
    } catch {
      // openai v6 ends the iteration quietly on abort; older versions throw. Either is fine.
    }
    assert.ok(seen >= 3 && seen < 200, `stopped early (saw ${seen} chunks)`);
    const deadline = Date.now() + 5000;
    while (!mockB.requests.at(-1)?.disconnected && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    assert.equal(mockB.requests.at(-1)?.disconnected, true, 'the upstream saw the cancel');
    const metrics = await (await fetch(`${tollgate.adminURL}/metrics`)).text();
    assert.match(metrics, /gen_ai_client_token_usage_(sum|count)\{[^}]*llama-3\.1-8b-instruct/);
  });

  test('a manifest change while requests are in flight fails none of them', async () => {
    const inflight = Array.from({ length: 20 }, (_, i) =>
      client.chat.completions.create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `n${i}` }] },
        { headers: { 'x-mock-latency-ms': String(100 + i * 10) } },
      ),
    );
    // The change adds a model: once it is served, the reload has reached extproc and the data plane.
    const routes = path.join(tollgate.dir, 'routes.yaml');
    fs.writeFileSync(
      routes,
      fs
        .readFileSync(routes, 'utf8')
        .replace('value: llama- }', 'value: llama- }\n        - model: { type: Exact, value: gpt-4o }'),
    );
    const results = await Promise.allSettled(inflight);
    assert.deepEqual(
      results.filter((r) => r.status === 'rejected'),
      [],
    );
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        const res = await client.chat.completions.create({
          model: 'gpt-4o',
          messages: [{ role: 'user', content: 'x' }],
        });
        assert.match(res.choices[0]?.message.content ?? '', /mock-b/);
        break;
      } catch (err) {
        if (!(err instanceof OpenAI.NotFoundError) || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });

  test('extproc down: fail closed with a 500, then recovery when it is back', async () => {
    const pids = tollgate.childPids(' extproc ');
    assert.ok(pids.length > 0, 'extproc child found');
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
      (err: unknown) => err instanceof OpenAI.InternalServerError,
    );
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        await client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'x' }],
        });
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  });

  test('Ctrl-C: the in-flight request finishes, the process tree exits cleanly', async () => {
    const inflight = client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'slow' }] },
      { headers: { 'x-mock-latency-ms': '700' } }, // under the 1s per-try timeout
    );
    await new Promise((r) => setTimeout(r, 300));
    const children = tollgate.childPids('');
    assert.ok(children.length >= 2, 'extproc and data plane children running');
    const exit = tollgate.stop();
    const res = await inflight;
    assert.match(res.choices[0]?.message.content ?? '', /mock-a/);
    assert.equal(await exit, 0);
    const alive = children.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    assert.deepEqual(alive, [], 'no orphaned children');
  });
});

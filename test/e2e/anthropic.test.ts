// End to end with an Anthropic backend, through the whole local path (`tollgate run` on
// examples/anthropic: controller + ADS, extproc, data plane) with the official `openai` SDK as
// the client and a fake that speaks Anthropic's real wire format: a chat completion, a stream
// with a tool call whose arguments arrive in pieces, and a fallback from an overloaded Anthropic
// backend to an OpenAI one.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startMockAnthropic, type MockAnthropic } from '../fakes/mock-anthropic';
import { startMockLlm } from '../fakes/mock-llm';
import { startLocalTollgate, type LocalTollgate } from './local-tollgate';

type Mock = Awaited<ReturnType<typeof startMockLlm>>;

describe('anthropic end to end', () => {
  let anthropic: MockAnthropic;
  let openai: Mock;
  let tollgate: LocalTollgate;
  let client: OpenAI;

  before(async () => {
    anthropic = await startMockAnthropic();
    openai = await startMockLlm({ name: 'mock-openai', host: '127.0.0.1' });
    tollgate = await startLocalTollgate('anthropic', {
      gatewayPort: 8080,
      upstreamPorts: { 9201: anthropic.port, 9202: openai.port },
    });
    client = new OpenAI({ baseURL: tollgate.baseURL, apiKey: 'client-key-not-forwarded', maxRetries: 0 });
  });

  after(async () => {
    await tollgate?.stop();
    await anthropic?.close();
    await openai?.close();
  });

  test('chat completion, not streamed: translated both ways, usage reported', async () => {
    const res = await client.chat.completions.create({
      model: 'claude-sonnet-4',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
      ],
    });
    assert.equal(res.object, 'chat.completion');
    assert.equal(
      res.choices[0]?.message.content,
      'Hello from mock-anthropic (claude-sonnet-4-20250514) — ok. ',
    );
    assert.equal(res.choices[0]?.finish_reason, 'stop');
    assert.equal(res.usage?.prompt_tokens, 24);
    assert.equal(res.usage?.completion_tokens, 9);
    assert.equal(res.usage?.prompt_tokens_details?.cached_tokens, 4);
    const seen = anthropic.requests.at(-1);
    assert.equal(seen?.path, '/v1/messages');
    assert.equal(seen?.headers['x-api-key'], 'sk-ant-not-a-real-key');
    assert.equal(seen?.headers['anthropic-version'], '2023-06-01');
    assert.equal(seen?.headers.authorization, undefined, 'the client key must not reach the provider');
    assert.deepEqual(seen?.body.system, [{ type: 'text', text: 'Be brief.' }]);
    assert.equal(seen?.body.max_tokens, 4096);
  });

  test('stream with a tool call: arguments reassembled from pieces, usage on request', async () => {
    const stream = await client.chat.completions.create({
      model: 'claude-sonnet-4',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            parameters: { type: 'object', properties: { location: { type: 'string' } } },
          },
        },
      ],
    });
    let text = '';
    let args = '';
    let name = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      text += choice?.delta.content ?? '';
      for (const call of choice?.delta.tool_calls ?? []) {
        assert.equal(call.index, 0);
        name += call.function?.name ?? '';
        args += call.function?.arguments ?? '';
      }
      finish = choice?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.match(text, /Hello from mock-anthropic .* — ok/);
    assert.equal(name, 'get_weather');
    assert.deepEqual(JSON.parse(args), { location: 'Paris' });
    assert.equal(finish, 'tool_calls');
    assert.equal(usage?.prompt_tokens, 24);
    const tools = anthropic.requests.at(-1)?.body.tools as Array<{ name: string; input_schema: unknown }>;
    assert.equal(tools[0]?.name, 'get_weather');
    assert.ok(tools[0]?.input_schema);
  });

  test('falls back from an overloaded Anthropic backend to an OpenAI one', async () => {
    anthropic.requests.length = 0;
    const res = await client.chat.completions.create({
      model: 'claude-with-fallback',
      messages: [{ role: 'user', content: 'Hello' }],
    });
    assert.match(res.choices[0]?.message.content ?? '', /mock-openai/);
    assert.equal(
      anthropic.requests.at(0)?.path,
      '/broken/v1/messages',
      'the Anthropic backend was tried first',
    );
    const seen = openai.requests.at(-1);
    assert.equal(seen?.path, '/v1/chat/completions');
    assert.equal((seen?.body as { model?: string }).model, 'gpt-4o-mini');
  });
});

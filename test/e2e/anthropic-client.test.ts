// End to end with the official `@anthropic-ai/sdk` as the client: Anthropic's /v1/messages in,
// through the whole local path (`tollgate run` on examples/anthropic, plus a rule for an
// OpenAI-only model), to an OpenAI backend (the mock LLM) and to an Anthropic one (the Anthropic
// mock): messages, streams with a tool call whose arguments arrive in pieces, usage, a
// cross-schema fallback, and errors the SDK recognises by status and type.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { startMockAnthropic, type MockAnthropic } from '../fakes/mock-anthropic';
import { startMockLlm } from '../fakes/mock-llm';
import { startLocalTollgate, type LocalTollgate } from './local-tollgate';

type Mock = Awaited<ReturnType<typeof startMockLlm>>;

/** A rule for gpt-4o-mini served by the OpenAI backend only. */
const OPENAI_RULE = `  rules:
    - name: openai
      matches:
        - model: { type: Exact, value: gpt-4o-mini }
      backendRefs:
        - name: openai-fallback
`;

const WEATHER_TOOL = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: {
    type: 'object' as const,
    properties: { location: { type: 'string' } },
    required: ['location'],
  },
};

describe('Anthropic SDK client end to end', () => {
  let anthropic: MockAnthropic;
  let openai: Mock;
  let tollgate: LocalTollgate;
  let client: Anthropic;

  before(async () => {
    anthropic = await startMockAnthropic();
    openai = await startMockLlm({ name: 'mock-openai', host: '127.0.0.1' });
    tollgate = await startLocalTollgate('anthropic', {
      gatewayPort: 8080,
      upstreamPorts: { 9201: anthropic.port, 9202: openai.port },
      transform: (file, text) => (file === 'routes.yaml' ? text.replace('  rules:\n', OPENAI_RULE) : text),
    });
    client = new Anthropic({
      baseURL: tollgate.baseURL.replace(/\/v1$/, ''),
      apiKey: 'client-key-not-forwarded',
      maxRetries: 0,
    });
  });

  after(async () => {
    await tollgate?.stop();
    await anthropic?.close();
    await openai?.close();
  });

  test('OpenAI backend, not streamed: a message with usage; the backend got a chat request', async () => {
    const message = await client.messages.create({
      model: 'gpt-4o-mini',
      max_tokens: 64,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Hello' }],
    });
    assert.equal(message.type, 'message');
    assert.equal(message.role, 'assistant');
    assert.equal(message.stop_reason, 'end_turn');
    const block = message.content[0];
    assert.equal(block?.type, 'text');
    assert.match(block?.type === 'text' ? block.text : '', /mock-openai/);
    assert.ok(message.usage.input_tokens > 0);
    assert.ok(message.usage.output_tokens > 0);
    const seen = openai.requests.at(-1);
    assert.equal(seen?.path, '/v1/chat/completions');
    assert.equal(seen?.headers['x-api-key'], undefined, 'the client key must not reach the provider');
    const body = seen?.body as { messages: unknown[]; max_tokens: number };
    assert.deepEqual(body.messages[0], { role: 'system', content: 'Be brief.' });
    assert.equal(body.max_tokens, 64);
  });

  test('OpenAI backend, streamed: text deltas, then stop reason and usage in message_delta', async () => {
    const stream = client.messages.stream(
      { model: 'gpt-4o-mini', max_tokens: 64, messages: [{ role: 'user', content: 'Count' }] },
      { headers: { 'x-mock-chunks': '4' } },
    );
    const types: string[] = [];
    let text = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
    const final = await stream.finalMessage();
    assert.equal(types[0], 'message_start');
    assert.equal(types.filter((t) => t === 'content_block_delta').length, 4);
    assert.deepEqual(types.slice(-2), ['message_delta', 'message_stop']);
    assert.equal(final.content[0]?.type === 'text' ? final.content[0].text : '', text);
    assert.equal(final.stop_reason, 'end_turn');
    assert.equal(final.usage.output_tokens, 4);
    assert.ok(final.usage.input_tokens > 0);
  });

  test('Anthropic backend, streamed tool call: arguments arrive as input_json_delta and parse', async () => {
    const stream = client.messages.stream({
      model: 'claude-sonnet-4',
      max_tokens: 256,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [WEATHER_TOOL],
      tool_choice: { type: 'auto' },
    });
    let fragments = 0;
    stream.on('inputJson', () => (fragments += 1));
    const final = await stream.finalMessage();
    assert.ok(fragments >= 2, 'the arguments came in pieces');
    const tool = final.content.find((b) => b.type === 'tool_use');
    assert.equal(tool?.type === 'tool_use' ? tool.name : '', 'get_weather');
    assert.deepEqual(tool?.type === 'tool_use' ? tool.input : undefined, { location: 'Paris' });
    assert.equal(final.stop_reason, 'tool_use');
    // The mock reports 20 input + 4 cache-read tokens: Anthropic's input_tokens leaves the reads out.
    assert.equal(final.usage.input_tokens, 20);
    assert.equal(final.usage.cache_read_input_tokens, 4);
    assert.equal(final.usage.output_tokens, 9);
    const sent = anthropic.requests.at(-1)?.body as {
      tools: Array<{ input_schema: unknown }>;
      max_tokens: number;
    };
    assert.deepEqual(sent.tools[0]?.input_schema, WEATHER_TOOL.input_schema);
    assert.equal(sent.max_tokens, 256);
  });

  test('Anthropic backend, tool result turn, not streamed', async () => {
    const message = await client.messages.create({
      model: 'claude-sonnet-4',
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris' } }],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '18C, sunny' }] },
      ],
      tools: [WEATHER_TOOL],
    });
    assert.match(message.content[0]?.type === 'text' ? message.content[0].text : '', /mock-anthropic/);
    const sent = anthropic.requests.at(-1)?.body as {
      messages: Array<{ role: string; content: Array<Record<string, unknown>> }>;
    };
    assert.deepEqual(sent.messages[1]?.content[0], {
      type: 'tool_use',
      id: 'toolu_1',
      name: 'get_weather',
      input: { location: 'Paris' },
    });
    assert.equal(sent.messages[2]?.content[0]?.type, 'tool_result');
    assert.equal(sent.messages[2]?.content[0]?.tool_use_id, 'toolu_1');
  });

  test('falls back across schemas: overloaded Anthropic backend, then the OpenAI one', async () => {
    anthropic.requests.length = 0;
    const message = await client.messages.create({
      model: 'claude-with-fallback',
      max_tokens: 32,
      messages: [{ role: 'user', content: 'Hello' }],
    });
    assert.match(message.content[0]?.type === 'text' ? message.content[0].text : '', /mock-openai/);
    assert.equal(anthropic.requests.at(0)?.path, '/broken/v1/messages');
  });

  test('errors reach the SDK Anthropic-shaped with their status', async () => {
    await assert.rejects(
      client.messages.create({
        model: 'no-such-model',
        max_tokens: 8,
        messages: [{ role: 'user', content: 'x' }],
      }),
      (err: unknown) => {
        assert.ok(err instanceof Anthropic.NotFoundError);
        assert.equal((err.error as { error?: { type?: string } }).error?.type, 'not_found_error');
        return true;
      },
    );
    await assert.rejects(
      client.messages.create(
        { model: 'gpt-4o-mini', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] },
        { headers: { 'x-mock-status': '429' } },
      ),
      (err: unknown) => {
        assert.ok(err instanceof Anthropic.RateLimitError);
        assert.equal((err.error as { type?: string }).type, 'error');
        return true;
      },
    );
    // top_k has no OpenAI equivalent and this route keeps the default policy (Reject). It is
    // passed as a variable: this SDK version no longer declares top_k.
    const withTopK = {
      model: 'gpt-4o-mini',
      max_tokens: 8,
      top_k: 3,
      messages: [{ role: 'user' as const, content: 'x' }],
    };
    await assert.rejects(client.messages.create(withTopK), (err: unknown) => {
      assert.ok(err instanceof Anthropic.BadRequestError);
      assert.match(err.message, /top_k/);
      return true;
    });
  });
});

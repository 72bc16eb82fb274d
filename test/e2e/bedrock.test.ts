// End to end with an AWS Bedrock backend, through the whole local path (`tollgate run` on
// examples/bedrock: controller + ADS, extproc, data plane) with the official `openai` SDK as the
// client and a fake that speaks Bedrock's real wire format and checks every SigV4 signature: a
// chat completion, a stream (binary event stream -> SSE) with a tool call whose input arrives in
// pieces, an exception inside a stream, and a cross-provider fallback from an OpenAI backend
// that answers 503 to Bedrock.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startMockBedrock, type MockBedrock } from '../fakes/mock-bedrock';
import { startMockLlm } from '../fakes/mock-llm';
import { startLocalTollgate, type LocalTollgate } from './local-tollgate';

type Mock = Awaited<ReturnType<typeof startMockLlm>>;

/** The keys in examples/bedrock/backends.yaml. */
const CREDENTIALS = { accessKeyId: 'AKIAEXAMPLENOTREAL01', secretAccessKey: 'not-a-real-secret-access-key' };
const MODEL_ID = 'anthropic.claude-3-5-haiku-20241022-v1:0';

describe('bedrock end to end', () => {
  let bedrock: MockBedrock;
  let openai: Mock;
  let tollgate: LocalTollgate;
  let client: OpenAI;

  before(async () => {
    bedrock = await startMockBedrock(CREDENTIALS, 'us-east-1');
    openai = await startMockLlm({ name: 'mock-openai', host: '127.0.0.1' });
    tollgate = await startLocalTollgate('bedrock', {
      gatewayPort: 8080,
      upstreamPorts: { 9301: bedrock.port, 9302: openai.port },
    });
    client = new OpenAI({ baseURL: tollgate.baseURL, apiKey: 'client-key-not-forwarded', maxRetries: 0 });
  });

  after(async () => {
    await tollgate?.stop();
    await bedrock?.close();
    await openai?.close();
  });

  test('chat completion, not streamed: Converse request signed, answer and usage in OpenAI shape', async () => {
    const res = await client.chat.completions.create({
      model: 'claude-haiku',
      max_tokens: 200,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
      ],
    });
    assert.equal(res.object, 'chat.completion');
    assert.equal(res.choices[0]?.message.content, `Hello from mock-bedrock (${MODEL_ID}) — ok. `);
    assert.equal(res.choices[0]?.finish_reason, 'stop');
    assert.equal(res.usage?.prompt_tokens, 24);
    assert.equal(res.usage?.completion_tokens, 7);
    assert.equal(res.usage?.prompt_tokens_details?.cached_tokens, 6);
    const seen = bedrock.requests.at(-1);
    assert.equal(seen?.path, `/model/${encodeURIComponent(MODEL_ID)}/converse`);
    assert.equal(seen?.signatureValid, true, 'the fake recomputed the SigV4 signature');
    assert.match(String(seen?.headers.authorization), /^AWS4-HMAC-SHA256 Credential=AKIAEXAMPLENOTREAL01\//);
    assert.deepEqual(seen?.body.system, [{ text: 'Be brief.' }]);
    assert.deepEqual(seen?.body.inferenceConfig, { maxTokens: 200 });
  });

  test('stream with a tool call: event stream -> SSE, arguments reassembled, usage on request', async () => {
    const stream = await client.chat.completions.create({
      model: 'claude-haiku',
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
    assert.match(text, /Hello from mock-bedrock .* — ok/);
    assert.equal(name, 'get_weather');
    assert.deepEqual(JSON.parse(args), { location: 'Paris' });
    assert.equal(finish, 'tool_calls');
    assert.equal(usage?.prompt_tokens, 24);
    const seen = bedrock.requests.at(-1);
    assert.equal(seen?.path, `/model/${encodeURIComponent(MODEL_ID)}/converse-stream`);
    assert.equal(seen?.signatureValid, true);
    const tools = (
      seen?.body.toolConfig as {
        tools: Array<{ toolSpec: { name: string; inputSchema: { json: unknown } } }>;
      }
    ).tools;
    assert.equal(tools[0]?.toolSpec.name, 'get_weather');
    assert.ok(tools[0]?.toolSpec.inputSchema.json);
  });

  test('an exception inside the stream reaches the client as an error', async () => {
    const stream = await client.chat.completions.create(
      { model: 'claude-haiku', stream: true, messages: [{ role: 'user', content: 'Hello' }] },
      { headers: { 'x-mock-stream-exception': 'throttlingException' } },
    );
    await assert.rejects(async () => {
      for await (const chunk of stream) void chunk;
    }, /Too many requests/);
  });

  test('falls back from an OpenAI backend answering 503 to Bedrock, answered in OpenAI shape', async () => {
    bedrock.requests.length = 0;
    openai.requests.length = 0;
    const res = await client.chat.completions.create(
      { model: 'gpt-with-bedrock-fallback', messages: [{ role: 'user', content: 'Hello' }] },
      { headers: { 'x-mock-status': '503', 'x-mock-fail-on': 'mock-openai' } },
    );
    assert.equal(res.object, 'chat.completion');
    assert.match(res.choices[0]?.message.content ?? '', /mock-bedrock/);
    assert.equal(openai.requests.at(0)?.status, 503, 'the OpenAI backend was tried first');
    assert.equal(bedrock.requests.length, 1);
    assert.equal(bedrock.requests[0]?.signatureValid, true, 'the retry was signed for Bedrock');
  });
});

// End to end with an AWS Bedrock backend, through the whole local path (`tollgate run` on
// examples/bedrock: controller + ADS, extproc, data plane) with the official `openai` SDK as the
// client and a fake that speaks Bedrock's real wire format and checks every SigV4 signature: a
// chat completion, a stream (binary event stream -> SSE) with a tool call whose input arrives in
// pieces, an exception inside a stream, and a cross-provider fallback from an OpenAI backend
// that answers 503 to Bedrock. Embeddings through InvokeModel (Titan v2, Cohere), float and base64,
// on rules this test adds to the example's routes.
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

/** Embedding rules added to examples/bedrock/routes.yaml (its rules list ends the file). */
const EMBEDDING_RULES = `
    - name: titan-embed
      matches:
        - model: { type: Exact, value: titan-embed }
      backendRefs:
        - name: bedrock
          modelOverride: amazon.titan-embed-text-v2:0
    - name: cohere-embed
      matches:
        - model: { type: Exact, value: cohere-embed }
      backendRefs:
        - name: bedrock
          modelOverride: cohere.embed-english-v3
`;

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
      transform: (file, text) => text + (file === 'routes.yaml' ? EMBEDDING_RULES : ''),
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

  test('embeddings with Titan v2: InvokeModel signed, dimensions mapped, usage from Titan', async () => {
    const res = await client.embeddings.create({
      model: 'titan-embed',
      input: 'hello big world',
      dimensions: 3,
      encoding_format: 'float',
    });
    assert.equal(res.object, 'list');
    assert.deepEqual(res.data[0]?.embedding, [0.125, 0.25, 0.375]);
    assert.equal(res.usage?.prompt_tokens, 3);
    const seen = bedrock.requests.at(-1);
    assert.equal(seen?.path, `/model/${encodeURIComponent('amazon.titan-embed-text-v2:0')}/invoke`);
    assert.equal(seen?.signatureValid, true);
    assert.deepEqual(seen?.body, { inputText: 'hello big world', dimensions: 3 });
    // Default SDK call: it asks for base64 and decodes the little-endian float32 itself.
    const decoded = await client.embeddings.create({ model: 'titan-embed', input: 'hi' });
    assert.deepEqual(decoded.data[0]?.embedding, [0.125, 0.25, 0.375, 0.5]);
    const b64 = await client.embeddings.create({
      model: 'titan-embed',
      input: 'hi',
      encoding_format: 'base64',
    });
    assert.equal(typeof b64.data[0]?.embedding, 'string');
  });

  test('Titan refuses several inputs with a 400 naming input; Cohere takes them in one call', async () => {
    const before = bedrock.requests.length;
    await assert.rejects(
      client.embeddings.create({ model: 'titan-embed', input: ['a', 'b'] }),
      (e: unknown) => e instanceof OpenAI.BadRequestError && e.param === 'input',
    );
    assert.equal(bedrock.requests.length, before, 'nothing was sent upstream');
    const res = await client.embeddings.create({ model: 'cohere-embed', input: ['a b', 'c'] });
    assert.equal(res.data.length, 2);
    assert.deepEqual(res.data[1]?.embedding, [0.125, 0.25, 0.375, 0.5]);
    const seen = bedrock.requests.at(-1);
    assert.deepEqual(seen?.body, { texts: ['a b', 'c'], input_type: 'search_document' });
    assert.equal(seen?.signatureValid, true);
  });
});

// End to end with Google Gemini backends, through the whole local path (`tollgate run` on
// examples/gemini) with the official `openai` SDK as the client and a fake that speaks Gemini's
// real wire format: the Gemini API with x-goog-api-key (chat, and a stream with a function call),
// and Vertex AI with a service account whose token extproc fetches from the fake token endpoint
// (the key file's token_uri) with google-auth-library and caches across requests. Embeddings
// (float and base64) through :batchEmbedContents and Vertex AI :predict, on rules this test adds
// to the example's routes.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startMockGemini, type MockGemini } from '../fakes/mock-gemini';
import { startLocalTollgate, type LocalTollgate } from './local-tollgate';

const keys = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_KEY = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
/** Embedding rules added to examples/gemini/routes.yaml (its rules list ends the file). */
const EMBEDDING_RULES = `
    - name: gemini-embed
      matches:
        - model: { type: Exact, value: gemini-embed }
      backendRefs:
        - name: gemini
          modelOverride: text-embedding-004
    - name: vertex-embed
      matches:
        - model: { type: Exact, value: vertex-embed }
      backendRefs:
        - name: vertex
          modelOverride: text-embedding-005
`;
const PLACEHOLDER = '-----BEGIN PRIVATE KEY-----\\nREPLACE-WITH-YOUR-KEY\\n-----END PRIVATE KEY-----\\n';

describe('gemini end to end', () => {
  let gemini: MockGemini;
  let tollgate: LocalTollgate;
  let client: OpenAI;

  before(async () => {
    gemini = await startMockGemini({
      apiKey: 'AIza-not-a-real-key',
      serviceAccountPublicKey: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    });
    tollgate = await startLocalTollgate('gemini', {
      gatewayPort: 8080,
      upstreamPorts: { 9401: gemini.port },
      // The example ships a placeholder key; the test's service account is generated here.
      transform: (file, text) =>
        text.replace(PLACEHOLDER, JSON.stringify(PRIVATE_KEY).slice(1, -1)) +
        (file === 'routes.yaml' ? EMBEDDING_RULES : ''),
    });
    client = new OpenAI({ baseURL: tollgate.baseURL, apiKey: 'client-key-not-forwarded', maxRetries: 0 });
  });

  after(async () => {
    await tollgate?.stop();
    await gemini?.close();
  });

  test('Gemini API, not streamed: generateContent with x-goog-api-key, usage mapped', async () => {
    const res = await client.chat.completions.create({
      model: 'gemini-flash',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
      ],
    });
    assert.equal(res.choices[0]?.message.content, 'Hello from mock-gemini (gemini-2.0-flash) — ok. ');
    assert.equal(res.choices[0]?.finish_reason, 'stop');
    assert.equal(res.usage?.prompt_tokens, 22);
    assert.equal(res.usage?.completion_tokens, 13, 'candidates + thoughts');
    assert.equal(res.usage?.completion_tokens_details?.reasoning_tokens, 5);
    assert.equal(res.usage?.prompt_tokens_details?.cached_tokens, 5);
    const seen = gemini.requests.at(-1);
    assert.equal(seen?.path, '/v1beta/models/gemini-2.0-flash:generateContent');
    assert.equal(seen?.headers['x-goog-api-key'], 'AIza-not-a-real-key');
    assert.equal(seen?.headers.authorization, undefined, 'the client key must not reach the provider');
    assert.deepEqual(seen?.body.systemInstruction, { parts: [{ text: 'Be brief.' }] });
  });

  test('Gemini API stream with a function call: SSE -> OpenAI chunks with a tool call', async () => {
    const stream = await client.chat.completions.create({
      model: 'gemini-flash',
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
        name += call.function?.name ?? '';
        args += call.function?.arguments ?? '';
      }
      finish = choice?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.match(text, /Hello from mock-gemini .* — ok/);
    assert.equal(name, 'get_weather');
    assert.deepEqual(JSON.parse(args), { location: 'Paris' });
    assert.equal(finish, 'tool_calls');
    assert.equal(usage?.prompt_tokens, 22);
    assert.equal(
      gemini.requests.at(-1)?.path,
      '/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse',
    );
  });

  test('Vertex AI: service-account token fetched once and reused, streaming and not', async () => {
    const before = gemini.tokensIssued();
    const res = await client.chat.completions.create({
      model: 'vertex-flash',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    assert.match(res.choices[0]?.message.content ?? '', /mock-gemini/);
    const seen = gemini.requests.at(-1);
    assert.equal(
      seen?.path,
      '/v1/projects/my-project/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent',
    );
    assert.match(String(seen?.headers.authorization), /^Bearer ya29\.mock-\d+$/);
    const stream = await client.chat.completions.create({
      model: 'vertex-flash',
      stream: true,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.match(text, /mock-gemini/);
    assert.equal(gemini.requests.at(-1)?.headers.authorization, seen?.headers.authorization);
    assert.equal(gemini.tokensIssued() - before, 1, 'one token for both requests');
  });

  test('a Gemini error keeps its status and becomes an OpenAI error', async () => {
    await assert.rejects(
      client.chat.completions.create(
        { model: 'gemini-flash', messages: [{ role: 'user', content: 'Hi' }] },
        { headers: { 'x-mock-status': '429' } },
      ),
      (e: unknown) =>
        e instanceof OpenAI.APIError && e.status === 429 && /Gemini rate limit reached/.test(e.message),
    );
  });

  test('embeddings on the Gemini API: batchEmbedContents, floats and base64, no invented usage', async () => {
    const res = await client.embeddings.create({
      model: 'gemini-embed',
      input: ['hello world', 'bye'],
      dimensions: 3,
      encoding_format: 'float',
    });
    assert.equal(res.object, 'list');
    assert.deepEqual(
      res.data.map((d) => d.embedding),
      [
        [0.125, 0.25, 0.375],
        [0.125, 0.25, 0.375],
      ],
    );
    assert.equal(res.usage, undefined, 'Gemini reports no token count for embeddings');
    const seen = gemini.requests.at(-1);
    assert.equal(seen?.path, '/v1beta/models/text-embedding-004:batchEmbedContents');
    assert.equal(seen?.headers['x-goog-api-key'], 'AIza-not-a-real-key');
    assert.deepEqual(seen?.body.requests, [
      {
        model: 'models/text-embedding-004',
        content: { parts: [{ text: 'hello world' }] },
        outputDimensionality: 3,
      },
      { model: 'models/text-embedding-004', content: { parts: [{ text: 'bye' }] }, outputDimensionality: 3 },
    ]);
    // The SDK decodes base64 itself when it asked for it; ask through a raw request to see the wire.
    const raw = await fetch(`${tollgate.baseURL}/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer client-key-not-forwarded' },
      body: JSON.stringify({ model: 'gemini-embed', input: 'hi', encoding_format: 'base64' }),
    });
    const doc = (await raw.json()) as { data: Array<{ embedding: string }> };
    const bytes = Buffer.from(doc.data[0]?.embedding ?? '', 'base64');
    assert.deepEqual(
      Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4)),
      [0.125, 0.25, 0.375, 0.5],
    );
  });

  test('embeddings on Vertex AI: predict with the fetched token, usage from token_count', async () => {
    const res = await client.embeddings.create({ model: 'vertex-embed', input: ['hello big world', 'bye'] });
    assert.equal(res.data.length, 2);
    assert.deepEqual(res.data[1]?.embedding, [0.125, 0.25, 0.375, 0.5]);
    assert.equal(res.usage?.prompt_tokens, 4);
    const seen = gemini.requests.at(-1);
    assert.match(String(seen?.path), /\/publishers\/google\/models\/text-embedding-005:predict$/);
    assert.match(String(seen?.headers.authorization), /^Bearer ya29\.mock-/);
    assert.deepEqual(seen?.body.instances, [{ content: 'hello big world' }, { content: 'bye' }]);
    // Without encoding_format the SDK asks for base64 and decodes it: the floats above came that way.
    const asked = await client.embeddings.create({
      model: 'vertex-embed',
      input: 'x',
      encoding_format: 'base64',
    });
    assert.equal(typeof asked.data[0]?.embedding, 'string', 'explicit base64 is handed over as sent');
  });
});

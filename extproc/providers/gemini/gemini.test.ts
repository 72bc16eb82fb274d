// Gemini / Vertex AI specifics beyond the shared conformance suite: Vertex tokens come from a
// service account through google-auth-library against a fake token endpoint (the key file's
// token_uri), are cached and shared by concurrent requests, and a failed fetch is a 502 that
// does not leak the key; tool results are named after their call; JSON Schema keywords Gemini
// refuses are dropped; response_format and named tool_choice map; thinking tokens count as
// reasoning; a stream error event becomes an OpenAI error event.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { GatewayError } from '../../../lib/errors';
import { startMockGemini, type MockGemini } from '../../../test/fakes/mock-gemini';
import type { BackendConfig } from '../../config/schema';
import { parseRequest } from '../../request';
import { vertexTranslator } from './gemini';
import { toGeminiRequest } from './request';
import { toChatCompletion } from './response';
import { GeminiStreamTranslator } from './stream';

const keys = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const privateKey = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const publicKey = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();

const chat = (): ReturnType<typeof parseRequest> =>
  parseRequest(
    'chat',
    Buffer.from(JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })),
  );

function vertexBackend(port: number, email: string, key = privateKey): BackendConfig {
  return {
    key: 'ns/vertex',
    schema: 'VertexAI',
    host: `127.0.0.1:${port}`,
    pathPrefix: '/v1',
    models: [],
    vertex: {
      project: 'p1',
      location: 'us-central1',
      serviceAccount: { clientEmail: email, privateKey: key, tokenUri: `http://127.0.0.1:${port}/token` },
    },
  };
}

async function post(
  port: number,
  path: string,
  headers: Array<[string, string]>,
  body: Buffer,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: 'POST', headers: Object.fromEntries(headers) },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('gemini and vertex translators', () => {
  let mock: MockGemini;
  before(async () => {
    mock = await startMockGemini({ apiKey: 'k', serviceAccountPublicKey: publicKey });
  });
  after(async () => {
    await mock.close();
  });

  it('Vertex: a service-account token from the token endpoint, accepted upstream, cached', async () => {
    const b = vertexBackend(mock.port, 'a@p1.iam.gserviceaccount.com');
    const first = await vertexTranslator.requestBody(chat(), 'gemini-2.0-flash', '/v1/chat/completions', b);
    assert.equal(
      first.path,
      '/v1/projects/p1/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent',
    );
    const auth = new Map(first.headers).get('authorization');
    assert.match(auth ?? '', /^Bearer ya29\.mock-\d+$/);
    assert.equal(
      await post(mock.port, first.path ?? '', first.headers ?? [], first.body ?? Buffer.alloc(0)),
      200,
    );
    const issued = mock.tokensIssued();
    const second = await vertexTranslator.requestBody(chat(), 'gemini-2.0-flash', '/v1/chat/completions', b);
    assert.equal(new Map(second.headers).get('authorization'), auth);
    assert.equal(mock.tokensIssued(), issued, 'the cached token is reused');
  });

  it('Vertex: concurrent requests share one token fetch', async () => {
    const b = vertexBackend(mock.port, 'b@p1.iam.gserviceaccount.com');
    const before = mock.tokensIssued();
    const all = await Promise.all(
      [1, 2, 3].map(() => vertexTranslator.requestBody(chat(), 'g', '/v1/chat/completions', b)),
    );
    assert.equal(mock.tokensIssued() - before, 1);
    assert.equal(new Set(all.map((t) => new Map(t.headers).get('authorization'))).size, 1);
  });

  it('Vertex: a refused assertion is a 502 that does not leak the key', async () => {
    const other = crypto
      .generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const b = vertexBackend(mock.port, 'c@p1.iam.gserviceaccount.com', other);
    await assert.rejects(
      Promise.resolve(vertexTranslator.requestBody(chat(), 'g', '/v1/chat/completions', b)),
      (e: unknown) => e instanceof GatewayError && e.status === 502 && !e.message.includes('PRIVATE KEY'),
    );
  });

  it('maps tool results by name, drops refused schema keywords, maps response_format and a named tool_choice', () => {
    const out = toGeminiRequest({
      messages: [
        { role: 'user', content: 'weather?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'c9', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'c9', content: '{"temp":3}' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            parameters: {
              $schema: 'x',
              type: 'object',
              additionalProperties: false,
              properties: { city: { type: 'string' } },
            },
          },
        },
      ],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      response_format: { type: 'json_object' },
      max_tokens: 50,
    });
    const contents = out.contents as Array<{ role: string; parts: Array<Record<string, unknown>> }>;
    assert.deepEqual(contents[1]?.parts[0], {
      functionCall: { name: 'get_weather', args: { city: 'Oslo' } },
    });
    assert.deepEqual(contents[2], {
      role: 'user',
      parts: [{ functionResponse: { name: 'get_weather', response: { temp: 3 } } }],
    });
    assert.deepEqual(out.tools, [
      {
        functionDeclarations: [
          { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
        ],
      },
    ]);
    assert.deepEqual(out.toolConfig, {
      functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] },
    });
    assert.deepEqual(out.generationConfig, { maxOutputTokens: 50, responseMimeType: 'application/json' });
    assert.throws(
      () => toGeminiRequest({ messages: [{ role: 'tool', tool_call_id: 'nope', content: 'x' }] }),
      (e: unknown) => e instanceof GatewayError && e.param === 'messages[0]',
    );
  });

  it('thinking tokens are completion and reasoning tokens; safety stops are content_filter', () => {
    const doc = toChatCompletion(
      {
        candidates: [
          { content: { parts: [{ text: 'why', thought: true }, { text: 'ok' }] }, finishReason: 'SAFETY' },
        ],
        usageMetadata: {
          promptTokenCount: 10,
          candidatesTokenCount: 4,
          thoughtsTokenCount: 6,
          totalTokenCount: 20,
        },
      },
      1,
      'm',
    );
    const choice = (doc.choices as Array<{ message: { content: string }; finish_reason: string }>)[0];
    assert.equal(choice?.message.content, 'ok');
    assert.equal(choice?.finish_reason, 'content_filter');
    assert.deepEqual(doc.usage, {
      prompt_tokens: 10,
      completion_tokens: 10,
      total_tokens: 20,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 6 },
    });
  });

  it('an error event in a stream becomes an OpenAI error event and ends the stream', () => {
    const t = new GeminiStreamTranslator(1, 'm');
    const out = t
      .push(
        Buffer.from(
          'data: {"error":{"code":500,"message":"Internal error encountered.","status":"INTERNAL"}}\r\n\r\n',
        ),
        true,
      )
      .toString();
    assert.equal(
      out,
      'data: {"error":{"message":"Internal error encountered.","type":"server_error","param":null,"code":"INTERNAL"}}\n\n',
    );
  });
});

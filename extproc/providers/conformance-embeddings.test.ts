// The embeddings part of the translator conformance suite, for the backends with their own
// embedding APIs (Bedrock Titan and Cohere, Gemini, Vertex AI): the upstream path and body, the
// answer as an OpenAI list (float and base64, little-endian float32), usage only when the
// backend counts tokens, errors, and refused parameters (rejected, or dropped and named).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../lib/errors';
import type { BackendConfig } from '../config/schema';
import { parseRequest } from '../request';
import { BEDROCK_COHERE_EMBEDDING, BEDROCK_TITAN_EMBEDDING } from './conformance-fixtures-bedrock';
import { GEMINI_BATCH_EMBEDDING, VERTEX_EMBEDDING } from './conformance-fixtures-gemini';
import { translatorFor } from './index';
import { UnsupportedParameters } from './unsupported';

type Json = Record<string, unknown>;
const base = { host: 'h', pathPrefix: '', models: [] };

interface EmbedCase {
  name: string;
  backend: BackendConfig;
  model: string;
  input: string | string[];
  path: string;
  upstream: Json;
  answer: unknown;
  tokens: number | undefined;
  refused: Json[];
}

const BEDROCK: BackendConfig = {
  ...base,
  key: 'ns/bedrock',
  schema: 'Bedrock',
  bedrock: { region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 's' } },
};

const CASES: EmbedCase[] = [
  {
    name: 'Bedrock Titan v2',
    backend: BEDROCK,
    model: 'amazon.titan-embed-text-v2:0',
    input: 'hello world',
    path: '/model/amazon.titan-embed-text-v2%3A0/invoke',
    upstream: { inputText: 'hello world', dimensions: 256 },
    answer: BEDROCK_TITAN_EMBEDDING,
    tokens: 4,
    refused: [{ user: 'u1' }],
  },
  {
    name: 'Bedrock Cohere',
    backend: BEDROCK,
    model: 'cohere.embed-english-v3',
    input: ['hello world', 'bye'],
    path: '/model/cohere.embed-english-v3/invoke',
    upstream: { texts: ['hello world', 'bye'], input_type: 'search_document' },
    answer: BEDROCK_COHERE_EMBEDDING,
    tokens: undefined,
    refused: [{ user: 'u1' }, { dimensions: 256 }],
  },
  {
    name: 'Gemini',
    backend: { ...base, pathPrefix: '/v1beta', key: 'ns/g', schema: 'Gemini' },
    model: 'text-embedding-004',
    input: ['hello world', 'bye'],
    path: '/v1beta/models/text-embedding-004:batchEmbedContents',
    upstream: {
      requests: ['hello world', 'bye'].map((text) => ({
        model: 'models/text-embedding-004',
        content: { parts: [{ text }] },
        outputDimensionality: 256,
      })),
    },
    answer: GEMINI_BATCH_EMBEDDING,
    tokens: undefined,
    refused: [{ user: 'u1' }],
  },
  {
    name: 'VertexAI',
    backend: {
      ...base,
      pathPrefix: '/v1',
      key: 'ns/v',
      schema: 'VertexAI',
      auth: { header: 'authorization', value: 'Bearer t' },
      vertex: { project: 'p', location: 'us-central1' },
    },
    model: 'text-embedding-005',
    input: ['hello world', 'bye'],
    path: '/v1/projects/p/locations/us-central1/publishers/google/models/text-embedding-005:predict',
    upstream: {
      instances: [{ content: 'hello world' }, { content: 'bye' }],
      parameters: { outputDimensionality: 256 },
    },
    answer: VERTEX_EMBEDDING,
    tokens: 4,
    refused: [{ user: 'u1' }],
  },
];

async function request(c: EmbedCase, body: Json, unsupported = new UnsupportedParameters()) {
  const parsed = parseRequest('embeddings', Buffer.from(JSON.stringify({ model: 'client', ...body })));
  const out = await translatorFor(c.backend.schema).requestBody(
    parsed,
    c.model,
    '/v1/embeddings',
    c.backend,
    unsupported,
  );
  return { path: out.path, headers: out.headers ?? [], body: JSON.parse(String(out.body)) as Json };
}

function respond(
  c: EmbedCase,
  status: number,
  payload: string,
  format?: string,
): { type: string; doc: Json } {
  const parsed = parseRequest(
    'embeddings',
    Buffer.from(JSON.stringify({ model: 'client', input: 'x', encoding_format: format })),
  );
  const rt = translatorFor(c.backend.schema).responseTranslator(parsed);
  assert.ok(rt);
  const type = rt.headers(status, 'application/json');
  const bytes = Buffer.from(payload);
  const half = Math.floor(bytes.length / 2);
  const out = Buffer.concat([rt.body(bytes.subarray(0, half), false), rt.body(bytes.subarray(half), true)]);
  return { type, doc: JSON.parse(out.toString('utf8')) as Json };
}

const floats = (b64: unknown): number[] => {
  const bytes = Buffer.from(String(b64), 'base64');
  return Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
};

for (const c of CASES) {
  void describe(`embeddings conformance: ${c.name}`, () => {
    void it('maps the request: path, body, dimensions', async () => {
      const dims = c.refused.some((r) => 'dimensions' in r) ? {} : { dimensions: 256 };
      const out = await request(c, { input: c.input, ...dims });
      assert.equal(out.path, c.path);
      assert.deepEqual(out.body, c.upstream);
      if (c.backend.schema === 'Bedrock')
        assert.match(out.headers.find(([n]) => n === 'authorization')?.[1] ?? '', /^AWS4-HMAC-SHA256 /);
    });

    void it('answers an OpenAI list, floats and base64, usage only when counted', () => {
      const { type, doc } = respond(c, 200, JSON.stringify(c.answer));
      assert.equal(type, 'application/json');
      assert.equal(doc.object, 'list');
      assert.equal(doc.model, 'client');
      const data = doc.data as Json[];
      assert.deepEqual(data[0], { object: 'embedding', index: 0, embedding: [0.5, -0.25, 0.125] });
      if (data.length > 1) assert.deepEqual(data[1]?.embedding, [1, 0, -1]);
      if (c.tokens === undefined) assert.equal(doc.usage, undefined);
      else assert.deepEqual(doc.usage, { prompt_tokens: c.tokens, total_tokens: c.tokens });
      const b64 = respond(c, 200, JSON.stringify(c.answer), 'base64').doc.data as Json[];
      assert.equal(typeof b64[0]?.embedding, 'string');
      assert.deepEqual(floats(b64[0]?.embedding), [0.5, -0.25, 0.125]);
    });

    void it('maps errors and unreadable answers to OpenAI error bodies', () => {
      const err = respond(c, 429, JSON.stringify({ message: 'slow down', error: { message: 'slow down' } }));
      assert.match(String((err.doc.error as Json).message), /rate limit/i);
      const bad = respond(c, 200, JSON.stringify({ nothing: true }));
      assert.ok(bad.doc.error, 'an answer without vectors is an error');
    });

    void it('refuses unsupported parameters naming them, or drops them under Drop', async () => {
      const plain = await request(c, { input: c.input });
      for (const extra of c.refused) {
        const [name] = Object.keys(extra);
        await assert.rejects(
          request(c, { input: c.input, ...extra }),
          (e: unknown) => e instanceof GatewayError && e.status === 400 && e.param === name,
        );
        const drop = new UnsupportedParameters('Drop');
        assert.deepEqual((await request(c, { input: c.input, ...extra }, drop)).body, plain.body);
        assert.deepEqual(drop.droppedParameters(), [name]);
      }
      for (const bad of [{ input: [1, 2, 3] }, { input: [] }, { input: c.input, encoding_format: 'int8' }])
        await assert.rejects(request(c, bad), (e: unknown) => e instanceof GatewayError && e.status === 400);
    });
  });
}

void it('Titan takes one text per call: several inputs are refused naming input', async () => {
  await assert.rejects(
    request(CASES[0] as EmbedCase, { input: ['a', 'b'] }),
    (e: unknown) => e instanceof GatewayError && e.param === 'input',
  );
});

void it('Bedrock refuses models with no known embedding body, naming model', async () => {
  const c = { ...(CASES[0] as EmbedCase), model: 'anthropic.claude-3-5-haiku-20241022-v1:0' };
  await assert.rejects(
    request(c, { input: 'x' }),
    (e: unknown) => e instanceof GatewayError && e.param === 'model',
  );
});

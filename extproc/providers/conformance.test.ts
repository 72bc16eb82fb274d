// One conformance suite run against every backend translator (OpenAI, AzureOpenAI, Anthropic,
// Bedrock, Gemini, VertexAI):
// request mapping (system, tools, images, multi-turn tool results, defaults), non-streamed and
// streamed responses (tool-call arguments split across events, events split across network
// chunks at every byte), usage, errors, and refused parameters (rejected, or dropped and named,
// by the route's unsupportedParameters policy). Each translator supplies how to
// read its upstream request into a common view; the assertions are shared.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../lib/errors';
import { ANTHROPIC, OPENAI } from './conformance-fixtures';
import { BEDROCK } from './conformance-fixtures-bedrock';
import { GEMINI } from './conformance-fixtures-gemini';
import { readBedrock, readGemini } from './conformance-readers';
import {
  assemble,
  base,
  o,
  arr,
  readAnthropic,
  readOpenAI,
  translateRequest,
  translateResponse,
  type Case,
  type Json,
} from './conformance-harness';
import { translatorFor } from './index';
import { UnsupportedParameters } from './unsupported';

const CASES: Case[] = [
  {
    schema: 'OpenAI',
    backend: {
      ...base,
      key: 'ns/openai',
      schema: 'OpenAI',
      auth: { header: 'authorization', value: 'Bearer sk' },
    },
    fixtures: OPENAI,
    path: '/v1/chat/completions',
    credential: ['authorization', 'Bearer sk'],
    read: readOpenAI,
    refused: [],
  },
  {
    schema: 'AzureOpenAI',
    backend: {
      ...base,
      pathPrefix: '',
      key: 'ns/azure',
      schema: 'AzureOpenAI',
      auth: { header: 'api-key', value: 'az' },
      azure: { apiVersion: '2024-10-21' },
    },
    fixtures: OPENAI,
    path: '/openai/deployments/target-model/chat/completions?api-version=2024-10-21',
    credential: ['api-key', 'az'],
    read: readOpenAI,
    refused: [],
  },
  {
    schema: 'Anthropic',
    backend: {
      ...base,
      key: 'ns/claude',
      schema: 'Anthropic',
      auth: { header: 'x-api-key', value: 'sk-ant' },
    },
    fixtures: ANTHROPIC,
    path: '/v1/messages',
    credential: ['x-api-key', 'sk-ant'],
    read: readAnthropic,
    refused: [{ n: 2 }, { logprobs: true }, { top_logprobs: 2 }, { logit_bias: { '1': 2 } }, { seed: 7 }],
  },
  {
    schema: 'Bedrock',
    backend: {
      ...base,
      host: 'bedrock-runtime.us-east-1.amazonaws.com',
      pathPrefix: '',
      key: 'ns/bedrock',
      schema: 'Bedrock',
      bedrock: {
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      },
    },
    fixtures: BEDROCK,
    model: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
    path: '/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse',
    credential: [
      'authorization',
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
    ],
    read: readBedrock,
    types: { json: 'application/json', stream: 'application/vnd.amazon.eventstream' },
    refused: [
      { n: 2 },
      { logprobs: true },
      { top_logprobs: 2 },
      { logit_bias: { '1': 2 } },
      { seed: 7 },
      { presence_penalty: 0.5 },
      { parallel_tool_calls: false },
      { response_format: { type: 'json_object' } },
    ],
  },
  {
    schema: 'Gemini',
    backend: {
      ...base,
      pathPrefix: '/v1beta',
      key: 'ns/gemini',
      schema: 'Gemini',
      auth: { header: 'x-goog-api-key', value: 'AIza-test' },
    },
    fixtures: GEMINI,
    path: '/v1beta/models/target-model:generateContent',
    credential: ['x-goog-api-key', 'AIza-test'],
    read: readGemini,
    refused: [
      { n: 2 },
      { logprobs: true },
      { top_logprobs: 2 },
      { logit_bias: { '1': 2 } },
      { parallel_tool_calls: false },
    ],
    skip: { 'tool-result ids': 'Gemini pairs a functionResponse with its call by function name, not id' },
  },
  {
    schema: 'VertexAI',
    backend: {
      ...base,
      pathPrefix: '/v1',
      key: 'ns/vertex',
      schema: 'VertexAI',
      auth: { header: 'authorization', value: 'Bearer ya29.static' },
      vertex: { project: 'my-project', location: 'europe-west4' },
    },
    fixtures: GEMINI,
    path: '/v1/projects/my-project/locations/europe-west4/publishers/google/models/target-model:generateContent',
    credential: ['authorization', 'Bearer ya29.static'],
    read: readGemini,
    refused: [{ n: 2 }, { logit_bias: { '1': 2 } }],
    skip: { 'tool-result ids': 'Vertex AI pairs a functionResponse with its call by function name, not id' },
  },
];

const PNG = 'data:image/png;base64,iVBORw0KGgo=';
const CONVERSATION = {
  model: 'client-model',
  messages: [
    { role: 'system', content: 'Be brief.' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'Weather in this city?' },
        { type: 'image_url', image_url: { url: PNG } },
      ],
    },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_1', content: '18C, sunny' },
    { role: 'user', content: 'Thanks. And tomorrow?' },
  ],
  tools: [
    {
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'Weather',
        parameters: { type: 'object', properties: { city: { type: 'string' } } },
      },
    },
  ],
  tool_choice: 'auto',
  stop: 'END',
  temperature: 0.2,
  max_tokens: 300,
};

for (const c of CASES) {
  const t = translatorFor(c.schema);
  void describe(`translator conformance: ${c.schema}`, () => {
    void it('maps the request: path, credentials, model, system, turns, tools, image, parameters', async () => {
      const { path, headers, body } = await translateRequest(c, CONVERSATION);
      assert.equal(path, c.path);
      const [name, value] = c.credential;
      const sent = headers.find(([n]) => n === name);
      if (typeof value === 'string') assert.deepEqual(sent, c.credential);
      else assert.match(sent?.[1] ?? '', value);
      const r = c.read(body, path);
      assert.equal(r.model, c.model ?? 'target-model');
      assert.equal(r.system, 'Be brief.');
      assert.deepEqual(r.turns, [
        { role: 'user', kinds: ['text', 'image'] },
        { role: 'assistant', kinds: ['tool_use'] },
        { role: 'user', kinds: ['tool_result', 'text'] },
      ]);
      assert.deepEqual(r.tools, ['get_weather']);
      assert.equal(r.toolChoice, 'auto');
      assert.equal(r.maxTokens, 300);
      assert.deepEqual(r.stop, ['END']);
      assert.equal(r.temperature, 0.2);
      assert.equal(r.image, PNG);
    });

    void it('keeps multi-turn tool results paired with their calls', async () => {
      const { body } = await translateRequest(c, CONVERSATION);
      const text = JSON.stringify(body);
      if (c.skip?.['tool-result ids'] === undefined) assert.match(text, /call_1/);
      else assert.equal((text.match(/get_weather/g) ?? []).length, 3, 'declaration, call and result by name');
      assert.match(text, /18C, sunny/);
      assert.match(text, /Paris/);
    });

    void it('maps a non-streamed response: text, finish_reason, usage', () => {
      const payload = JSON.stringify(c.fixtures.json);
      const out = translateResponse(t, 200, c.types?.json ?? 'application/json', payload, [7, 100], false);
      assert.equal(out.type, 'application/json');
      const doc = JSON.parse(out.body) as Json;
      assert.equal(doc.object, 'chat.completion');
      const choice = o(arr(doc.choices)[0]);
      assert.equal(o(choice.message).content, 'Hello!');
      assert.equal(choice.finish_reason, 'stop');
      assert.deepEqual(
        { p: o(doc.usage).prompt_tokens, c: o(doc.usage).completion_tokens, t: o(doc.usage).total_tokens },
        { p: 25, c: 12, t: 37 },
      );
      assert.equal(o(o(doc.usage).prompt_tokens_details).cached_tokens, 10);
    });

    void it('maps a stream with tool-call arguments split across events, cut at every byte', () => {
      const sse = c.fixtures.sse;
      const type = c.types?.stream ?? 'text/event-stream';
      const expected = assemble(translateResponse(t, 200, type, sse, [], true).body);
      assert.equal(expected.content, 'Hi');
      assert.equal(expected.calls.length, 1);
      assert.equal(expected.calls[0]?.name, 'get_weather');
      assert.match(String(expected.calls[0]?.id), /\w+/);
      assert.deepEqual(JSON.parse(expected.calls[0]?.arguments ?? ''), { city: 'Paris' });
      assert.equal(expected.finish, 'tool_calls');
      assert.equal(expected.usage?.prompt_tokens, 25);
      assert.equal(expected.usage?.completion_tokens, 12);
      assert.equal(o(expected.usage?.prompt_tokens_details).cached_tokens, 10);
      assert.equal(expected.done, true);
      const length = Buffer.byteLength(sse);
      for (let cut = 1; cut < length; cut += 1) {
        const out = translateResponse(t, 200, type, sse, [cut, cut + 1, cut + 13], true);
        assert.deepEqual(assemble(out.body), expected, `cut at ${cut}`);
      }
      if (typeof sse !== 'string') return; // binary event streams have no line endings
      const crlf = sse.replace(/\r?\n/g, '\r\n');
      for (let cut = 1; cut < crlf.length; cut += 7) {
        const out = translateResponse(t, 200, 'text/event-stream', crlf, [cut], true);
        assert.deepEqual(assemble(out.body), expected, `CRLF cut at ${cut}`);
      }
    });

    void it('maps errors to OpenAI error bodies under the same status (429 and 5xx stay retriable)', () => {
      const limited = translateResponse(
        t,
        429,
        'application/json',
        JSON.stringify(c.fixtures.rateLimited),
        [5],
        false,
      );
      const error = o(o(JSON.parse(limited.body)).error);
      assert.equal(limited.type, 'application/json');
      assert.match(String(error.message), /rate limit/i);
      assert.ok(typeof error.type === 'string' && error.type !== '');
      const { status, body } = c.fixtures.overloaded;
      const overloaded = translateResponse(t, status, 'application/json', JSON.stringify(body), [], false);
      assert.match(String(o(o(JSON.parse(overloaded.body)).error).message), /overloaded/i);
    });

    void it('refuses parameters the backend cannot honour with a 400 naming them', async () => {
      for (const extra of c.refused) {
        const [name] = Object.keys(extra);
        await assert.rejects(
          translateRequest(c, { ...CONVERSATION, ...extra }),
          (e: unknown) =>
            e instanceof GatewayError &&
            e.status === 400 &&
            e.param === name &&
            e.message.includes(String(name)),
        );
      }
    });

    void it('drops them under the Drop policy: the request is as if they were absent, and named', async () => {
      const plain = await translateRequest(c, CONVERSATION);
      for (const extra of c.refused) {
        const [name] = Object.keys(extra);
        const unsupported = new UnsupportedParameters('Drop');
        const out = await translateRequest(c, { ...CONVERSATION, ...extra }, false, unsupported);
        assert.deepEqual(out.body, plain.body);
        assert.deepEqual(unsupported.droppedParameters(), [name]);
        assert.match(
          String(unsupported.warning()),
          new RegExp(`^dropped parameter ${String(name)} \\(not supported by `),
        );
      }
    });

    if (c.refused.length === 0)
      void it('passes parameters through unchanged under either policy, reporting none', async () => {
        const extra = { logprobs: true, top_logprobs: 2, seed: 7, logit_bias: { '1': 2 } };
        for (const policy of ['Reject', 'Drop'] as const) {
          const unsupported = new UnsupportedParameters(policy);
          const out = await translateRequest(c, { ...CONVERSATION, ...extra }, false, unsupported);
          assert.deepEqual(
            { ...out.body, model: undefined },
            { ...CONVERSATION, ...extra, model: undefined, stream: false },
          );
          assert.equal(unsupported.warning(), undefined);
        }
      });
  });
}

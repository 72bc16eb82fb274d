// Translated backends through the real extproc gRPC server, driven like Envoy drives both
// levels: the Anthropic and Azure attempts get their paths, credentials and bodies, responses
// come back OpenAI-shaped (JSON and SSE, translated at the upstream level in STREAMED mode,
// without a stale content-length), usage is counted from the translated response, and an
// unsupported parameter is refused with a 400 naming it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ProcessorConfig } from '../config/schema';
import { exchange } from '../../test/envoy-harness/exchange';
import {
  GATEWAY,
  chatHeaders,
  sampleConfig,
  startExtproc,
  type Running,
} from '../../test/envoy-harness/fixtures';
import { ANTHROPIC } from './conformance-fixtures';

function config(): ProcessorConfig {
  const c = sampleConfig();
  c.backends['default/claude'] = {
    key: 'default/claude',
    schema: 'Anthropic',
    host: 'api.anthropic.example',
    pathPrefix: '/v1',
    auth: { header: 'x-api-key', value: 'sk-ant-secret' },
    models: [],
  };
  c.backends['default/azure'] = {
    key: 'default/azure',
    schema: 'AzureOpenAI',
    host: 'x.openai.azure.com',
    pathPrefix: '',
    auth: { header: 'api-key', value: 'az-secret' },
    azure: { apiVersion: '2025-01-01-preview' },
    models: [],
  };
  const route = c.routes['default/chat/0'];
  assert.ok(route);
  route.backends = [
    { backend: 'default/claude', weight: 1, priority: 0, modelOverride: 'claude-sonnet-4-20250514' },
    { backend: 'default/azure', weight: 1, priority: 1, modelOverride: 'my-gpt4o' },
  ];
  return c;
}

const request = (extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], ...extra });

describe('translated backends through extproc', () => {
  let x: Running;
  before(async () => {
    x = await startExtproc(config());
  });
  after(async () => {
    await x.stop();
  });

  it('Anthropic, not streamed: request translated, response and usage mapped', async () => {
    const result = await exchange(x.client, {
      gateway: GATEWAY,
      headers: chatHeaders({ authorization: 'Bearer client-key' }),
      body: request(),
      backend: 'default/claude',
      upstream: () => ({
        status: 200,
        headers: { 'content-type': 'application/json', 'content-length': '999' },
        chunks: [JSON.stringify(ANTHROPIC.json).slice(0, 40), JSON.stringify(ANTHROPIC.json).slice(40)],
      }),
    });
    const up = result.upstreamRequest;
    assert.ok(up);
    assert.equal(up.headers.get(':path'), '/v1/messages');
    assert.equal(up.headers.get('x-api-key'), 'sk-ant-secret');
    assert.equal(up.headers.get('anthropic-version'), '2023-06-01');
    assert.equal(up.headers.has('authorization'), false);
    const sent = JSON.parse(up.body.toString()) as Record<string, unknown>;
    assert.deepEqual(sent, {
      model: 'claude-sonnet-4-20250514',
      max_tokens: 4096,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    });
    assert.equal(up.headers.get('content-length'), String(up.body.length));
    assert.equal(result.upstreamResponseBodyMode, 'STREAMED');
    assert.equal(result.status, 200);
    assert.equal(result.headers.has('content-length'), false);
    const doc = JSON.parse(result.body.toString()) as { choices: Array<{ message: { content: string } }> };
    assert.equal(doc.choices[0]?.message.content, 'Hello!');
    const metrics = await x.server.metrics.registry.metrics();
    assert.match(metrics, /backend="default\/claude"[^\n]*gen_ai_token_type="input"\} 25/);
  });

  it('Anthropic, streamed: OpenAI chunks, usage chunk hidden from a client that did not ask', async () => {
    const sse = ANTHROPIC.sse;
    const result = await exchange(x.client, {
      gateway: GATEWAY,
      headers: chatHeaders(),
      body: request({ stream: true }),
      backend: 'default/claude',
      upstream: () => ({
        status: 200,
        headers: { 'content-type': 'text/event-stream; charset=utf-8' },
        chunks: [sse.slice(0, 333), sse.slice(333, 334), sse.slice(334)],
      }),
    });
    const body = result.body.toString();
    assert.equal(result.headers.get('content-type'), 'text/event-stream');
    assert.match(body, /"content":"Hi"/);
    assert.match(body, /"arguments":"\{\\"ci"/);
    assert.match(body, /"finish_reason":"tool_calls"/);
    assert.doesNotMatch(body, /"usage"/);
    assert.match(body, /data: \[DONE\]\n\n$/);
  });

  it('Anthropic errors keep their status and become OpenAI errors', async () => {
    const result = await exchange(x.client, {
      gateway: GATEWAY,
      headers: chatHeaders(),
      body: request(),
      backend: 'default/claude',
      upstream: () => ({
        status: 529,
        headers: { 'content-type': 'application/json' },
        chunks: [JSON.stringify(ANTHROPIC.overloaded.body)],
      }),
    });
    assert.equal(result.status, 529);
    assert.deepEqual(JSON.parse(result.body.toString()), {
      error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded_error' },
    });
  });

  it('refuses a parameter Anthropic cannot honour with a 400 naming it', async () => {
    const result = await exchange(x.client, {
      gateway: GATEWAY,
      headers: chatHeaders(),
      body: request({ n: 3 }),
      backend: 'default/claude',
      upstream: () => assert.fail('must not reach upstream'),
    });
    assert.equal(result.status, 400);
    assert.equal(result.immediate?.level, 'upstream');
    assert.equal((JSON.parse(result.body.toString()) as { error: { param: string } }).error.param, 'n');
  });

  it('Azure OpenAI: deployment path from the model override, api-version, api-key; response untouched', async () => {
    const result = await exchange(x.client, {
      gateway: GATEWAY,
      headers: chatHeaders(),
      body: request(),
      backend: 'default/azure',
      upstream: () => ({
        status: 200,
        headers: { 'content-type': 'application/json' },
        chunks: [JSON.stringify({ object: 'chat.completion', choices: [], usage: { prompt_tokens: 1 } })],
      }),
    });
    const up = result.upstreamRequest;
    assert.ok(up);
    assert.equal(
      up.headers.get(':path'),
      '/openai/deployments/my-gpt4o/chat/completions?api-version=2025-01-01-preview',
    );
    assert.equal(up.headers.get('api-key'), 'az-secret');
    assert.equal(result.upstreamResponseBodyMode, 'NONE');
    assert.equal(result.status, 200);
  });
});

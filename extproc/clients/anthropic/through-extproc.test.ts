// Anthropic Messages clients through the real extproc gRPC server, both levels driven as Envoy
// drives them: the router level rewrites the body and :path (in the answer that sets the routing
// header and clears the route cache), the upstream level sees an ordinary chat request, and the
// answer comes back as an Anthropic message, stream or error — from an OpenAI backend and from
// an Anthropic one (Anthropic -> OpenAI at the upstream level -> Anthropic at the router level).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ProcessorConfig } from '../../config/schema';
import { exchange } from '../../../test/envoy-harness/exchange';
import { GATEWAY, sampleConfig, startExtproc, type Running } from '../../../test/envoy-harness/fixtures';
import { sha256Hex } from '../../identity/keys';
import { ANTHROPIC } from '../../providers/conformance-fixtures';
import { OPENAI_TOOL_COMPLETION, OPENAI_TOOL_STREAM, OPENAI_TOOL_STREAM_AS_ANTHROPIC } from './fixtures';

type Json = Record<string, unknown>;

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
  const claude = c.routes['default/team/0'];
  assert.ok(claude);
  // claude-* on any host, served by the Anthropic backend; drops what has no OpenAI equivalent.
  c.routes['default/team/0'] = {
    ...claude,
    hostnames: [],
    matches: [{ model: { type: 'Prefix', value: 'claude-' }, headers: [] }],
    backends: [{ backend: 'default/claude', weight: 1, priority: 0 }],
    unsupportedParameters: 'Drop',
  };
  return c;
}

const headers = (extra: Record<string, string> = {}): Record<string, string> => ({
  ':method': 'POST',
  ':path': '/v1/messages',
  ':authority': 'gw.example',
  ':scheme': 'http',
  'content-type': 'application/json',
  'anthropic-version': '2023-06-01',
  'x-api-key': 'client-key',
  ...extra,
});

const messages = (extra: Json = {}): string =>
  JSON.stringify({ model: 'gpt-4o', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], ...extra });

function events(sse: string): Json[] {
  return sse
    .split('\n\n')
    .filter((e) => e !== '')
    .map((e) => JSON.parse(e.split('\n')[1]?.replace(/^data: /, '') ?? '') as Json);
}

describe('Anthropic clients through extproc', () => {
  let x: Running;
  before(async () => {
    x = await startExtproc(config());
  });
  after(async () => {
    await x.stop();
  });

  it('OpenAI backend, not streamed: chat request upstream, Anthropic message back, usage counted', async () => {
    const json = JSON.stringify(OPENAI_TOOL_COMPLETION);
    const result = await exchange(x.client, {
      gateway: GATEWAY,
      headers: headers(),
      body: messages({ system: 'Be brief.' }),
      backend: 'default/openai',
      upstream: () => ({
        status: 200,
        headers: { 'content-type': 'application/json', 'content-length': String(json.length) },
        chunks: [json.slice(0, 50), json.slice(50)],
      }),
    });
    assert.equal(result.clearRouteCache, true);
    assert.equal(result.routedHeaders.get(':path'), '/v1/chat/completions');
    const up = result.upstreamRequest;
    assert.ok(up);
    assert.equal(up.headers.get(':path'), '/v1/chat/completions');
    assert.equal(up.headers.has('x-api-key'), false, 'the client key must not reach the provider');
    assert.deepEqual(JSON.parse(up.body.toString()), {
      model: 'gpt-4o',
      max_tokens: 100,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
    });
    assert.equal(result.status, 200);
    assert.equal(result.headers.has('content-length'), false);
    const doc = JSON.parse(result.body.toString()) as Json;
    assert.equal(doc.type, 'message');
    assert.equal(doc.stop_reason, 'tool_use');
    assert.deepEqual((doc.content as Json[])[1], {
      type: 'tool_use',
      id: 'call_abc',
      name: 'get_weather',
      input: { location: 'San Francisco, CA' },
    });
    const metrics = await x.server.metrics.registry.metrics();
    assert.match(metrics, /backend="default\/openai"[^\n]*gen_ai_token_type="input"\} 2095/);
  });

  it('OpenAI backend, streamed: usage chunk requested upstream, tool arguments stream as input_json_delta', async () => {
    const bytes = Buffer.from(OPENAI_TOOL_STREAM);
    const result = await exchange(x.client, {
      gateway: GATEWAY,
      headers: headers(),
      body: messages({ stream: true }),
      backend: 'default/openai',
      upstream: () => ({
        status: 200,
        headers: { 'content-type': 'text/event-stream' },
        chunks: [bytes.subarray(0, 101), bytes.subarray(101, 900), bytes.subarray(900)],
      }),
    });
    const sent = JSON.parse(result.upstreamRequest?.body.toString() ?? '{}') as Json;
    assert.deepEqual(sent.stream_options, { include_usage: true });
    assert.equal(result.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.deepEqual(events(result.body.toString()), OPENAI_TOOL_STREAM_AS_ANTHROPIC);
  });

  it('Anthropic backend, streamed: converted twice, nothing lost', async () => {
    const sse = Buffer.from(ANTHROPIC.sse);
    const result = await exchange(x.client, {
      gateway: GATEWAY,
      headers: headers(),
      body: messages({ model: 'claude-sonnet-4', stream: true, top_k: 5 }),
      backend: 'default/claude',
      upstream: () => ({
        status: 200,
        headers: { 'content-type': 'text/event-stream; charset=utf-8' },
        chunks: [sse.subarray(0, 333), sse.subarray(333, 334), sse.subarray(334)],
      }),
    });
    const up = result.upstreamRequest;
    assert.equal(up?.headers.get(':path'), '/v1/messages');
    assert.equal(up?.headers.get('x-api-key'), 'sk-ant-secret');
    const sent = JSON.parse(up?.body.toString() ?? '{}') as Json;
    assert.equal(sent.max_tokens, 100);
    assert.equal('top_k' in sent, false);
    assert.match(result.headers.get('tollgate-warning') ?? '', /dropped parameter top_k/);
    const out = events(result.body.toString());
    const json = out
      .filter((e) => e.type === 'content_block_delta' && (e.delta as Json).type === 'input_json_delta')
      .map((e) => (e.delta as Json).partial_json)
      .join('');
    assert.deepEqual(JSON.parse(json), { city: 'Paris' });
    const delta = out.find((e) => e.type === 'message_delta');
    assert.deepEqual(delta?.delta, { stop_reason: 'tool_use', stop_sequence: null });
    // 10 input + 5 cache write + 10 cache read upstream; Anthropic's input_tokens leaves reads out.
    assert.deepEqual(delta?.usage, {
      input_tokens: 15,
      output_tokens: 12,
      cache_read_input_tokens: 10,
      cache_creation_input_tokens: null,
    });
    assert.equal(out.at(-1)?.type, 'message_stop');
  });

  it('upstream errors keep their status and become Anthropic errors', async () => {
    const result = await exchange(x.client, {
      gateway: GATEWAY,
      headers: headers(),
      body: messages({ model: 'claude-sonnet-4' }),
      backend: 'default/claude',
      upstream: () => ({
        status: 529,
        headers: { 'content-type': 'application/json' },
        chunks: [JSON.stringify(ANTHROPIC.overloaded.body)],
      }),
    });
    assert.equal(result.status, 529);
    assert.equal(result.headers.get('content-type'), 'application/json');
    assert.deepEqual(JSON.parse(result.body.toString()), {
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    });
  });

  it("the gateway's own refusals are Anthropic-shaped: unknown model, missing max_tokens, top_k under Reject", async () => {
    const refused = async (body: string) => {
      const r = await exchange(x.client, {
        gateway: GATEWAY,
        headers: headers(),
        body,
        backend: 'default/openai',
        upstream: () => assert.fail('must not reach upstream'),
      });
      assert.equal(r.immediate?.level, 'router');
      const doc = JSON.parse(r.body.toString()) as { type: string; error: { type: string; message: string } };
      assert.equal(doc.type, 'error');
      return { status: r.status, ...doc.error };
    };
    assert.deepEqual(await refused(messages({ model: 'nope' })), {
      status: 404,
      type: 'not_found_error',
      message: 'The model `nope` does not exist or you do not have access to it.',
    });
    const noMax = await refused(
      JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
    );
    assert.equal(noMax.status, 400);
    assert.match(noMax.message, /max_tokens/);
    const topK = await refused(messages({ top_k: 3 }));
    assert.equal(topK.type, 'invalid_request_error');
    assert.match(topK.message, /'top_k'/);
  });
});

describe('Anthropic clients authenticate with x-api-key', () => {
  const KEY = 'tg_anthropic_client_key_0123456789abcdef';
  let x: Running;
  before(async () => {
    const c = config();
    c.clientPolicies['default/keys'] = {
      key: 'default/keys',
      apiKeys: { keys: [{ name: 'default/agent', sha256: sha256Hex(KEY), user: 'agent' }] },
      unauthenticated: 'Reject',
      access: { rules: [], default: 'Allow' },
    };
    const gateway = c.gateways[GATEWAY];
    assert.ok(gateway);
    gateway.clientPolicy = 'default/keys';
    x = await startExtproc(c);
  });
  after(async () => {
    await x.stop();
  });

  const call = (key: string) =>
    exchange(x.client, {
      gateway: GATEWAY,
      headers: headers({ 'x-api-key': key }),
      body: messages(),
      backend: 'default/openai',
      upstream: (req) => {
        assert.equal(req.headers.has('x-api-key'), false, 'the client key must not reach the provider');
        const json = JSON.stringify(OPENAI_TOOL_COMPLETION);
        return { status: 200, headers: { 'content-type': 'application/json' }, chunks: [json] };
      },
    });

  it('a known key passes; an unknown one gets an Anthropic authentication_error', async () => {
    const ok = await call(KEY);
    assert.equal(ok.status, 200);
    assert.equal((JSON.parse(ok.body.toString()) as Json).type, 'message');
    const refused = await call('tg_wrong');
    assert.equal(refused.status, 401);
    assert.equal(refused.immediate?.level, 'router');
    const doc = JSON.parse(refused.body.toString()) as { type: string; error: { type: string } };
    assert.equal(doc.type, 'error');
    assert.equal(doc.error.type, 'authentication_error');
  });
});

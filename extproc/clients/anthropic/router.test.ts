// The router level with an Anthropic client and guardrails in play, driven directly: request
// guardrails see the converted (OpenAI-shaped) body, the converted body goes upstream when a
// guardrail redacts nothing, and the response order is upstream bytes -> guardrail filter ->
// usage scan -> Anthropic conversion (a redaction made by the filter reaches the client as an
// Anthropic text_delta; a block becomes an Anthropic error).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../../lib/errors';
import { sampleConfig } from '../../../test/envoy-harness/fixtures';
import type { GuardrailConfig } from '../../config/schema';
import type { ProcessingResponse } from '../../messages';
import { RouterProcessor } from '../../processor/router';
import { requestBody, requestHeaders, testContext } from '../../processor/testing';
import type { GuardrailService, ResponseFilter } from '../../services';

type Json = Record<string, unknown>;

function responseHeaders(status: number, contentType: string) {
  const headers = {
    ':status': String(status),
    'content-type': contentType,
    'x-tollgate-backend': 'default/openai',
  };
  return {
    response_headers: {
      headers: {
        headers: Object.entries(headers).map(([key, v]) => ({ key, value: '', raw_value: Buffer.from(v) })),
      },
      end_of_stream: false,
    },
    request: 'response_headers' as const,
  };
}

function responseBody(body: string, end: boolean) {
  return {
    response_body: { body: Buffer.from(body), end_of_stream: end },
    request: 'response_body' as const,
  };
}

/** Redacts "secret" in responses; blocks JSON answers that say "forbidden". */
function fakeGuardrails(seen: Json[]): GuardrailService {
  const filter: ResponseFilter = {
    fired: [],
    json: (body) =>
      body.toString().includes('forbidden')
        ? { body, blocked: new GatewayError('guardrail_blocked', 'The response was blocked.') }
        : { body: Buffer.from(body.toString().replaceAll('secret', '[redacted]')) },
    sse: (chunk) => Buffer.from(chunk.toString().replaceAll('secret', '[redacted]')),
  };
  return {
    checkRequest: (_g, body) => {
      seen.push(body);
      return Promise.resolve({ fired: [] });
    },
    responseFilter: () => filter,
  };
}

async function start(
  seen: Json[],
  body: Json,
): Promise<{ router: RouterProcessor; sent: ProcessingResponse }> {
  const config = sampleConfig();
  config.guardrails['default/g'] = { key: 'default/g', checks: [] } as unknown as GuardrailConfig;
  const route = config.routes['default/chat/0'];
  assert.ok(route);
  route.guardrails = ['default/g'];
  const ctx = testContext(config);
  ctx.services = { guardrails: fakeGuardrails(seen) };
  const router = new RouterProcessor(ctx);
  await router.process(
    requestHeaders({
      ':method': 'POST',
      ':path': '/v1/messages',
      ':authority': 'gw',
      'content-type': 'application/json',
    }),
  );
  const sent = await router.process(requestBody(JSON.stringify(body)));
  return { router, sent };
}

const bodyOf = (r: ProcessingResponse): string =>
  String(r.response_body?.response?.body_mutation?.body ?? '');

describe('router level: Anthropic client with guardrails', () => {
  it('guardrails see the chat body; the chat body and path go upstream', async () => {
    const seen: Json[] = [];
    const { sent } = await start(seen, {
      model: 'gpt-4o',
      max_tokens: 9,
      system: 'S',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.deepEqual(seen[0]?.messages, [
      { role: 'system', content: 'S' },
      { role: 'user', content: 'hi' },
    ]);
    const common = sent.request_body?.response;
    const set = new Map(
      common?.header_mutation?.set_headers?.map((h) => [h.header?.key, String(h.header?.raw_value)]),
    );
    assert.equal(set.get(':path'), '/v1/chat/completions');
    assert.equal(set.get('x-tollgate-route'), 'default/chat/0');
    assert.equal(common?.clear_route_cache, true);
    const upstream = JSON.parse(String(common?.body_mutation?.body)) as Json;
    assert.equal(upstream.max_tokens, 9);
    assert.equal(set.get('content-length'), String(common?.body_mutation?.body?.length));
  });

  it('a streamed redaction reaches the client as an Anthropic text_delta', async () => {
    const { router } = await start([], {
      model: 'gpt-4o',
      max_tokens: 9,
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    await router.process(responseHeaders(200, 'text/event-stream'));
    const chunk =
      'data: {"id":"c","model":"gpt-4o","choices":[{"index":0,"delta":{"content":"the secret"}}]}\n\n';
    const out = bodyOf(await router.process(responseBody(chunk, false)));
    assert.match(out, /"type":"text_delta","text":"the \[redacted\]"/);
    const end = bodyOf(await router.process(responseBody('data: [DONE]\n\n', true)));
    assert.match(end, /event: message_stop/);
  });

  it('a JSON answer blocked by a response guardrail becomes an Anthropic error', async () => {
    const { router } = await start([], {
      model: 'gpt-4o',
      max_tokens: 9,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const headers = await router.process(responseHeaders(200, 'application/json'));
    assert.equal(headers.mode_override?.response_body_mode, 'BUFFERED');
    const reply = await router.process(
      responseBody('{"choices":[{"message":{"content":"forbidden"},"finish_reason":"stop"}]}', true),
    );
    assert.equal(reply.immediate_response?.status?.code, 400);
    assert.deepEqual(JSON.parse(String(reply.immediate_response?.body)), {
      type: 'error',
      error: { type: 'invalid_request_error', message: 'The response was blocked.' },
    });
  });

  it('a redacted JSON answer is converted after the filter', async () => {
    const { router } = await start([], {
      model: 'gpt-4o',
      max_tokens: 9,
      messages: [{ role: 'user', content: 'hi' }],
    });
    await router.process(responseHeaders(200, 'application/json'));
    const reply = await router.process(
      responseBody('{"id":"c1","choices":[{"message":{"content":"a secret"},"finish_reason":"stop"}]}', true),
    );
    const doc = JSON.parse(bodyOf(reply)) as Json;
    assert.deepEqual(doc.content, [{ type: 'text', text: 'a [redacted]' }]);
    assert.equal(doc.stop_reason, 'end_turn');
  });
});

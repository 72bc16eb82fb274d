// UnsupportedParameters (reject or drop, the warning header value) and the parameters that
// translators used to drop silently: Bedrock's `user` outside requestMetadata's characters,
// Bedrock's tool_choice 'none' with tool calls in the conversation, Gemini's `user`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../lib/errors';
import { toAnthropicRequest } from './anthropic/request';
import { toConverseRequest } from './bedrock/request';
import { toGeminiRequest } from './gemini/request';
import { headerSafeName, UnsupportedParameters } from './unsupported';

const messages = [{ role: 'user', content: 'hi' }];

function rejectsNaming(fn: () => unknown, param: string): void {
  assert.throws(fn, (e: unknown) => e instanceof GatewayError && e.status === 400 && e.param === param);
}

void describe('UnsupportedParameters', () => {
  void it('rejects by default with a 400 that names the parameter and says how to drop it', () => {
    const u = new UnsupportedParameters();
    assert.throws(
      () => u.unsupported('logprobs', 'not supported by Bedrock'),
      (e: unknown) =>
        e instanceof GatewayError &&
        e.status === 400 &&
        e.param === 'logprobs' &&
        /'logprobs' is not supported by Bedrock/.test(e.message) &&
        /unsupportedParameters: Drop/.test(e.message),
    );
    assert.equal(u.warning(), undefined);
  });

  void it('records drops once each, in order, as one comma-separated warning', () => {
    const u = new UnsupportedParameters('Drop');
    u.unsupported('logprobs', 'not supported by Bedrock');
    u.unsupported('seed', 'not supported by Bedrock');
    u.unsupported('logprobs', 'not supported by Bedrock');
    assert.deepEqual(u.droppedParameters(), ['logprobs', 'seed']);
    assert.equal(
      u.warning(),
      'dropped parameter logprobs (not supported by Bedrock), dropped parameter seed (not supported by Bedrock)',
    );
  });

  void it('keeps client-chosen names header-safe and the list bounded', () => {
    assert.equal(headerSafeName('a\r\nb, c'), 'a??b??c');
    assert.equal(headerSafeName('messages[2].name'), 'messages[2].name');
    assert.ok(headerSafeName('x'.repeat(500)).length < 80);
    const u = new UnsupportedParameters('Drop');
    for (let i = 0; i < 40; i++) u.unsupported(`p${i}\n`, 'not supported by Gemini');
    const warning = String(u.warning());
    assert.doesNotMatch(warning, /[\r\n]/);
    assert.equal(warning.split(', ').length, 17);
    assert.match(warning, /dropped 24 more parameters$/);
  });
});

void describe('parameters translators no longer drop silently', () => {
  void it('Bedrock: a user requestMetadata would refuse is rejected, or dropped and named', () => {
    const body = { messages, user: 'jürgen' };
    rejectsNaming(() => toConverseRequest(body), 'user');
    const u = new UnsupportedParameters('Drop');
    assert.equal(toConverseRequest(body, u).requestMetadata, undefined);
    assert.deepEqual(u.droppedParameters(), ['user']);
    assert.deepEqual(toConverseRequest({ messages, user: 'team-a:alice' }).requestMetadata, {
      user: 'team-a:alice',
    });
  });

  void it("Bedrock: tool_choice 'none' with tool calls in the conversation", () => {
    const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
    const withCall = [
      ...messages,
      {
        role: 'assistant',
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'ok' },
    ];
    const body = { messages: withCall, tools, tool_choice: 'none' };
    rejectsNaming(() => toConverseRequest(body), 'tool_choice');
    const u = new UnsupportedParameters('Drop');
    const out = toConverseRequest(body, u);
    // Bedrock requires toolConfig once tool blocks exist: the tools stay, the choice is Bedrock's.
    assert.deepEqual(out.toolConfig, {
      tools: [{ toolSpec: { name: 'f', inputSchema: { json: { type: 'object' } } } }],
    });
    assert.deepEqual(u.droppedParameters(), ['tool_choice']);
  });

  void it('Gemini: user has no place in generateContent', () => {
    rejectsNaming(() => toGeminiRequest({ messages, user: 'u1' }), 'user');
    const u = new UnsupportedParameters('Drop');
    const out = toGeminiRequest({ messages, user: 'u1', temperature: 0.2 }, u);
    assert.deepEqual(out.generationConfig, { temperature: 0.2 });
    assert.equal(JSON.stringify(out).includes('u1'), false);
    assert.match(String(u.warning()), /^dropped parameter user \(not supported by Gemini\)$/);
  });

  void it('Anthropic: several unsupported parameters are all named under Drop', () => {
    const u = new UnsupportedParameters('Drop');
    const out = toAnthropicRequest(
      { model: 'x', messages, logprobs: true, seed: 3, temperature: 0.5 },
      'm',
      u,
    );
    assert.deepEqual(u.droppedParameters(), ['logprobs', 'seed']);
    assert.equal(out.temperature, 0.5);
    assert.equal('seed' in out || 'logprobs' in out, false);
  });
});

void describe('fields inside messages and tools', () => {
  const body = {
    messages: [
      {
        role: 'user',
        name: 'alice',
        content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AA==', detail: 'high' } }],
      },
      {
        role: 'user',
        content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AA==', detail: 'auto' } }],
      },
    ],
    tools: [
      { type: 'function', function: { name: 'f', strict: true, parameters: { type: 'object' } } },
      { type: 'function', function: { name: 'g', strict: false } },
    ],
  };
  const named = ['messages[0].name', 'messages[0].content[0].image_url.detail', 'tools[0].function.strict'];

  void it('are rejected under Reject, naming the path', () => {
    rejectsNaming(() => toAnthropicRequest({ ...body, model: 'x' }, 'm'), 'messages[0].name');
    rejectsNaming(() => toConverseRequest({ ...body, tools: [] }), 'messages[0].name');
    rejectsNaming(() => toGeminiRequest({ messages, tools: body.tools }), 'tools[0].function.strict');
  });

  void it('are all named under Drop, by every translator, and left out', () => {
    const translate = [
      (u: UnsupportedParameters) => toAnthropicRequest({ ...body, model: 'x' }, 'm', u),
      (u: UnsupportedParameters) => toConverseRequest(body, u),
      (u: UnsupportedParameters) => toGeminiRequest(body, u),
    ];
    for (const run of translate) {
      const u = new UnsupportedParameters('Drop');
      const out = JSON.stringify(run(u));
      assert.deepEqual(u.droppedParameters(), named);
      assert.doesNotMatch(out, /alice|"strict"|"detail"/);
    }
  });
});

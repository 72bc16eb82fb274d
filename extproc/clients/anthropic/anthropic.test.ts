// The Anthropic client edge's converters against golden fixtures (fixtures.ts names the
// reference pages): request in, message out, stream out (split at every byte), errors out.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../../lib/errors';
import { AnthropicClient } from './client';
import {
  OPENAI_TOOL_COMPLETION,
  OPENAI_TOOL_COMPLETION_AS_ANTHROPIC,
  OPENAI_TOOL_STREAM,
  OPENAI_TOOL_STREAM_AS_ANTHROPIC,
  TOOL_REQUEST,
  TOOL_REQUEST_AS_OPENAI,
} from './fixtures';
import { toOpenAIRequest } from './request';
import { toAnthropicError, toAnthropicMessage } from './response';
import { AnthropicStreamWriter } from './stream';

type Json = Record<string, unknown>;

/** Parses Anthropic SSE output into its events, checking that `event:` names match `type`. */
function events(sse: string): Json[] {
  return sse
    .split('\n\n')
    .filter((e) => e !== '')
    .map((e) => {
      const [name, data] = e.split('\n');
      const doc = JSON.parse((data ?? '').replace(/^data: /, '')) as Json;
      assert.equal(name, `event: ${String(doc.type)}`);
      return doc;
    });
}

function refusedParam(fn: () => unknown): string | null {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof GatewayError);
    assert.equal(err.status, 400);
    return err.param;
  }
  return assert.fail('expected a 400');
}

const minimal = (extra: Json = {}): Json => ({
  model: 'claude-x',
  max_tokens: 10,
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});

describe('Anthropic request -> OpenAI chat request', () => {
  it('converts the tool conversation golden (system, image, tool_use, tool_result, tools, choice)', () => {
    const { body, warnings } = toOpenAIRequest(TOOL_REQUEST);
    assert.deepEqual(body, TOOL_REQUEST_AS_OPENAI);
    assert.deepEqual(warnings, ['cache_control dropped']);
  });

  it('maps every tool_choice and a plain string system', () => {
    const choice = (tc: Json) => toOpenAIRequest(minimal({ tool_choice: tc })).body.tool_choice;
    assert.equal(choice({ type: 'auto' }), 'auto');
    assert.equal(choice({ type: 'none' }), 'none');
    assert.deepEqual(choice({ type: 'tool', name: 'f' }), { type: 'function', function: { name: 'f' } });
    const { body } = toOpenAIRequest(minimal({ system: 'Be brief.' }));
    assert.deepEqual(body.messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hi' },
    ]);
    assert.equal(body.stream, undefined);
  });

  it('marks a failed tool result and keeps text-block results', () => {
    const { body } = toOpenAIRequest(
      minimal({
        messages: [
          { role: 'user', content: 'go' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'f', input: {} }] },
          {
            role: 'user',
            content: [
              {
                type: 'tool_result',
                tool_use_id: 't1',
                is_error: true,
                content: [{ type: 'text', text: 'boom' }],
              },
            ],
          },
        ],
      }),
    );
    const messages = body.messages as Json[];
    assert.deepEqual(messages[1], {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{}' } }],
    });
    assert.deepEqual(messages[2], { role: 'tool', tool_call_id: 't1', content: 'Error: boom' });
    assert.equal(messages.length, 3);
  });

  it('refuses what it cannot carry with a 400 naming it', () => {
    assert.equal(
      refusedParam(() => toOpenAIRequest(minimal({ max_tokens: undefined }))),
      'max_tokens',
    );
    assert.equal(
      refusedParam(() => toOpenAIRequest(minimal({ messages: [] }))),
      'messages',
    );
    assert.equal(
      refusedParam(() =>
        toOpenAIRequest(minimal({ tools: [{ type: 'web_search_20250305', name: 'web_search' }] })),
      ),
      'tools[0].type',
    );
    const doc = { role: 'user', content: [{ type: 'document', source: { type: 'text', data: 'x' } }] };
    assert.equal(
      refusedParam(() => toOpenAIRequest(minimal({ messages: [doc] }))),
      'messages[0].content[0]',
    );
    assert.equal(
      refusedParam(() => toOpenAIRequest(minimal({ tool_choice: { type: 'maybe' } }))),
      'tool_choice',
    );
  });

  it('reports parameters without an OpenAI equivalent for the route policy to judge', () => {
    const { body, unsupported } = toOpenAIRequest(
      minimal({ top_k: 5, thinking: { type: 'enabled' }, metadata: { team: 'x' } }),
    );
    assert.deepEqual(
      unsupported.map((u) => u.param),
      ['top_k', 'thinking', 'metadata.team'],
    );
    assert.equal('top_k' in body || 'thinking' in body, false);
    const rejecting = new AnthropicClient();
    rejecting.request(Buffer.from(JSON.stringify(minimal({ top_k: 5 }))));
    assert.equal(
      refusedParam(() => rejecting.applyPolicy(undefined)),
      'top_k',
    );
    const dropping = new AnthropicClient();
    dropping.request(Buffer.from(JSON.stringify(minimal({ top_k: 5 }))));
    dropping.applyPolicy('Drop');
    assert.match(dropping.warnings.join(), /dropped parameter top_k/);
  });
});

describe('OpenAI chat.completion -> Anthropic message', () => {
  it('converts the golden completion (text + tool_use with parsed input, usage without cache reads)', () => {
    assert.deepEqual(
      toAnthropicMessage(OPENAI_TOOL_COMPLETION, 'requested'),
      OPENAI_TOOL_COMPLETION_AS_ANTHROPIC,
    );
  });

  it('maps finish reasons to stop reasons', () => {
    const reason = (finish: string) =>
      toAnthropicMessage({ choices: [{ message: { content: 'x' }, finish_reason: finish }] }, 'm')
        .stop_reason;
    assert.equal(reason('stop'), 'end_turn');
    assert.equal(reason('length'), 'max_tokens');
    assert.equal(reason('tool_calls'), 'tool_use');
    assert.equal(reason('content_filter'), 'refusal');
  });

  it('answers 502 for tool arguments that are not a JSON object', () => {
    const doc = {
      choices: [
        {
          message: { tool_calls: [{ id: 'c', function: { name: 'f', arguments: '{"a":' } }] },
          finish_reason: 'tool_calls',
        },
      ],
    };
    assert.throws(
      () => toAnthropicMessage(doc, 'm'),
      (err: GatewayError) => err.status === 502,
    );
  });

  it('re-renders errors with the same status in Anthropic shape', () => {
    const openai = Buffer.from(
      JSON.stringify({ error: { message: 'Rate limit reached', type: 'rate_limit_error', code: null } }),
    );
    assert.deepEqual(JSON.parse(toAnthropicError(openai, 429)), {
      type: 'error',
      error: { type: 'rate_limit_error', message: 'Rate limit reached' },
    });
    assert.deepEqual(JSON.parse(toAnthropicError(Buffer.from('no healthy upstream'), 503)), {
      type: 'error',
      error: { type: 'api_error', message: 'no healthy upstream' },
    });
    const own = new GatewayError('unauthenticated', 'Missing API key.');
    assert.deepEqual(JSON.parse(own.toAnthropicBody()), {
      type: 'error',
      error: { type: 'authentication_error', message: 'Missing API key.' },
    });
  });
});

describe('OpenAI SSE -> Anthropic stream events', () => {
  it('produces the golden event sequence however the bytes are split', () => {
    const bytes = Buffer.from(OPENAI_TOOL_STREAM);
    for (let cut = 0; cut <= bytes.length; cut += 7) {
      const writer = new AnthropicStreamWriter('requested');
      const out =
        writer.push(bytes.subarray(0, cut), false).toString() +
        writer.push(bytes.subarray(cut), true).toString();
      assert.deepEqual(events(out), OPENAI_TOOL_STREAM_AS_ANTHROPIC, `split at ${cut}`);
    }
  });

  it('is incremental: a tool argument fragment goes out with the chunk that carried it', () => {
    const writer = new AnthropicStreamWriter('m');
    const parts = OPENAI_TOOL_STREAM.split('\n\n')
      .filter((p) => p !== '')
      .map((p) => `${p}\n\n`);
    const outs = parts.map((p) => events(writer.push(Buffer.from(p), false).toString()));
    assert.deepEqual(outs[5], [
      {
        type: 'content_block_delta',
        index: 1,
        delta: { type: 'input_json_delta', partial_json: 'ation": "San' },
      },
    ]);
    assert.deepEqual(outs[9], [], 'usage waits for the end');
    assert.equal(outs[10]?.at(-1)?.type, 'message_stop');
  });

  it('opens one block per tool call, name arriving before the id too', () => {
    const writer = new AnthropicStreamWriter('m');
    const data = (delta: Json, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: 'x', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const sse =
      data({ tool_calls: [{ index: 0, id: 'a', function: { name: 'f', arguments: '{}' } }] }) +
      data({ tool_calls: [{ index: 1, function: { name: 'g', arguments: '{"x"' } }] }) +
      data({ tool_calls: [{ index: 1, id: 'b', function: { arguments: ':1}' } }] }) +
      data({}, 'tool_calls');
    const out = events(writer.push(Buffer.from(sse), true).toString());
    const starts = out.filter((e) => e.type === 'content_block_start').map((e) => e.content_block);
    assert.deepEqual(starts, [
      { type: 'tool_use', id: 'a', name: 'f', input: {} },
      { type: 'tool_use', id: 'b', name: 'g', input: {} },
    ]);
    const args = out
      .filter((e) => e.type === 'content_block_delta' && e.index === 1)
      .map((e) => (e.delta as Json).partial_json);
    assert.equal(args.join(''), '{"x":1}');
    assert.equal((out.at(-2)?.delta as Json).stop_reason, 'tool_use');
  });

  it('turns an error event (a guardrail block) into an Anthropic error event and stops', () => {
    const writer = new AnthropicStreamWriter('m');
    const sse =
      'data: {"id":"x","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n' +
      'data: {"error":{"message":"Blocked by guardrail","type":"invalid_request_error"}}\n\n' +
      'data: [DONE]\n\n';
    const out = events(writer.push(Buffer.from(sse), true).toString());
    assert.deepEqual(out.at(-1), {
      type: 'error',
      error: { type: 'invalid_request_error', message: 'Blocked by guardrail' },
    });
    assert.equal(out.filter((e) => e.type === 'message_stop').length, 0);
  });

  it('ends a stream cut short (no [DONE]) with message_delta and message_stop', () => {
    const writer = new AnthropicStreamWriter('m');
    const out = events(
      writer
        .push(Buffer.from('data: {"id":"x","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n'), true)
        .toString(),
    );
    assert.deepEqual(
      out.map((e) => e.type),
      [
        'message_start',
        'content_block_start',
        'content_block_delta',
        'content_block_stop',
        'message_delta',
        'message_stop',
      ],
    );
  });
});

describe('AnthropicClient', () => {
  it('renders its own errors Anthropic-shaped with status and extra headers kept', () => {
    const client = new AnthropicClient();
    const reply = client.errorResponse(
      new GatewayError('rate_limited', 'Slow down.', null, { 'retry-after': '3' }),
    );
    const immediate = reply.immediate_response;
    assert.equal(immediate?.status?.code, 429);
    assert.deepEqual(JSON.parse(String(immediate?.body)), {
      type: 'error',
      error: { type: 'rate_limit_error', message: 'Slow down.' },
    });
    assert.ok(immediate?.headers?.set_headers?.some((h) => h.header?.key === 'retry-after'));
  });

  it('refuses a body that is not JSON before converting', () => {
    assert.throws(
      () => new AnthropicClient().request(Buffer.from('{')),
      (err: GatewayError) => err.code === 'invalid_json',
    );
  });
});

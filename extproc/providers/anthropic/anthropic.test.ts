// Anthropic specifics the shared conformance suite does not cover: defaults and parameter
// mapping, tool_choice, stop reasons, cache usage, a mid-stream error event, error bodies that
// are not JSON, and the SSE reader at awkward byte boundaries.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SseEventReader } from '../sse-events';
import { toAnthropicRequest } from './request';
import { finishReason, toChatCompletion, toOpenAIError } from './response';
import { AnthropicStreamTranslator } from './stream';

const user = [{ role: 'user', content: 'hi' }];

describe('anthropic request mapping', () => {
  it('defaults max_tokens, prefers max_completion_tokens, maps user and top_p', () => {
    assert.equal(toAnthropicRequest({ model: 'x', messages: user }, 'm').max_tokens, 4096);
    const out = toAnthropicRequest(
      { model: 'x', messages: user, max_tokens: 5, max_completion_tokens: 9, top_p: 0.5, user: 'u1', n: 1 },
      'm',
    );
    assert.equal(out.max_tokens, 9);
    assert.equal(out.top_p, 0.5);
    assert.deepEqual(out.metadata, { user_id: 'u1' });
    assert.equal('stream' in out, false);
  });

  it('maps tool_choice and parallel_tool_calls', () => {
    const choice = (tool_choice: unknown, parallel?: boolean): unknown =>
      toAnthropicRequest({ model: 'x', messages: user, tool_choice, parallel_tool_calls: parallel }, 'm')
        .tool_choice;
    assert.deepEqual(choice('required'), { type: 'any' });
    assert.deepEqual(choice('none'), { type: 'none' });
    assert.deepEqual(choice({ type: 'function', function: { name: 'f' } }), { type: 'tool', name: 'f' });
    assert.deepEqual(choice(undefined, false), { type: 'auto', disable_parallel_tool_use: true });
  });

  it('merges consecutive tool results into one user turn, keeps http image URLs', () => {
    const out = toAnthropicRequest(
      {
        model: 'x',
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] },
          {
            role: 'assistant',
            tool_calls: [
              { id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } },
              { id: 'b', type: 'function', function: { name: 'f', arguments: '' } },
            ],
          },
          { role: 'tool', tool_call_id: 'a', content: 'one' },
          { role: 'tool', tool_call_id: 'b', content: 'two' },
        ],
      },
      'm',
    );
    const messages = out.messages as Array<{ role: string; content: Array<Record<string, unknown>> }>;
    assert.deepEqual(messages[0]?.content[0], {
      type: 'image',
      source: { type: 'url', url: 'https://x/y.png' },
    });
    assert.deepEqual(messages[1]?.content[1], { type: 'tool_use', id: 'b', name: 'f', input: {} });
    assert.equal(messages.length, 3);
    assert.deepEqual(
      messages[2]?.content.map((b) => b.tool_use_id),
      ['a', 'b'],
    );
  });

  it('refuses bad tool arguments and unknown roles, naming where', () => {
    const bad = {
      role: 'assistant',
      tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{' } }],
    };
    assert.throws(() => toAnthropicRequest({ model: 'x', messages: [bad] }, 'm'), /JSON/);
    assert.throws(
      () => toAnthropicRequest({ model: 'x', messages: [{ role: 'function', content: 'x' }] }, 'm'),
      /role 'function'/,
    );
  });
});

describe('anthropic response mapping', () => {
  it('maps every stop reason', () => {
    assert.equal(finishReason('end_turn'), 'stop');
    assert.equal(finishReason('max_tokens'), 'length');
    assert.equal(finishReason('tool_use'), 'tool_calls');
    assert.equal(finishReason('stop_sequence'), 'stop');
  });

  it('a tool-only answer has null content and JSON arguments', () => {
    const doc = toChatCompletion(
      {
        id: 'msg_1',
        model: 'c',
        content: [{ type: 'tool_use', id: 't1', name: 'f', input: { a: [1] } }],
        stop_reason: 'tool_use',
        usage: { input_tokens: 3, output_tokens: 4 },
      },
      1,
    ) as {
      choices: Array<{
        message: { content: unknown; tool_calls: Array<{ function: { arguments: string } }> };
      }>;
      usage: unknown;
    };
    assert.equal(doc.choices[0]?.message.content, null);
    assert.equal(doc.choices[0]?.message.tool_calls[0]?.function.arguments, '{"a":[1]}');
    assert.deepEqual(doc.usage, {
      prompt_tokens: 3,
      completion_tokens: 4,
      total_tokens: 7,
      prompt_tokens_details: { cached_tokens: 0 },
    });
  });

  it('an error body that is not JSON still becomes an OpenAI error', () => {
    const body = JSON.parse(toOpenAIError(502, '<html>bad gateway</html>')) as {
      error: { type: string; code: string };
    };
    assert.deepEqual([body.error.type, body.error.code], ['server_error', 'upstream_error']);
  });

  it('a mid-stream error event becomes an error event and ends the stream', () => {
    const t = new AnthropicStreamTranslator(1);
    const out = t
      .push(
        Buffer.from(
          'event: message_start\ndata: {"type":"message_start","message":{"id":"m","model":"c","usage":{"input_tokens":1}}}\n\n' +
            'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n' +
            'event: message_stop\ndata: {"type":"message_stop"}\n\n',
        ),
        true,
      )
      .toString();
    assert.match(out, /"code":"overloaded_error"/);
    assert.doesNotMatch(out, /\[DONE\]/);
  });
});

describe('SseEventReader', () => {
  it('reads events split at every byte, across CR/LF pairs and multi-byte characters', () => {
    const text = 'event: a\r\ndata: {"t":"é—ok"}\r\n\r\n: comment\n\nevent: b\rdata: x\rdata: y\r\r';
    const bytes = Buffer.from(text);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const r = new SseEventReader();
      const events = [...r.push(bytes.subarray(0, cut), false), ...r.push(bytes.subarray(cut), true)];
      assert.deepEqual(
        events,
        [
          { event: 'a', data: '{"t":"é—ok"}' },
          { event: 'b', data: 'x\ny' },
        ],
        `cut ${cut}`,
      );
    }
  });
});

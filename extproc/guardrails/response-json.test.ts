// Whole-body response checks: message content and tool-call arguments are redacted or
// restored, a Block replaces the body with an error, non-completion bodies pass untouched, and
// no filter is made when nothing applies to responses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CTX, guardrail, testService } from './testing';

const { service } = testService();
const completion = (content: string, args?: string): Buffer =>
  Buffer.from(
    JSON.stringify({
      id: 'x',
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content,
            ...(args
              ? { tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: args } }] }
              : {}),
          },
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    }),
  );

test('redacts content and tool-call arguments, restores request placeholders', () => {
  const g = [guardrail([{ name: 'pii', type: 'PII', action: 'Redact', detectors: ['Email', 'IPAddress'] }])];
  const filter = service.responseFilter(g, CTX, new Map([['[EMAIL_1]', 'me@corp.com']]));
  assert.ok(filter);
  const { body, blocked } = filter.json(
    completion('Hi [EMAIL_1], server 10.0.0.7 is up', '{"ip":"10.0.0.8"}'),
  );
  assert.equal(blocked, undefined);
  const doc = JSON.parse(body.toString()) as {
    choices: Array<{ message: { content: string; tool_calls: Array<{ function: { arguments: string } }> } }>;
  };
  assert.equal(doc.choices[0]!.message.content, 'Hi me@corp.com, server [IP_ADDRESS_1] is up');
  assert.equal(doc.choices[0]!.message.tool_calls[0]!.function.arguments, '{"ip":"[IP_ADDRESS_2]"}');
  assert.deepEqual(filter.fired, [
    { guardrail: 'default/policy', check: 'pii', action: 'redacted', detail: 'IP_ADDRESS' },
  ]);
});

test('text completions are checked too; unchanged bodies are the same buffer', () => {
  const g = [guardrail([{ name: 'pii', type: 'PII', action: 'Redact' }])];
  const filter = service.responseFilter(g, CTX, undefined);
  assert.ok(filter);
  const legacy = Buffer.from(
    JSON.stringify({ object: 'text_completion', choices: [{ index: 0, text: 'ssn 123-45-6789' }] }),
  );
  assert.equal(
    (JSON.parse(filter.json(legacy).body.toString()) as { choices: Array<{ text: string }> }).choices[0]!
      .text,
    'ssn [US_SSN_1]',
  );
  const clean = completion('nothing to see');
  assert.equal(filter.json(clean).body, clean);
  const embeddings = Buffer.from(JSON.stringify({ object: 'list', data: [{ embedding: [0.1], index: 0 }] }));
  assert.equal(filter.json(embeddings).body, embeddings);
  const notJson = Buffer.from('upstream said no');
  assert.equal(filter.json(notJson).body, notJson);
});

test('Block replaces the body with an OpenAI error naming the policy only', () => {
  const g = [
    guardrail([{ name: 'topics', type: 'Topics', action: 'Block', deny: ['project falcon'] }], 'sec/leaks'),
  ];
  const filter = service.responseFilter(g, CTX, undefined);
  assert.ok(filter);
  const { body, blocked } = filter.json(completion('Details of Project Falcon follow'));
  assert.equal(blocked?.code, 'guardrail_blocked');
  assert.deepEqual(JSON.parse(body.toString()), {
    error: {
      message: 'Response blocked by guardrail "sec/leaks" (check "topics").',
      type: 'invalid_request_error',
      param: null,
      code: 'guardrail_blocked',
    },
  });
});

test('no filter without response-scope checks or placeholders to restore', () => {
  const requestOnly = [
    guardrail([
      { name: 'pii', type: 'PII', action: 'Redact', scope: 'Request' },
      { name: 'limits', type: 'Limits', action: 'Block', maxMessages: 3 },
      { name: 'hook', type: 'Webhook', action: 'Block', url: 'http://127.0.0.1:9/x', scope: 'Request' },
    ]),
  ];
  assert.equal(service.responseFilter(requestOnly, CTX, undefined), undefined);
  assert.ok(service.responseFilter(requestOnly, CTX, new Map([['[EMAIL_1]', 'a@b.co']])));
});

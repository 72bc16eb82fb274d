// Streamed response checks: secrets split across every chunk boundary (and 3-way splits) never
// reach the client while the rest of the text is byte-identical; placeholders split across
// chunks are restored; a block mid-stream ends with an OpenAI error event and [DONE]; events
// keep their order; arbitrary byte splits (inside multi-byte characters) do not matter.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResponseFilter } from '../services';
import { CTX, guardrail, parseSse, sseOf, testService } from './testing';

function feed(filter: ResponseFilter, stream: string, byteChunk = 0): string {
  const bytes = Buffer.from(stream);
  const out: Buffer[] = [];
  if (byteChunk <= 0) {
    const events = stream.split(/(?<=\n\n)/);
    events.forEach((e, i) => out.push(filter.sse(Buffer.from(e), i === events.length - 1)));
  } else {
    for (let i = 0; i < bytes.length; i += byteChunk) {
      out.push(filter.sse(bytes.subarray(i, i + byteChunk), i + byteChunk >= bytes.length));
    }
  }
  return Buffer.concat(out).toString('utf8');
}

const { service } = testService();
const redactAll = [guardrail([{ name: 'pii', type: 'PII', action: 'Redact', scope: 'Response' }])];

function redactingFilter(restore?: Map<string, string>): ResponseFilter {
  const f = service.responseFilter(redactAll, CTX, restore);
  assert.ok(f);
  return f;
}

/** Every 2-way split, and every 3-way split when the text is short. */
function splits(text: string, threeWay: boolean): string[][] {
  const out: string[][] = [];
  for (let i = 1; i < text.length; i++) out.push([text.slice(0, i), text.slice(i)]);
  if (threeWay) {
    for (let i = 1; i < text.length; i++)
      for (let j = i + 1; j < text.length; j++) out.push([text.slice(0, i), text.slice(i, j), text.slice(j)]);
  }
  return out;
}

const SECRETS: Array<[string, string]> = [
  ['jane.doe@example.com', '[EMAIL_1]'],
  ['4111 1111 1111 1111', '[CREDIT_CARD_1]'],
  ['sk-proj-Abcdefghijklmnopqrstuvwxyz012345', '[API_KEY_1]'],
];

for (const [secret, placeholder] of SECRETS) {
  test(`a secret split at every boundary never reaches the client: ${placeholder}`, () => {
    const text = `Sure! Your data is ${secret}, keep it safe.`;
    const expected = text.replace(secret, placeholder);
    // 3-way splits over the text around the secret keep the run count reasonable.
    const short = `x ${secret} y`;
    for (const [sample, want] of [
      [text, expected],
      [short, short.replace(secret, placeholder)],
    ] as const) {
      for (const pieces of splits(sample, sample === short)) {
        const out = feed(redactingFilter(), sseOf(pieces));
        const parsed = parseSse(out);
        assert.ok(!out.includes(secret), `leaked with pieces ${JSON.stringify(pieces)}`);
        assert.equal(parsed.text, want, `pieces ${JSON.stringify(pieces)}`);
        const tail = parsed.events
          .slice(-3)
          .map((e) =>
            typeof e === 'string' ? e : Object.keys(e as object).includes('usage') ? 'usage' : 'finish',
          );
        assert.deepEqual(tail, ['finish', 'usage', '[DONE]']);
      }
    }
  });
}

test('text without secrets passes byte-identical in content, at any byte split', () => {
  const text =
    'Grüße 👋 from the stream: nothing secret here, just prose and numbers like 42 and 2024-01-15.';
  const stream = sseOf(text.match(/.{1,5}/gu) ?? []);
  for (const byteChunk of [0, 1, 3, 7, 64]) {
    const out = feed(redactingFilter(), stream, byteChunk);
    assert.equal(parseSse(out).text, text, `byteChunk ${byteChunk}`);
  }
});

test('CRLF event endings and comments are handled; each choice of n>1 is its own stream', () => {
  const crlf = sseOf(['mail a@', 'b.co ok']).replace(/\n\n/g, '\r\n\r\n');
  const out = feed(redactingFilter(), ': keep-alive\r\n\r\n' + crlf, 5);
  assert.ok(out.startsWith(': keep-alive\r\n\r\n'));
  assert.equal(parseSse(out.replace(/\r\n/g, '\n')).text, 'mail [EMAIL_1] ok');
  const env = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm' };
  const chunk = (index: number, content: string): string =>
    `data: ${JSON.stringify({ ...env, choices: [{ index, delta: { content }, finish_reason: null }] })}\n\n`;
  const two =
    chunk(0, 'zero x@') + chunk(1, 'one y@') + chunk(0, 'a.io') + chunk(1, 'b.io') + 'data: [DONE]\n\n';
  const perChoice = ['', ''];
  for (const e of parseSse(feed(redactingFilter(), two)).events) {
    for (const c of (e as { choices?: Array<{ index: number; delta: { content?: string } }> }).choices ??
      []) {
      perChoice[c.index] += c.delta.content ?? '';
    }
  }
  assert.deepEqual(perChoice, ['zero [EMAIL_1]', 'one [EMAIL_2]']);
});

test('events keep their order: role first, held text before finish, usage and [DONE]', () => {
  const out = feed(redactingFilter(), sseOf(['Hello ', 'world, mail me at a@b.co']));
  const events = parseSse(out).events as Array<
    | { choices?: Array<{ delta?: { role?: string; content?: string }; finish_reason?: string | null }> }
    | string
  >;
  const shape = events.map((e) => {
    if (typeof e === 'string') return e;
    const c = e.choices?.[0];
    if (!c) return 'usage';
    if (c.delta?.role) return 'role';
    return c.finish_reason ? 'finish' : 'content';
  });
  assert.equal(shape[0], 'role');
  assert.deepEqual(shape.slice(-3), ['finish', 'usage', '[DONE]']);
  assert.ok(shape.slice(1, -3).every((s) => s === 'content'));
  assert.equal(parseSse(out).text, 'Hello world, mail me at [EMAIL_1]');
});

test('placeholders split across chunks are restored', () => {
  const restore = new Map([
    ['[EMAIL_1]', 'jane@corp.com'],
    ['[PHONE_1]', '+1 415 555 0100'],
  ]);
  const text = 'Wrote to [EMAIL_1] and called [PHONE_1]; [EMAIL_9] is unknown.';
  for (const pieces of splits(text, false)) {
    const out = feed(redactingFilter(restore), sseOf(pieces));
    assert.equal(
      parseSse(out).text,
      'Wrote to jane@corp.com and called +1 415 555 0100; [EMAIL_9] is unknown.',
    );
  }
});

test('new PII in the answer gets placeholders that cannot collide with restored ones', () => {
  const restore = new Map([['[EMAIL_1]', 'jane@corp.com']]);
  const out = feed(redactingFilter(restore), sseOf(['[EMAIL_1] wrote to bob@corp.com']));
  assert.equal(parseSse(out).text, 'jane@corp.com wrote to [EMAIL_2]');
});

test('a block mid-stream emits an OpenAI error event and [DONE], then swallows the rest', () => {
  const g = [
    guardrail([{ name: 'keys', type: 'PII', action: 'Block', detectors: ['APIKey'] }], 'team/secrets'),
  ];
  const key = 'AKIAIOSFODNN7EXAMPLE';
  for (const pieces of splits(`Here is the key: ${key} and more`, false)) {
    const filter = service.responseFilter(g, CTX, undefined);
    assert.ok(filter);
    const out = feed(filter, sseOf([...pieces, ' tail '.repeat(100)]));
    assert.ok(!out.includes(key));
    const events = parseSse(out).events;
    assert.deepEqual(events.slice(-2), [
      {
        error: {
          message: 'Response blocked by guardrail "team/secrets" (check "keys").',
          type: 'invalid_request_error',
          param: null,
          code: 'guardrail_blocked',
        },
      },
      '[DONE]',
    ]);
    assert.equal(filter.sse(Buffer.from('data: {"choices":[]}\n\n'), true).length, 0);
    assert.deepEqual(filter.fired, [
      { guardrail: 'team/secrets', check: 'keys', action: 'blocked', detail: 'API_KEY' },
    ]);
  }
});

test('a private key longer than the window is held until its END line', () => {
  const pem = `-----BEGIN PRIVATE KEY-----\n${'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n'.repeat(30)}-----END PRIVATE KEY-----`;
  const text = `key:\n${pem}\ndone`;
  const out = feed(redactingFilter(), sseOf(text.match(/[\s\S]{1,9}/g) ?? []));
  assert.equal(parseSse(out).text, 'key:\n[PRIVATE_KEY_1]\ndone');
});

test('a stream that ends without [DONE] flushes held text', () => {
  const stream = sseOf(['tail is a@b.co and ok']).replace('data: [DONE]\n\n', '');
  const usageless = stream.split('\n\n').slice(0, 2).join('\n\n') + '\n\n';
  assert.equal(parseSse(feed(redactingFilter(), usageless)).text, 'tail is [EMAIL_1] and ok');
});

test('tool-call arguments are scanned per call', () => {
  const env = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm' };
  const args = ['{"to":"bo', 'b@corp.com","body":"hi"}'];
  const events = [
    {
      ...env,
      choices: [
        {
          index: 0,
          delta: {
            role: 'assistant',
            tool_calls: [{ index: 0, id: 't1', type: 'function', function: { name: 'send', arguments: '' } }],
          },
          finish_reason: null,
        },
      ],
    },
    ...args.map((a) => ({
      ...env,
      choices: [
        { index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: a } }] }, finish_reason: null },
      ],
    })),
    { ...env, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
  ];
  const out = feed(
    redactingFilter(),
    events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('') + 'data: [DONE]\n\n',
  );
  const joined = (
    parseSse(out).events as Array<{
      choices?: Array<{ delta?: { tool_calls?: Array<{ function?: { arguments?: string } }> } }>;
    }>
  )
    .flatMap((e) => e.choices ?? [])
    .map((c) => c.delta?.tool_calls?.[0]?.function?.arguments ?? '')
    .join('');
  assert.equal(joined, '{"to":"[EMAIL_1]","body":"hi"}');
});

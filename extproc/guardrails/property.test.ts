// Property: redacting a prompt (restore: true) and restoring the placeholders in the answer
// gives back the original text exactly, for random text with PII injected anywhere, whether
// the answer arrives as JSON or as a stream split at random points.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { RequestVerdict } from '../services';
import { CTX, chat, guardrail, parseSse, sseOf, testService } from './testing';

const { service } = testService();
const g = [guardrail([{ name: 'pii', type: 'PII', action: 'Redact', scope: 'Request', restore: true }])];

const word = fc.stringMatching(/^[A-Za-z0-9 .,:;()[\]_@+-]{0,12}$/);
const email = fc
  .tuple(fc.stringMatching(/^[a-z0-9]{1,8}$/), fc.constantFrom('example.com', 'corp.io', 'mail.co.uk'))
  .map(([l, d]) => `${l}@${d}`);
const pii = fc.oneof(
  email,
  fc.constantFrom('4111 1111 1111 1111', '5500-0000-0000-0004', '378282246310005', '6011111111111117'),
  fc.constantFrom(
    '123-45-6789',
    '078-05-1120',
    'DE89 3704 0044 0532 0130 00',
    '192.168.0.12',
    '2001:db8::1:2:3',
  ),
  fc.constantFrom(
    '+1 415 555 0100',
    '(212) 555-0199',
    'AKIAIOSFODNN7EXAMPLE',
    'sk-proj-abcdefghijklmnopqrstuvwxyz012345',
  ),
  fc.constantFrom('[EMAIL_1]', '[PHONE_2]'), // placeholder-looking text the user really wrote
);
const text = fc.array(fc.oneof(word, pii), { minLength: 1, maxLength: 12 }).map((parts) => parts.join(' '));

async function redact(original: string): Promise<{ redacted: string; verdict: RequestVerdict }> {
  const verdict = await service.checkRequest(g, chat(original), { ...CTX, rawBytes: original.length });
  const body = (verdict.body ?? chat(original)) as { messages: Array<{ content: string }> };
  return { redacted: body.messages[0]!.content, verdict };
}

test('redact then restore (JSON answer) is the identity', async () => {
  await fc.assert(
    fc.asyncProperty(text, async (original) => {
      const { redacted, verdict } = await redact(original);
      if (!verdict.restore) return assert.equal(redacted, original);
      const filter = service.responseFilter(g, CTX, verdict.restore);
      assert.ok(filter);
      const answer = Buffer.from(
        JSON.stringify({
          object: 'chat.completion',
          choices: [{ index: 0, message: { role: 'assistant', content: redacted } }],
        }),
      );
      const restored = JSON.parse(filter.json(answer).body.toString()) as {
        choices: Array<{ message: { content: string } }>;
      };
      assert.equal(restored.choices[0]!.message.content, original);
    }),
    { numRuns: 300 },
  );
});

test('redact then restore (streamed answer, random splits) is the identity', async () => {
  await fc.assert(
    fc.asyncProperty(text, fc.array(fc.nat(), { maxLength: 6 }), async (original, cuts) => {
      const { redacted, verdict } = await redact(original);
      const filter = service.responseFilter(g, CTX, verdict.restore ?? new Map([['[X_1]', 'x']]));
      assert.ok(filter);
      const points = [...new Set(cuts.map((c) => c % (redacted.length + 1)))].sort((a, b) => a - b);
      const pieces = [0, ...points]
        .map((p, i, all) => redacted.slice(p, all[i + 1] ?? redacted.length))
        .filter((p) => p.length > 0);
      const out = filter.sse(Buffer.from(sseOf(pieces)), true).toString();
      assert.equal(parseSse(out).text, original);
    }),
    { numRuns: 300 },
  );
});

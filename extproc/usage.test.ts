// Usage extraction from non-streaming bodies in both naming schemes, from the tail of bodies
// too large to keep, and the token-count fallback.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonCollector } from './json-collector';
import { countTokensOffThread } from './tokens/async';
import { promptText } from './tokens/count';
import { completionText, normalizeUsage, usageFromTail, usageOfJsonBody } from './usage';

describe('usage', () => {
  it('reads chat/completions usage with details', () => {
    const body = Buffer.from(
      JSON.stringify({
        model: 'gpt-4o-2024',
        usage: {
          prompt_tokens: 10,
          completion_tokens: 5,
          prompt_tokens_details: { cached_tokens: 4 },
          completion_tokens_details: { reasoning_tokens: 1 },
        },
      }),
    );
    const { usage, model } = usageOfJsonBody(body);
    assert.deepEqual(usage, { input: 10, output: 5, cached: 4, reasoning: 1 });
    assert.equal(model, 'gpt-4o-2024');
  });

  it('reads Responses API usage', () => {
    assert.deepEqual(
      normalizeUsage({ input_tokens: 3, output_tokens: 2, input_tokens_details: { cached_tokens: 1 } }),
      {
        input: 3,
        output: 2,
        cached: 1,
        reasoning: 0,
      },
    );
  });

  it('ignores bodies without usage and garbage values', () => {
    assert.equal(usageOfJsonBody(Buffer.from('not json')).usage, undefined);
    assert.equal(usageOfJsonBody(Buffer.from('{"usage":null}')).usage, undefined);
    assert.deepEqual(normalizeUsage({ prompt_tokens: -3, completion_tokens: 'x' }), {
      input: 0,
      output: 0,
      cached: 0,
      reasoning: 0,
    });
  });

  it('finds usage in the tail of a body, skipping braces in strings', () => {
    const tail = '..."x"}]],"note":"usage } {","usage":{"prompt_tokens":7,"completion_tokens":0,"s":"}"}}';
    assert.deepEqual(usageFromTail(tail), { input: 7, output: 0, cached: 0, reasoning: 0 });
    assert.equal(usageFromTail('{"usage":{"prompt_tokens":7'), undefined);
  });

  it('collects a huge body by its tail only', () => {
    const c = new JsonCollector();
    const big = `{"data":[${'0.123,'.repeat(1_000_000)}0],"usage":{"prompt_tokens":42,"total_tokens":42}}`;
    for (let i = 0; i < big.length; i += 65536) c.push(Buffer.from(big.slice(i, i + 65536)));
    assert.deepEqual(c.finish().usage, { input: 42, output: 0, cached: 0, reasoning: 0 });
  });

  it('extracts completion and prompt text and counts tokens off the main thread', async () => {
    assert.equal(completionText({ choices: [{ message: { content: 'hello there' } }] }), 'hello there');
    assert.equal(
      promptText({
        messages: [{ role: 'user', content: [{ type: 'text', text: 'a b' }] }],
        instructions: 'c',
      }),
      'a b\nc',
    );
    const [empty, some] = await countTokensOffThread(['', 'hello world, how are you today?']);
    assert.equal(empty, 0);
    assert.equal(some, 8);
  });
});

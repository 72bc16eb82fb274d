// The SSE scanner: usage and model extraction, and removal of the usage-only chunk, with the
// stream split at every byte boundary (and in three pieces), for LF and CRLF line endings.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { sseStream } from '../test/envoy-harness/fixtures';
import { SseScanner } from './sse';

function feed(pieces: Buffer[], drop: boolean): { out: Buffer; scanner: SseScanner } {
  const scanner = new SseScanner(drop);
  const out: Buffer[] = [];
  pieces.forEach((p, i) => out.push(scanner.push(p, i === pieces.length - 1).replacement ?? p));
  return { out: Buffer.concat(out), scanner };
}

const withUsage = sseStream('gpt-4o', ['Hé', 'llo', ' wörld'], { prompt: 9, completion: 3 });
const withoutUsage = sseStream('gpt-4o', ['Hé', 'llo', ' wörld']);
const crlf = (s: string) => s.replace(/\n/g, '\r\n');

describe('SseScanner', () => {
  for (const [name, conv] of [
    ['LF', (s: string) => s],
    ['CRLF', crlf],
  ] as const) {
    it(`drops the usage-only chunk at every split point (${name})`, () => {
      const stream = Buffer.from(conv(withUsage));
      const expected = conv(withoutUsage);
      for (let cut = 0; cut <= stream.length; cut++) {
        const { out, scanner } = feed([stream.subarray(0, cut), stream.subarray(cut)], true);
        assert.equal(out.toString(), expected, `split at ${cut}`);
        assert.deepEqual(scanner.usage, { input: 9, output: 3, cached: 0, reasoning: 0 }, `usage at ${cut}`);
        assert.equal(scanner.model, 'gpt-4o');
        assert.equal(scanner.text, 'Héllo wörld');
      }
    });

    it(`passes everything through and reads usage at every split point (${name})`, () => {
      const stream = Buffer.from(conv(withUsage));
      for (let cut = 0; cut <= stream.length; cut++) {
        const { out, scanner } = feed([stream.subarray(0, cut), stream.subarray(cut)], false);
        assert.equal(out.toString(), conv(withUsage));
        assert.equal(scanner.usage?.output, 3, `split at ${cut}`);
      }
    });
  }

  it('leaves a chunk of whole events untouched (no copy)', () => {
    const scanner = new SseScanner(true);
    const chunk = Buffer.from(withoutUsage);
    assert.equal(scanner.push(chunk, false).replacement, undefined);
  });

  it('any three-way split gives the same output', () => {
    const stream = Buffer.from(withUsage);
    fc.assert(
      fc.property(fc.nat(stream.length), fc.nat(stream.length), (a, b) => {
        const [x, y] = a < b ? [a, b] : [b, a];
        const pieces = [stream.subarray(0, x), stream.subarray(x, y), stream.subarray(y)];
        assert.equal(feed(pieces, true).out.toString(), withoutUsage);
      }),
    );
  });

  it('reads Responses API usage from response.completed', () => {
    const ev = {
      type: 'response.completed',
      response: {
        model: 'gpt-4o',
        usage: { input_tokens: 4, output_tokens: 6, output_tokens_details: { reasoning_tokens: 2 } },
      },
    };
    const stream = `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"hi"}\n\nevent: response.completed\ndata: ${JSON.stringify(ev)}\n\n`;
    const { out, scanner } = feed([Buffer.from(stream)], true);
    assert.equal(out.toString(), stream, 'nothing is dropped from a Responses stream');
    assert.deepEqual(scanner.usage, { input: 4, output: 6, cached: 0, reasoning: 2 });
    assert.equal(scanner.text, 'hi');
  });

  it('forwards a final event that lacks its blank line, and garbage, unchanged', () => {
    const stream = 'data: not json\n\ndata: {"choices":[{"delta":{"content":"x"}}]}';
    const { out } = feed([Buffer.from(stream.slice(0, 7)), Buffer.from(stream.slice(7))], true);
    assert.equal(out.toString(), stream);
  });
});

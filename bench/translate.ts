// Stream translation benchmark: the per-chunk cost of turning a provider's stream into OpenAI
// chat.completion.chunk SSE inside upstream-level extproc, for Bedrock (binary event stream,
// CRC-checked decode), Anthropic (SSE events) and Gemini (SSE of whole responses). Each stream is
// a realistic answer: 500 text deltas of a few words, then a tool call whose arguments arrive in
// 20 pieces (Gemini: one whole functionCall part), then the stop and usage events. Every
// provider event arrives as its own network chunk (the common case), and the time of each
// ResponseTranslator.body() call is recorded: p50/p99 in microseconds per chunk, and chunks/s.
// The first streams are a warm-up and are not counted.
import { performance } from 'node:perf_hooks';
import { bedrockEvent } from '../extproc/providers/bedrock/frames';
import { translatorFor } from '../extproc/providers';
import { parseRequest } from '../extproc/request';
import { machine, percentile, round } from './lib/load';

const DELTAS = Number(process.env.BENCH_DELTAS ?? 500);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 40);
const WARMUP = 5;
const WORDS = 'The quick brown fox jumps over the lazy dog, then naps. ';
const ARGS = JSON.stringify({ location: 'Paris, France', unit: 'celsius', days: 3, detail: 'hourly' });
const pieces = (s: string, n: number): string[] =>
  Array.from({ length: n }, (_, i) =>
    s.slice(Math.floor((i * s.length) / n), Math.floor(((i + 1) * s.length) / n)),
  );

function bedrockStream(): Buffer[] {
  const out = [bedrockEvent('messageStart', { role: 'assistant', p: 'abcd' })];
  for (let i = 0; i < DELTAS; i++)
    out.push(
      bedrockEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: WORDS }, p: 'abcdefgh' }),
    );
  out.push(bedrockEvent('contentBlockStop', { contentBlockIndex: 0, p: 'ab' }));
  out.push(
    bedrockEvent('contentBlockStart', {
      contentBlockIndex: 1,
      start: { toolUse: { toolUseId: 'tooluse_1', name: 'get_weather' } },
    }),
  );
  for (const piece of pieces(ARGS, 20))
    out.push(
      bedrockEvent('contentBlockDelta', {
        contentBlockIndex: 1,
        delta: { toolUse: { input: piece } },
        p: 'abc',
      }),
    );
  out.push(bedrockEvent('contentBlockStop', { contentBlockIndex: 1 }));
  out.push(bedrockEvent('messageStop', { stopReason: 'tool_use' }));
  out.push(
    bedrockEvent('metadata', {
      usage: { inputTokens: 900, outputTokens: 5000, totalTokens: 5900 },
      metrics: { latencyMs: 1 },
    }),
  );
  return out;
}

function anthropicStream(): Buffer[] {
  const ev = (type: string, data: Record<string, unknown>): Buffer =>
    Buffer.from(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  const usage = { input_tokens: 900, output_tokens: 1 };
  const out = [
    ev('message_start', {
      message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude', content: [], usage },
    }),
  ];
  out.push(ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }));
  for (let i = 0; i < DELTAS; i++)
    out.push(ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: WORDS } }));
  out.push(ev('content_block_stop', { index: 0 }));
  out.push(
    ev('content_block_start', {
      index: 1,
      content_block: { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} },
    }),
  );
  for (const piece of pieces(ARGS, 20))
    out.push(
      ev('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: piece } }),
    );
  out.push(ev('content_block_stop', { index: 1 }));
  out.push(ev('message_delta', { delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 5000 } }));
  out.push(ev('message_stop', {}));
  return out;
}

function geminiStream(): Buffer[] {
  const ev = (parts: unknown[], finish?: string): Buffer =>
    Buffer.from(
      `data: ${JSON.stringify({
        candidates: [
          { content: { parts, role: 'model' }, ...(finish ? { finishReason: finish } : {}), index: 0 },
        ],
        usageMetadata: { promptTokenCount: 900, candidatesTokenCount: 5000, totalTokenCount: 5900 },
        modelVersion: 'gemini-2.0-flash',
        responseId: 'r1',
      })}\r\n\r\n`,
    );
  const out: Buffer[] = [];
  for (let i = 0; i < DELTAS; i++) out.push(ev([{ text: WORDS }]));
  out.push(ev([{ functionCall: { name: 'get_weather', args: JSON.parse(ARGS) as unknown } }], 'STOP'));
  return out;
}

const CASES = [
  {
    name: 'Bedrock event-stream -> SSE',
    schema: 'Bedrock',
    type: 'application/vnd.amazon.eventstream',
    make: bedrockStream,
  },
  {
    name: 'Anthropic events -> OpenAI chunks',
    schema: 'Anthropic',
    type: 'text/event-stream',
    make: anthropicStream,
  },
  { name: 'Gemini SSE -> OpenAI chunks', schema: 'Gemini', type: 'text/event-stream', make: geminiStream },
] as const;

const request = parseRequest(
  'chat',
  Buffer.from(JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'x' }] })),
);

console.log(
  `stream translation, ${DELTAS} text deltas + a 20-piece tool call per stream, ${STREAMS} streams; ${machine()}`,
);
console.log('case                                   chunks   p50 µs   p99 µs   chunks/s   in bytes/chunk');
for (const c of CASES) {
  const chunks = c.make();
  const translator = translatorFor(c.schema);
  const times: number[] = [];
  let total = 0;
  for (let s = 0; s < STREAMS + WARMUP; s++) {
    const rt = translator.responseTranslator(request);
    if (!rt) throw new Error(`${c.schema} has no response translator`);
    rt.headers(200, c.type);
    for (let i = 0; i < chunks.length; i++) {
      const started = performance.now();
      const out = rt.body(chunks[i] as Buffer, i + 1 === chunks.length);
      const took = performance.now() - started;
      if (s >= WARMUP) {
        times.push(took * 1000);
        total += took;
      }
      if (out.length === 0 && i + 1 === chunks.length) throw new Error(`${c.name}: empty end of stream`);
    }
  }
  const bytes = chunks.reduce((n, b) => n + b.length, 0) / chunks.length;
  console.log(
    `${c.name.padEnd(38)} ${String(times.length).padStart(6)} ${String(round(percentile(times, 0.5))).padStart(8)} ${String(
      round(percentile(times, 0.99)),
    ).padStart(
      8,
    )} ${String(Math.round(times.length / (total / 1000))).padStart(10)} ${String(Math.round(bytes)).padStart(16)}`,
  );
}

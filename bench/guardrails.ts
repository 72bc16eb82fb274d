// Guardrail benchmark: the full default check set (every PII detector with Redact,
// PromptInjection, Topics with a few denied words; no webhook, no limits) on a ~1k-token and a
// ~32k-token prompt of ordinary prose with a little PII in it, and the cost per streamed chunk
// of the response filter (token-sized content deltas). Prints p50/p95/p99 in milliseconds.
// Goal (issue 7): under 0.2 ms for 1k tokens.
import { performance } from 'node:perf_hooks';
import { Registry } from 'prom-client';
import { GuardrailConfig } from '../extproc/config/schema';
import { createGuardrailService } from '../extproc/guardrails';
import { createLogger } from '../lib/log';

const SENTENCES = [
  'The quarterly report shows that revenue grew by 12 percent compared with the same period last year.',
  'Our team met on Tuesday to review the migration plan for the billing service and agreed on a timeline.',
  'Please make sure the deployment checklist is complete before the release window opens on Friday at 3 pm.',
  'Customers in the northern region reported slower response times during the evening peak.',
  'We expect the new caching layer to cut database load by roughly a third once it is fully rolled out.',
  'The design review raised questions about retries, timeouts and what happens when the upstream is slow.',
  'In 2023 the company opened two new offices and hired 140 engineers across four countries.',
  'If you have questions about the rollout, reply to this thread or reach out to the platform team.',
  'The incident on March 4 was caused by an expired certificate on one of the internal load balancers.',
  'Version 2.4.1 of the client library fixes the connection leak described in the previous release notes.',
];
const PII = [
  'Contact jane.doe@example.com for access.',
  'Her phone is +1 415 555 0100.',
  'The server at 10.20.30.40 is the primary.',
];

/** Prose of about `tokens` tokens (~4.2 characters per token), with a PII sentence every ~400 tokens. */
function prose(tokens: number): string {
  const parts: string[] = [];
  let chars = 0;
  for (let i = 0; chars < tokens * 4.2; i++) {
    const s = i % 20 === 19 ? PII[((i / 20) % PII.length) | 0]! : SENTENCES[(i * 7) % SENTENCES.length]!;
    parts.push(s);
    chars += s.length + 1;
  }
  return parts.join(' ');
}

function percentiles(samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number): string =>
    (s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0).toFixed(4);
  return `p50 ${at(50)} ms  p95 ${at(95)} ms  p99 ${at(99)} ms  (n=${s.length})`;
}

async function main(): Promise<void> {
  const service = createGuardrailService({
    logger: createLogger('bench', 'silent'),
    registry: new Registry(),
  });
  const guardrails = [
    GuardrailConfig.parse({
      key: 'bench/default',
      checks: [
        { name: 'pii', type: 'PII', action: 'Redact', restore: true },
        { name: 'injection', type: 'PromptInjection', action: 'Block', threshold: 0.5 },
        {
          name: 'topics',
          type: 'Topics',
          action: 'Block',
          deny: ['weapons', 'self-harm', 'gambling', 'project falcon'],
        },
      ],
    }),
  ];
  const ctx = { requestId: 'b', route: 'bench/route/0', model: 'gpt-4o', identity: undefined, rawBytes: 0 };

  for (const [label, tokens, runs] of [
    ['1k-token prompt', 1000, 5000],
    ['32k-token prompt', 32000, 300],
  ] as const) {
    const text = prose(tokens);
    const body = {
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: text },
      ],
    };
    const samples: number[] = [];
    for (let i = 0; i < runs + runs / 5; i++) {
      const t = performance.now();
      const verdict = await service.checkRequest(guardrails, body, ctx);
      const spent = performance.now() - t;
      if (verdict.blocked) throw new Error(`benchmark prompt was blocked: ${verdict.blocked.message}`);
      if (i >= runs / 5) samples.push(spent);
    }
    console.log(`request checks, ${label} (${text.length} chars): ${percentiles(samples)}`);
  }

  // Streaming: token-sized deltas through the response filter (same checks, restore map set).
  const answer = prose(1000);
  const pieces = answer.match(/.{1,4}/gs) ?? [];
  const env = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o' };
  const events = pieces.map((content) =>
    Buffer.from(
      `data: ${JSON.stringify({ ...env, choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`,
    ),
  );
  const perChunk: number[] = [];
  for (let round = 0; round < 12; round++) {
    const filter = service.responseFilter(guardrails, ctx, new Map([['[EMAIL_1]', 'jane.doe@example.com']]));
    if (!filter) throw new Error('no response filter');
    for (const e of events) {
      const t = performance.now();
      filter.sse(e, false);
      if (round >= 2) perChunk.push(performance.now() - t);
    }
    filter.sse(Buffer.from('data: [DONE]\n\n'), true);
  }
  console.log(`response stream, per ~1-token chunk: ${percentiles(perChunk)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

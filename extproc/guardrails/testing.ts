// Test helpers: a service with its own metrics registry and a silent logger, guardrails built
// through the config schema (so defaults apply as in production), and SSE stream builders.
import { Registry } from 'prom-client';
import { createLogger } from '../../lib/log';
import { GuardrailConfig } from '../config/schema';
import type { GuardrailContext, GuardrailService } from '../services';
import { createGuardrailService } from '.';

export function testService(
  options: { fetch?: typeof fetch; countTokens?: (t: string) => Promise<number> } = {},
): {
  service: GuardrailService;
  registry: Registry;
} {
  const registry = new Registry();
  const service = createGuardrailService({
    logger: createLogger('guardrails-test', 'silent'),
    registry,
    countTokens: options.countTokens ?? (async (t) => Math.ceil(t.length / 4)),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  return { service, registry };
}

export function guardrail(checks: unknown[], key = 'default/policy'): GuardrailConfig {
  return GuardrailConfig.parse({ key, checks });
}

export const CTX: GuardrailContext = {
  requestId: 'req-1',
  route: 'default/chat/0',
  model: 'gpt-4o',
  identity: undefined,
};

export function chat(...contents: string[]): Record<string, unknown> {
  return { model: 'gpt-4o', messages: contents.map((content) => ({ role: 'user', content })) };
}

/** A chat.completion.chunk SSE stream: a role chunk, one chunk per piece, finish, usage, [DONE]. */
export function sseOf(pieces: string[]): string {
  const env = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o' };
  const events = [
    { ...env, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
    ...pieces.map((content) => ({
      ...env,
      choices: [{ index: 0, delta: { content }, finish_reason: null }],
    })),
    { ...env, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
    { ...env, choices: [], usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 } },
  ];
  return events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('') + 'data: [DONE]\n\n';
}

export interface ParsedStream {
  /** Concatenated delta.content. */
  text: string;
  /** Each event's JSON (or "[DONE]"), in order. */
  events: unknown[];
}

export function parseSse(stream: string): ParsedStream {
  const events: unknown[] = [];
  let text = '';
  for (const block of stream.split('\n\n')) {
    const data = block
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => l.slice(6))
      .join('\n');
    if (!data) continue;
    if (data === '[DONE]') {
      events.push('[DONE]');
      continue;
    }
    const doc = JSON.parse(data) as { choices?: Array<{ delta?: { content?: string } }> };
    events.push(doc);
    for (const c of doc.choices ?? []) text += c.delta?.content ?? '';
  }
  return { text, events };
}

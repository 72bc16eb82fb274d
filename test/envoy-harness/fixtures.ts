// A ProcessorConfig and server setup shared by extproc's tests and benchmark: two OpenAI-schema
// backends (the second a fallback with a model override and an Azure-style key header), a chat
// rule, a header-and-hostname-gated rule and an embeddings rule on Gateway default/gw.
import { Writable } from 'node:stream';
import pino from 'pino';
import type { ProcessorConfig } from '../../extproc/config/schema';
import { ConfigStore } from '../../extproc/config/store';
import { ExtprocServer } from '../../extproc/server';
import { ExtProcClient } from './ext-proc-client';

export const GATEWAY = 'default/gw';
export const UPSTREAM_SECRET = 'Bearer sk-upstream-secret-123';
export const FALLBACK_SECRET = 'azure-secret-456';

export function sampleConfig(version = 'v1'): ProcessorConfig {
  return {
    version,
    gateways: { [GATEWAY]: { routes: ['default/chat/0', 'default/team/0', 'default/embed/0'] } },
    routes: {
      'default/chat/0': {
        key: 'default/chat/0',
        hostnames: [],
        matches: [
          { model: { type: 'Exact', value: 'gpt-4o' }, headers: [] },
          { model: { type: 'Prefix', value: 'gpt-4o-' }, headers: [] },
        ],
        backends: [
          { backend: 'default/openai', weight: 1, priority: 0 },
          { backend: 'default/fallback', weight: 1, priority: 1, modelOverride: 'llama-3' },
        ],
        budgets: [],
        guardrails: [],
      },
      'default/team/0': {
        key: 'default/team/0',
        hostnames: ['*.internal.example'],
        matches: [
          {
            model: { type: 'RegularExpression', value: 'claude-.*' },
            headers: [{ type: 'Exact', name: 'x-team', value: 'ml' }],
          },
        ],
        backends: [{ backend: 'default/openai', weight: 1, priority: 0 }],
        budgets: [],
        guardrails: [],
      },
      'default/embed/0': {
        key: 'default/embed/0',
        hostnames: [],
        matches: [{ model: { type: 'Exact', value: 'text-embedding-3-small' }, headers: [] }],
        backends: [{ backend: 'default/openai', weight: 1, priority: 0 }],
        budgets: [],
        guardrails: [],
      },
    },
    backends: {
      'default/openai': {
        key: 'default/openai',
        schema: 'OpenAI',
        host: 'api.openai.example',
        pathPrefix: '/v1',
        auth: { header: 'Authorization', value: UPSTREAM_SECRET },
        models: [
          { name: 'gpt-4o' },
          { name: 'gpt-4o-mini' },
          { name: 'claude-3' },
          { name: 'text-embedding-3-small' },
        ],
      },
      'default/fallback': {
        key: 'default/fallback',
        schema: 'OpenAI',
        host: '127.0.0.1:9001',
        pathPrefix: '/openai/v1',
        auth: { header: 'api-key', value: FALLBACK_SECRET },
        models: [{ name: 'llama-3' }],
      },
    },
    clientPolicies: {},
    budgets: {},
    guardrails: {},
    limits: { maxRequestBodyBytes: 64 * 1024 },
  };
}

/** A pino logger whose JSON lines are kept in `lines` (to assert on the per-request log). */
export function memoryLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n'))
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

export interface Running {
  server: ExtprocServer;
  store: ConfigStore;
  client: ExtProcClient;
  lines: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** Starts extproc on an ephemeral loopback port; `null` starts it without a config. */
export async function startExtproc(config: ProcessorConfig | null = sampleConfig()): Promise<Running> {
  const store = new ConfigStore(config ?? undefined);
  const { logger, lines } = memoryLogger();
  const server = new ExtprocServer({ store, logger });
  const address = await server.listen('tcp:127.0.0.1:0');
  const client = new ExtProcClient(address);
  return {
    server,
    store,
    client,
    lines,
    async stop() {
      client.close();
      await server.close(1000);
    },
  };
}

export function chatHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ':method': 'POST',
    ':path': '/v1/chat/completions',
    ':authority': 'gw.example',
    ':scheme': 'http',
    'content-type': 'application/json',
    ...extra,
  };
}

/** An OpenAI chat completion stream: content chunks, then (optionally) the usage-only chunk. */
export function sseStream(
  model: string,
  words: string[],
  usage?: { prompt: number; completion: number },
): string {
  const events = words.map(
    (w) =>
      `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model, choices: [{ index: 0, delta: { content: w } }], usage: null })}\n\n`,
  );
  if (usage) {
    const u = {
      prompt_tokens: usage.prompt,
      completion_tokens: usage.completion,
      total_tokens: usage.prompt + usage.completion,
    };
    events.push(
      `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model, choices: [], usage: u })}\n\n`,
    );
  }
  events.push('data: [DONE]\n\n');
  return events.join('');
}

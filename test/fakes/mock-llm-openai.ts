// The OpenAI wire shapes the mock LLM answers with: chat completions (whole and as stream
// chunks), legacy completions, embeddings and the model list, with usage the way OpenAI reports
// it (cached tokens are part of prompt_tokens, reasoning tokens part of completion_tokens, and
// the streamed usage chunk has empty choices and only comes with stream_options.include_usage).
import type { MockBehaviour } from './mock-llm-behaviour';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number; audio_tokens: number };
  completion_tokens_details: {
    reasoning_tokens: number;
    audio_tokens: number;
    accepted_prediction_tokens: number;
    rejected_prediction_tokens: number;
  };
}

/** One reply, computed once and rendered as a whole body or as stream chunks. */
export interface Reply {
  id: string;
  created: number;
  model: string;
  pieces: string[];
  finishReason: 'stop' | 'length';
  usage: Usage;
}

type Json = Record<string, unknown>;
const FINGERPRINT = 'fp_tollgate_mock';

/** Roughly OpenAI's 4 characters per token; deterministic so tests can rely on it. */
export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / 4);
}

export function planReply(
  prefix: 'chatcmpl' | 'cmpl',
  body: Json,
  name: string,
  b: MockBehaviour,
  seq: number,
): Reply {
  const model = String(body.model);
  let pieces = splitPieces(b.content ?? `[${name}] model=${model}: Hello from the mock upstream.`, b.chunks);
  const limit = Number(body.max_completion_tokens ?? body.max_tokens ?? Infinity);
  const truncated = Number.isInteger(limit) && limit > 0 && pieces.length > limit;
  if (truncated) pieces = pieces.slice(0, limit);
  const prompt = prefix === 'chatcmpl' ? chatPromptTokens(body.messages) : textTokens(body.prompt);
  const cached = b.cachedTokens ?? 0;
  const reasoning = b.reasoningTokens ?? 0;
  const promptTokens = Math.max(prompt, cached);
  const completionTokens = pieces.length + reasoning;
  return {
    id: `${prefix}-mock${name.replace(/[^A-Za-z0-9]/g, '')}${seq}`,
    created: Math.floor(Date.now() / 1000),
    model,
    pieces,
    finishReason: truncated ? 'length' : 'stop',
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: reasoning,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    },
  };
}

export function chatCompletion(r: Reply): Json {
  return {
    id: r.id,
    object: 'chat.completion',
    created: r.created,
    model: r.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: r.pieces.join(''), refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: r.finishReason,
      },
    ],
    usage: r.usage,
    service_tier: 'default',
    system_fingerprint: FINGERPRINT,
  };
}

export function chatChunks(r: Reply, includeUsage: boolean): Json[] {
  const chunk = (choices: Json[], usage?: Usage): Json => ({
    id: r.id,
    object: 'chat.completion.chunk',
    created: r.created,
    model: r.model,
    service_tier: 'default',
    system_fingerprint: FINGERPRINT,
    choices,
    ...(includeUsage ? { usage: usage ?? null } : {}),
  });
  const choice = (delta: Json, finish: string | null = null): Json => ({
    index: 0,
    delta,
    logprobs: null,
    finish_reason: finish,
  });
  return [
    chunk([choice({ role: 'assistant', content: '', refusal: null })]),
    ...r.pieces.map((content) => chunk([choice({ content })])),
    chunk([choice({}, r.finishReason)]),
    ...(includeUsage ? [chunk([], r.usage)] : []),
  ];
}

export function textCompletion(r: Reply): Json {
  return {
    id: r.id,
    object: 'text_completion',
    created: r.created,
    model: r.model,
    choices: [{ text: r.pieces.join(''), index: 0, logprobs: null, finish_reason: r.finishReason }],
    usage: legacyUsage(r.usage),
    system_fingerprint: FINGERPRINT,
  };
}

export function textCompletionChunks(r: Reply, includeUsage: boolean): Json[] {
  const chunk = (choices: Json[], usage?: Json): Json => ({
    id: r.id,
    object: 'text_completion',
    created: r.created,
    model: r.model,
    choices,
    system_fingerprint: FINGERPRINT,
    ...(includeUsage ? { usage: usage ?? null } : {}),
  });
  const choice = (text: string, finish: string | null = null) => ({
    text,
    index: 0,
    logprobs: null,
    finish_reason: finish,
  });
  return [
    ...r.pieces.map((text) => chunk([choice(text)])),
    chunk([choice('', r.finishReason)]),
    ...(includeUsage ? [chunk([], legacyUsage(r.usage))] : []),
  ];
}

export function modelList(models: readonly string[], owner: string): Json {
  return {
    object: 'list',
    data: models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: owner })),
  };
}

function legacyUsage(u: Usage): Json {
  return {
    prompt_tokens: u.prompt_tokens,
    completion_tokens: u.completion_tokens,
    total_tokens: u.total_tokens,
  };
}

/** Splits text into word pieces (a leading space each, like tokens); exactly `count` if given. */
function splitPieces(text: string, count: number | undefined): string[] {
  const words = text.match(/\s*\S+/g) ?? [text];
  if (count === undefined) return words;
  while (words.length < count) words.push(` more${words.length}`);
  const pieces: string[] = [];
  const per = words.length / count;
  for (let i = 0; i < count; i++)
    pieces.push(words.slice(Math.round(i * per), Math.round((i + 1) * per)).join(''));
  return pieces;
}

function chatPromptTokens(messages: unknown): number {
  if (!Array.isArray(messages)) return 0;
  // OpenAI's accounting: a few tokens of framing per message plus 3 to prime the reply.
  return 3 + messages.reduce<number>((n, m) => n + 4 + textTokens((m as Json | null)?.content), 0);
}

function textTokens(content: unknown): number {
  if (typeof content === 'string') return estimateTokens(content);
  if (Array.isArray(content))
    return content.reduce<number>(
      (n, part) =>
        n + (typeof part === 'string' ? estimateTokens(part) : textTokens((part as Json | null)?.text)),
      0,
    );
  return 0;
}

// Anthropic Messages API responses -> OpenAI shapes (https://docs.anthropic.com/en/api/messages,
// /en/api/errors): a `message` becomes a chat.completion (text, tool_calls with JSON arguments,
// finish_reason from stop_reason), usage counts cache reads and writes as prompt tokens, and an
// error body becomes an OpenAI error body under the same status (429 and 5xx stay retriable).
import { openAIErrorBody } from '../../../lib/errors';

type Json = Record<string, unknown>;

export function obj(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

const FINISH_REASON: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  pause_turn: 'stop',
  refusal: 'content_filter',
};

export function finishReason(stopReason: unknown): string | null {
  if (typeof stopReason !== 'string') return null;
  return FINISH_REASON[stopReason] ?? 'stop';
}

/** Anthropic input/output/cache counts accumulated over a response (streams report in parts). */
export interface AnthropicUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/** Reads an Anthropic `usage` object into `into`, keeping what it does not mention. */
export function readUsage(value: unknown, into: AnthropicUsage): void {
  const u = obj(value);
  if (!u) return;
  if (u.input_tokens !== undefined) into.input = num(u.input_tokens);
  if (u.output_tokens !== undefined) into.output = num(u.output_tokens);
  if (u.cache_read_input_tokens !== undefined) into.cacheRead = num(u.cache_read_input_tokens);
  if (u.cache_creation_input_tokens !== undefined) into.cacheWrite = num(u.cache_creation_input_tokens);
}

/** OpenAI usage: every input token Anthropic billed is a prompt token; cache reads are cached. */
export function openAIUsage(u: AnthropicUsage): Json {
  const prompt = u.input + u.cacheRead + u.cacheWrite;
  return {
    prompt_tokens: prompt,
    completion_tokens: u.output,
    total_tokens: prompt + u.output,
    prompt_tokens_details: { cached_tokens: u.cacheRead },
  };
}

export function toChatCompletion(message: Json, created: number): Json {
  let text = '';
  const toolCalls: Json[] = [];
  for (const block of Array.isArray(message.content) ? (message.content as unknown[]) : []) {
    const b = obj(block);
    if (b?.type === 'text' && typeof b.text === 'string') text += b.text;
    else if (b?.type === 'tool_use')
      toolCalls.push({
        id: b.id,
        type: 'function',
        function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) },
      });
  }
  const reply: Json = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text };
  if (toolCalls.length > 0) reply.tool_calls = toolCalls;
  const usage: AnthropicUsage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  readUsage(message.usage, usage);
  return {
    id: message.id,
    object: 'chat.completion',
    created,
    model: message.model,
    choices: [{ index: 0, message: reply, logprobs: null, finish_reason: finishReason(message.stop_reason) }],
    usage: openAIUsage(usage),
  };
}

/** An OpenAI error body for an Anthropic error (`{"type":"error","error":{"type","message"}}`). */
export function toOpenAIError(status: number, body: string): string {
  let error: Json | undefined;
  try {
    error = obj(obj(JSON.parse(body))?.error);
  } catch {
    error = undefined;
  }
  const message =
    typeof error?.message === 'string'
      ? error.message
      : `The Anthropic backend answered with status ${status}.`;
  const code = typeof error?.type === 'string' ? error.type : 'upstream_error';
  return openAIErrorBody(status, message, code);
}

// OpenAI chat.completion -> Anthropic `message` (https://docs.anthropic.com/en/api/messages,
// "Response"), and any error body -> Anthropic's error shape with the status kept
// (https://docs.anthropic.com/en/api/errors). Decisions: usage.input_tokens excludes cache reads
// (Anthropic counts them apart, OpenAI's prompt_tokens includes them); OpenAI says only "stop"
// whatever stopped the model, so stop_reason is end_turn and stop_sequence stays null; tool
// arguments that are not a JSON object make a 502, never a silently empty input.
import { GatewayError, anthropicErrorBody } from '../../../lib/errors';

type Json = Record<string, unknown>;

export const STOP_REASON: Record<string, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
};

export function stopReasonOf(finishReason: unknown): string | null {
  if (typeof finishReason !== 'string') return null;
  return STOP_REASON[finishReason] ?? 'end_turn';
}

function obj(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** Anthropic usage from an OpenAI usage object (input without cache reads). */
export function anthropicUsage(usage: unknown): Json {
  const u = obj(usage);
  const cached = num(obj(u?.prompt_tokens_details)?.cached_tokens);
  return {
    input_tokens: Math.max(0, num(u?.prompt_tokens) - cached),
    output_tokens: num(u?.completion_tokens),
    cache_read_input_tokens: cached,
    cache_creation_input_tokens: null,
  };
}

/** An Anthropic message id: the upstream id when it is one, else derived from it. */
export function messageId(id: unknown): string {
  if (typeof id !== 'string' || id === '') return `msg_${Date.now().toString(36)}`;
  return id.startsWith('msg_') ? id : `msg_${id.replace(/^chatcmpl-/, '')}`;
}

/** Parses streamed or whole tool arguments; "" is an empty input. */
export function toolInput(args: unknown, name: string): Json {
  if (args === undefined || args === null || args === '') return {};
  if (typeof args !== 'string') throw badArguments(name);
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    throw badArguments(name);
  }
  const input = obj(parsed);
  if (!input) throw badArguments(name);
  return input;
}

function badArguments(name: string): GatewayError {
  return new GatewayError(
    'upstream_error',
    `The backend returned arguments for tool '${name}' that are not a JSON object.`,
  );
}

export function toAnthropicMessage(doc: Json, requestModel: string): Json {
  const choices = Array.isArray(doc.choices) ? doc.choices : [];
  const choice = obj(choices[0]);
  const message = obj(choice?.message);
  const content: Json[] = [];
  if (typeof message?.content === 'string' && message.content !== '')
    content.push({ type: 'text', text: message.content });
  if (typeof message?.refusal === 'string' && message.refusal !== '')
    content.push({ type: 'text', text: message.refusal });
  for (const call of Array.isArray(message?.tool_calls) ? message.tool_calls : []) {
    const fn = obj(obj(call)?.function);
    const name = typeof fn?.name === 'string' ? fn.name : '';
    content.push({ type: 'tool_use', id: obj(call)?.id ?? '', name, input: toolInput(fn?.arguments, name) });
  }
  return {
    id: messageId(doc.id),
    type: 'message',
    role: 'assistant',
    model: typeof doc.model === 'string' && doc.model !== '' ? doc.model : requestModel,
    content,
    stop_reason: stopReasonOf(choice?.finish_reason),
    stop_sequence: null,
    usage: anthropicUsage(doc.usage),
  };
}

/** The message of an OpenAI-shaped (or Anthropic-shaped) error body, else a short text excerpt. */
export function errorMessageOf(body: Buffer, status: number): string {
  const text = body.toString('utf8');
  try {
    const error = obj(obj(JSON.parse(text))?.error);
    if (typeof error?.message === 'string') return error.message;
  } catch {
    // not JSON: fall through to the text itself
  }
  const trimmed = text.trim().slice(0, 500);
  return trimmed === '' ? `The upstream answered with status ${status}.` : trimmed;
}

/** Any error response body, re-rendered for an Anthropic client with the same status. */
export function toAnthropicError(body: Buffer, status: number): string {
  return anthropicErrorBody(status, errorMessageOf(body, status));
}

// Reading an OpenAI chat request for translators whose backends have their own schema
// (Anthropic, Bedrock, Gemini): the parameter check (mapped, default-only, or reported as
// unsupported, which rejects or drops it by the route's policy), data: image URLs, tool-call
// arguments, and error bodies for provider errors. One place, so every translator refuses and
// reports the same way.
import { GatewayError, openAIErrorBody } from '../../lib/errors';
import { checkNestedParameters } from './nested-parameters';
import type { UnsupportedParameters } from './unsupported';

export type Json = Record<string, unknown>;

export function obj(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

export function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

export function invalid(message: string, param: string): GatewayError {
  return new GatewayError('invalid_request', message, param);
}

/** Chat parameters every translator maps; each adds its own to these. */
export const CHAT_PARAMETERS: readonly string[] = [
  'model',
  'messages',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'temperature',
  'top_p',
  'stream',
  'stream_options',
  'tools',
  'tool_choice',
];

/** Parameters every translator accepts when they ask for OpenAI's default behaviour. */
export const DEFAULTS_ONLY: ParameterPolicy['defaultsOnly'] = {
  n: (v) => v === 1,
  logprobs: (v) => v === false,
  store: (v) => v === false,
};

export interface ParameterPolicy {
  /** The backend's name in messages ("Bedrock"). */
  backend: string;
  /** Parameters the translator maps (or that only concern the gateway). */
  mapped: ReadonlySet<string>;
  /** Parameters accepted when they ask for the default behaviour only (e.g. n = 1). */
  defaultsOnly: Readonly<Record<string, (value: unknown) => boolean>>;
}

/**
 * Reports every parameter the backend cannot honour (top-level ones, null values being absent,
 * then those inside messages and tools: nested-parameters.ts) and returns the body without the
 * top-level ones (the translators never copy the nested ones): under Reject the first one throws a 400 naming it, under Drop
 * they are recorded and left out.
 */
export function checkParameters(
  body: Json,
  policy: ParameterPolicy,
  unsupported: UnsupportedParameters,
): Json {
  const kept: Json = {};
  for (const [name, value] of Object.entries(body)) {
    if (value === undefined || value === null || policy.mapped.has(name)) kept[name] = value;
    else if (policy.defaultsOnly[name]?.(value) === true) kept[name] = value;
    else unsupported.unsupported(name, `not supported by ${policy.backend}`);
  }
  checkNestedParameters(kept, policy.backend, unsupported);
  return kept;
}

/** `stop` as a list (OpenAI takes a string or an array). */
export function stopSequences(stop: unknown): string[] | undefined {
  if (typeof stop === 'string') return [stop];
  if (Array.isArray(stop)) return stop.filter((s): s is string => typeof s === 'string');
  return undefined;
}

/** A data: URL's media type and base64 payload, or undefined for any other URL. */
export function dataUrl(url: string): { mediaType: string; base64: string } | undefined {
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  return m ? { mediaType: m[1] as string, base64: m[2] as string } : undefined;
}

/** An assistant tool call's JSON arguments as an object (Bedrock and Gemini take objects). */
export function toolArguments(args: unknown, param: string): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof args === 'string' && args !== '' ? args : '{}');
  } catch {
    throw invalid('Tool call arguments must be a JSON object.', param);
  }
  const o = obj(parsed);
  if (!o) throw invalid('Tool call arguments must be a JSON object.', param);
  return o;
}

/** Message content that may only hold text (system, assistant, tool results) as one string. */
export function textOf(content: unknown, where: string, backend: string): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw invalid('Message content must be a string or an array.', where);
  return content
    .map((part: unknown) => {
      const p = obj(part);
      if (p?.type !== 'text' || typeof p.text !== 'string')
        throw invalid(`Only text parts are supported here by ${backend} backends.`, `${where}.content`);
      return p.text;
    })
    .join('');
}

/** A chat.completion id for backends whose responses carry none. */
export function completionId(): string {
  return `chatcmpl-${Math.random().toString(36).slice(2, 14)}`;
}

/**
 * An OpenAI error body for a provider error under the same status. Rate limits and overloads
 * say so in the message (provider messages often do not), so clients and logs can tell them apart.
 */
export function providerErrorBody(backend: string, status: number, message: string, code: string): string {
  const prefix =
    status === 429
      ? `${backend} rate limit reached`
      : status === 503 || status === 529
        ? `${backend} is unavailable or overloaded`
        : '';
  const text = message === '' ? `The ${backend} backend answered with status ${status}.` : message;
  return openAIErrorBody(status, prefix === '' ? text : `${prefix}: ${text}`, code);
}

// Anthropic Messages request (https://docs.anthropic.com/en/api/messages) -> OpenAI
// chat.completions request, at the router level, so that routing, guardrails, budgets and every
// backend translator keep seeing one shape. `system` becomes a system message; text and image
// blocks become content parts; an assistant's tool_use blocks become tool_calls; a user's
// tool_result blocks become tool messages (placed first, as OpenAI requires them right after the
// assistant turn that called). Decisions: a top-level parameter with no OpenAI equivalent
// (top_k, thinking, service_tier...) is reported as unsupported, and the route's
// unsupportedParameters policy decides (Reject: 400 naming it; Drop: left out, named in
// `tollgate-warning`); content we cannot carry (server tools, documents, thinking blocks) is
// refused with a 400 naming it; `cache_control` hints only affect caching, so they are always
// dropped and reported in `tollgate-warning`.
import { Conversion, invalid, obj, systemMessages, toMessages } from './turns';

type Json = Record<string, unknown>;

/** Top-level fields this converter maps; the others go to the route's unsupportedParameters policy. */
const MAPPED = new Set([
  'model',
  'messages',
  'system',
  'max_tokens',
  'stop_sequences',
  'temperature',
  'top_p',
  'stream',
  'tools',
  'tool_choice',
  'metadata',
]);

export interface ConvertedRequest {
  body: Json;
  /** What was dropped (cache_control), for the tollgate-warning response header. */
  warnings: string[];
  /** Parameters left out for want of an OpenAI equivalent; the route's policy judges them. */
  unsupported: Array<{ param: string; reason: string }>;
}

const NO_EQUIVALENT = 'not supported for /v1/messages requests (no OpenAI equivalent)';

export function toOpenAIRequest(body: Json): ConvertedRequest {
  const c = new Conversion();
  for (const [name, value] of Object.entries(body)) {
    if (value === undefined || value === null || MAPPED.has(name)) continue;
    c.unsupported.push({ param: name, reason: NO_EQUIVALENT });
  }
  if (typeof body.model !== 'string' || body.model === '')
    throw invalid('`model` must be a non-empty string.', 'model');
  const maxTokens = body.max_tokens;
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1)
    throw invalid('`max_tokens` is required and must be a positive integer.', 'max_tokens');
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    throw invalid('`messages` must be a non-empty array.', 'messages');
  const messages: Json[] = [...systemMessages(body.system, c)];
  body.messages.forEach((m, i) => messages.push(...toMessages(m, i, c)));
  const out: Json = { model: body.model, messages, max_tokens: maxTokens };
  if (body.stop_sequences !== undefined && body.stop_sequences !== null) {
    if (!Array.isArray(body.stop_sequences) || body.stop_sequences.some((s) => typeof s !== 'string'))
      throw invalid('`stop_sequences` must be an array of strings.', 'stop_sequences');
    if (body.stop_sequences.length > 0) out.stop = body.stop_sequences;
  }
  for (const name of ['temperature', 'top_p'] as const) {
    const value = body[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number') throw invalid(`\`${name}\` must be a number.`, name);
    out[name] = value;
  }
  if (body.stream !== undefined && body.stream !== null) {
    if (typeof body.stream !== 'boolean') throw invalid('`stream` must be a boolean.', 'stream');
    if (body.stream) out.stream = true;
  }
  const metadata = obj(body.metadata);
  if (body.metadata !== undefined && body.metadata !== null) {
    if (!metadata) throw invalid('`metadata` must be an object.', 'metadata');
    for (const key of Object.keys(metadata))
      if (key !== 'user_id') c.unsupported.push({ param: `metadata.${key}`, reason: NO_EQUIVALENT });
    if (typeof metadata.user_id === 'string') out.user = metadata.user_id;
  }
  if (body.tools !== undefined && body.tools !== null) {
    if (!Array.isArray(body.tools)) throw invalid('`tools` must be an array.', 'tools');
    out.tools = body.tools.map((t, i) => toTool(t, i, c));
  }
  if (body.tool_choice !== undefined && body.tool_choice !== null) {
    const { choice, parallel } = toToolChoice(body.tool_choice);
    out.tool_choice = choice;
    if (parallel === false && Array.isArray(out.tools) && out.tools.length > 0)
      out.parallel_tool_calls = false;
  }
  return { body: out, warnings: [...c.warnings], unsupported: c.unsupported };
}

function toTool(tool: unknown, i: number, c: Conversion): Json {
  const t = obj(tool);
  const at = `tools[${i}]`;
  if (!t || typeof t.name !== 'string') throw invalid(`${at}.name must be a string.`, at);
  if (t.type !== undefined && t.type !== null && t.type !== 'custom')
    throw invalid(`Server tool type '${String(t.type)}' is not supported.`, `${at}.type`);
  const schema = obj(t.input_schema);
  if (!schema) throw invalid(`${at}.input_schema must be a JSON Schema object.`, `${at}.input_schema`);
  c.noteCache(t);
  const fn: Json = { name: t.name, parameters: schema };
  if (typeof t.description === 'string') fn.description = t.description;
  return { type: 'function', function: fn };
}

function toToolChoice(value: unknown): { choice: unknown; parallel: boolean | undefined } {
  const choice = obj(value);
  const parallel = choice?.disable_parallel_tool_use === true ? false : undefined;
  switch (choice?.type) {
    case 'auto':
      return { choice: 'auto', parallel };
    case 'any':
      return { choice: 'required', parallel };
    case 'none':
      return { choice: 'none', parallel };
    case 'tool':
      if (typeof choice.name === 'string')
        return { choice: { type: 'function', function: { name: choice.name } }, parallel };
  }
  throw invalid('`tool_choice` must be {type: auto|any|none} or {type: "tool", name}.', 'tool_choice');
}

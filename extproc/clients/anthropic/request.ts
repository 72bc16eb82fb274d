// Anthropic Messages request (https://docs.anthropic.com/en/api/messages) -> OpenAI
// chat.completions request, at the router level, so that routing, guardrails, budgets and every
// backend translator keep seeing one shape. `system` becomes a system message; text and image
// blocks become content parts; an assistant's tool_use blocks become tool_calls; a user's
// tool_result blocks become tool messages (placed first, as OpenAI requires them right after the
// assistant turn that called). Decisions: a parameter or block we cannot carry (top_k, thinking,
// server tools, documents...) is refused with a 400 naming it, never dropped; `cache_control`
// hints are the one exception: they only affect caching, so they are dropped and reported back
// in a `tollgate-warning` header (the caller passes `warnings`).
import { GatewayError } from '../../../lib/errors';

type Json = Record<string, unknown>;

/** Top-level fields this converter maps; everything else is refused with a 400. */
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
}

function obj(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function invalid(message: string, param: string): GatewayError {
  return new GatewayError('invalid_request', message, param);
}

class Conversion {
  readonly warnings = new Set<string>();

  /** Drops a cache_control hint from a block or tool, remembering that it did. */
  noteCache(block: Json): void {
    if (block.cache_control !== undefined && block.cache_control !== null) this.warnings.add('cache_control dropped');
  }
}

export function toOpenAIRequest(body: Json): ConvertedRequest {
  for (const [name, value] of Object.entries(body)) {
    if (value === undefined || value === null || MAPPED.has(name)) continue;
    throw invalid(`Parameter '${name}' is not supported by this gateway's /v1/messages.`, name);
  }
  if (typeof body.model !== 'string' || body.model === '') throw invalid('`model` must be a non-empty string.', 'model');
  const maxTokens = body.max_tokens;
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1)
    throw invalid('`max_tokens` is required and must be a positive integer.', 'max_tokens');
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    throw invalid('`messages` must be a non-empty array.', 'messages');
  const c = new Conversion();
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
      if (key !== 'user_id') throw invalid(`metadata.${key} is not supported.`, `metadata.${key}`);
    if (typeof metadata.user_id === 'string') out.user = metadata.user_id;
  }
  if (body.tools !== undefined && body.tools !== null) {
    if (!Array.isArray(body.tools)) throw invalid('`tools` must be an array.', 'tools');
    out.tools = body.tools.map((t, i) => toTool(t, i, c));
  }
  if (body.tool_choice !== undefined && body.tool_choice !== null) {
    const { choice, parallel } = toToolChoice(body.tool_choice);
    out.tool_choice = choice;
    if (parallel === false && Array.isArray(out.tools) && out.tools.length > 0) out.parallel_tool_calls = false;
  }
  return { body: out, warnings: [...c.warnings] };
}

function systemMessages(system: unknown, c: Conversion): Json[] {
  if (system === undefined || system === null) return [];
  if (typeof system === 'string') return system === '' ? [] : [{ role: 'system', content: system }];
  if (!Array.isArray(system)) throw invalid('`system` must be a string or an array of text blocks.', 'system');
  const parts = system.map((b, i) => {
    const block = obj(b);
    if (block?.type !== 'text' || typeof block.text !== 'string')
      throw invalid('`system` blocks must be text blocks.', `system[${i}]`);
    c.noteCache(block);
    return block.text;
  });
  return parts.length === 0 ? [] : [{ role: 'system', content: parts.join('\n\n') }];
}

function toMessages(message: unknown, i: number, c: Conversion): Json[] {
  const m = obj(message);
  const param = `messages[${i}]`;
  if (!m || (m.role !== 'user' && m.role !== 'assistant'))
    throw invalid(`${param}.role must be "user" or "assistant".`, `${param}.role`);
  if (typeof m.content === 'string') return [{ role: m.role, content: m.content }];
  if (!Array.isArray(m.content)) throw invalid(`${param}.content must be a string or an array.`, `${param}.content`);
  const blocks = m.content.map((b, j) => {
    const block = obj(b);
    if (!block || typeof block.type !== 'string')
      throw invalid(`${param}.content[${j}] must be a content block.`, `${param}.content[${j}]`);
    c.noteCache(block);
    return block;
  });
  return m.role === 'assistant' ? [assistantMessage(blocks, param)] : userMessages(blocks, param, c);
}

function assistantMessage(blocks: Json[], param: string): Json {
  const text: string[] = [];
  const calls: Json[] = [];
  blocks.forEach((block, j) => {
    if (block.type === 'text' && typeof block.text === 'string') text.push(block.text);
    else if (block.type === 'tool_use' && typeof block.id === 'string' && typeof block.name === 'string')
      calls.push({
        id: block.id,
        type: 'function',
        function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
      });
    else throw unsupportedBlock(block, `${param}.content[${j}]`);
  });
  const out: Json = { role: 'assistant', content: text.length > 0 ? text.join('') : null };
  if (calls.length > 0) out.tool_calls = calls;
  return out;
}

/** Tool results first (as tool messages), then the user's other content as one user message. */
function userMessages(blocks: Json[], param: string, c: Conversion): Json[] {
  const tools: Json[] = [];
  const parts: Json[] = [];
  blocks.forEach((block, j) => {
    const at = `${param}.content[${j}]`;
    if (block.type === 'tool_result') {
      if (typeof block.tool_use_id !== 'string') throw invalid(`${at}.tool_use_id must be a string.`, at);
      const text = toolResultText(block.content, at, c);
      tools.push({
        role: 'tool',
        tool_call_id: block.tool_use_id,
        content: block.is_error === true ? `Error: ${text}` : text,
      });
    } else parts.push(contentPart(block, at));
  });
  if (parts.length > 0) tools.push({ role: 'user', content: parts });
  return tools;
}

function toolResultText(content: unknown, at: string, c: Conversion): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw invalid(`${at}.content must be a string or an array.`, at);
  return content
    .map((b, k) => {
      const block = obj(b);
      if (block?.type !== 'text' || typeof block.text !== 'string')
        throw invalid(`${at}.content[${k}]: only text is supported in tool results.`, `${at}.content[${k}]`);
      c.noteCache(block);
      return block.text;
    })
    .join('\n');
}

function contentPart(block: Json, at: string): Json {
  if (block.type === 'text' && typeof block.text === 'string') return { type: 'text', text: block.text };
  if (block.type === 'image') {
    const source = obj(block.source);
    if (source?.type === 'base64' && typeof source.media_type === 'string' && typeof source.data === 'string')
      return { type: 'image_url', image_url: { url: `data:${source.media_type};base64,${source.data}` } };
    if (source?.type === 'url' && typeof source.url === 'string')
      return { type: 'image_url', image_url: { url: source.url } };
    throw invalid(`${at}.source must be a base64 or url image source.`, `${at}.source`);
  }
  throw unsupportedBlock(block, at);
}

function unsupportedBlock(block: Json, at: string): GatewayError {
  return invalid(`Content block type '${String(block.type)}' is not supported here.`, at);
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

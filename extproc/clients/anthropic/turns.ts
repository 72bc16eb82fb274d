// Anthropic Messages turns -> OpenAI chat messages (https://docs.anthropic.com/en/api/messages,
// `system` and `messages`): text and image blocks become content parts, an assistant's tool_use
// blocks become tool_calls, a user's tool_result blocks become tool messages placed before the
// rest of that user turn (OpenAI wants them right after the assistant turn that called). A
// failed tool result (is_error) is prefixed "Error: " since OpenAI has no flag for it. Blocks we
// cannot carry (documents, thinking, server tool results) are refused with a 400 naming them.
import { GatewayError } from '../../../lib/errors';

type Json = Record<string, unknown>;

/** What the request conversion tracks while it walks the body. */
export class Conversion {
  readonly warnings = new Set<string>();
  readonly unsupported: Array<{ param: string; reason: string }> = [];

  /** Drops a cache_control hint from a block or tool, remembering that it did. */
  noteCache(block: Json): void {
    if (block.cache_control !== undefined && block.cache_control !== null)
      this.warnings.add('cache_control dropped');
  }
}

export function obj(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

export function invalid(message: string, param: string): GatewayError {
  return new GatewayError('invalid_request', message, param);
}

export function systemMessages(system: unknown, c: Conversion): Json[] {
  if (system === undefined || system === null) return [];
  if (typeof system === 'string') return system === '' ? [] : [{ role: 'system', content: system }];
  if (!Array.isArray(system))
    throw invalid('`system` must be a string or an array of text blocks.', 'system');
  const parts = system.map((b, i) => {
    const block = obj(b);
    if (block?.type !== 'text' || typeof block.text !== 'string')
      throw invalid('`system` blocks must be text blocks.', `system[${i}]`);
    c.noteCache(block);
    return block.text;
  });
  return parts.length === 0 ? [] : [{ role: 'system', content: parts.join('\n\n') }];
}

export function toMessages(message: unknown, i: number, c: Conversion): Json[] {
  const m = obj(message);
  const param = `messages[${i}]`;
  if (!m || (m.role !== 'user' && m.role !== 'assistant'))
    throw invalid(`${param}.role must be "user" or "assistant".`, `${param}.role`);
  if (typeof m.content === 'string') return [{ role: m.role, content: m.content }];
  if (!Array.isArray(m.content))
    throw invalid(`${param}.content must be a string or an array.`, `${param}.content`);
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

// OpenAI chat request -> Anthropic Messages API request (https://docs.anthropic.com/en/api/messages):
// system/developer messages become `system`, user/assistant/tool messages become alternating
// turns of content blocks (tool calls -> tool_use, tool results -> tool_result, data: images ->
// base64 sources), tools get an input_schema. Parameters Anthropic cannot honour are reported
// through UnsupportedParameters (rejected or dropped by the route's policy), never dropped silently.
import {
  CHAT_PARAMETERS,
  DEFAULTS_ONLY,
  checkParameters,
  invalid,
  obj,
  type Json,
  type ParameterPolicy,
} from '../openai-chat';
import { UnsupportedParameters } from '../unsupported';

/** Anthropic requires max_tokens; used when the client gave none. */
export const DEFAULT_MAX_TOKENS = 4096;

type Block = Json;
interface Turn {
  role: 'user' | 'assistant';
  content: Block[];
}

/** Parameters that map onto Anthropic's, or that only concern the gateway (stream_options). */
const POLICY: ParameterPolicy = {
  backend: 'Anthropic',
  mapped: new Set([...CHAT_PARAMETERS, 'parallel_tool_calls', 'user']),
  defaultsOnly: {
    ...DEFAULTS_ONLY,
    presence_penalty: (v) => v === 0,
    frequency_penalty: (v) => v === 0,
    response_format: (v) => obj(v)?.type === 'text',
  },
};

/**
 * The Messages API body. Parameters Anthropic cannot honour go to `unsupported` (a 400 under
 * the route's Reject policy, left out under Drop).
 */
export function toAnthropicRequest(
  request: Json,
  model: string,
  unsupported: UnsupportedParameters = new UnsupportedParameters(),
): Json {
  const body = checkParameters(request, POLICY, unsupported);
  const out: Json = {
    model,
    max_tokens: body.max_completion_tokens ?? body.max_tokens ?? DEFAULT_MAX_TOKENS,
  };
  const { system, turns } = toTurns(body.messages);
  if (system.length > 0) out.system = system;
  out.messages = turns;
  if (typeof body.stop === 'string') out.stop_sequences = [body.stop];
  else if (Array.isArray(body.stop)) out.stop_sequences = body.stop;
  if (body.temperature !== undefined && body.temperature !== null) out.temperature = body.temperature;
  if (body.top_p !== undefined && body.top_p !== null) out.top_p = body.top_p;
  if (body.stream === true) out.stream = true;
  if (typeof body.user === 'string') out.metadata = { user_id: body.user };
  if (Array.isArray(body.tools)) out.tools = body.tools.map(toTool);
  const choice = toToolChoice(body.tool_choice, body.parallel_tool_calls);
  if (choice) out.tool_choice = choice;
  return out;
}

function toTool(tool: unknown, i: number): Json {
  const fn = obj(obj(tool)?.function);
  if (obj(tool)?.type !== 'function' || !fn || typeof fn.name !== 'string')
    throw invalid('Only function tools with a name are supported by Anthropic backends.', `tools[${i}]`);
  const out: Json = { name: fn.name, input_schema: obj(fn.parameters) ?? { type: 'object', properties: {} } };
  if (typeof fn.description === 'string') out.description = fn.description;
  return out;
}

function toToolChoice(choice: unknown, parallel: unknown): Json | undefined {
  let out: Json | undefined;
  if (choice === 'auto') out = { type: 'auto' };
  else if (choice === 'required') out = { type: 'any' };
  else if (choice === 'none') out = { type: 'none' };
  else if (typeof obj(obj(choice)?.function)?.name === 'string')
    out = { type: 'tool', name: obj(obj(choice)?.function)?.name };
  else if (choice !== undefined && choice !== null)
    throw invalid('tool_choice must be auto, required, none or a named function.', 'tool_choice');
  if (parallel === false && out?.type !== 'none')
    out = { ...(out ?? { type: 'auto' }), disable_parallel_tool_use: true };
  return out;
}

function toTurns(messages: unknown): { system: Block[]; turns: Turn[] } {
  const system: Block[] = [];
  const turns: Turn[] = [];
  const add = (role: Turn['role'], blocks: Block[]): void => {
    const last = turns[turns.length - 1];
    // Anthropic turns alternate: consecutive messages of one role (tool results) merge.
    if (last && last.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  };
  (messages as unknown[]).forEach((m, i) => {
    const msg = obj(m);
    const where = `messages[${i}]`;
    switch (msg?.role) {
      case 'system':
      case 'developer':
        system.push(...textBlocks(msg.content, where));
        break;
      case 'user':
        add('user', contentBlocks(msg.content, where));
        break;
      case 'assistant':
        add('assistant', [...textBlocks(msg.content ?? [], where), ...toolUses(msg.tool_calls, where)]);
        break;
      case 'tool':
        if (typeof msg.tool_call_id !== 'string') throw invalid('A tool message needs tool_call_id.', where);
        // A string result stays a string (Anthropic takes both); parts become text blocks.
        add('user', [
          {
            type: 'tool_result',
            tool_use_id: msg.tool_call_id,
            content: typeof msg.content === 'string' ? msg.content : textBlocks(msg.content, where),
          },
        ]);
        break;
      default:
        throw invalid(`Message role '${String(msg?.role)}' is not supported by Anthropic backends.`, where);
    }
  });
  return { system, turns };
}

function textBlocks(content: unknown, where: string): Block[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw invalid('Message content must be a string or an array.', where);
  return content.map((part: unknown) => {
    const p = obj(part);
    if (p?.type !== 'text' || typeof p.text !== 'string')
      throw invalid('Only text parts are allowed here.', `${where}.content`);
    return { type: 'text', text: p.text };
  });
}

function contentBlocks(content: unknown, where: string): Block[] {
  if (!Array.isArray(content)) return textBlocks(content, where);
  return content.map((part: unknown) => {
    const p = obj(part);
    if (p?.type === 'text' && typeof p.text === 'string') return { type: 'text', text: p.text };
    const url = obj(p?.image_url)?.url;
    if (p?.type !== 'image_url' || typeof url !== 'string')
      throw invalid(
        `Content part type '${String(p?.type)}' is not supported by Anthropic backends.`,
        `${where}.content`,
      );
    const data = /^data:([^;,]+);base64,(.*)$/s.exec(url);
    if (data) return { type: 'image', source: { type: 'base64', media_type: data[1], data: data[2] } };
    return { type: 'image', source: { type: 'url', url } };
  });
}

function toolUses(calls: unknown, where: string): Block[] {
  if (calls === undefined || calls === null) return [];
  if (!Array.isArray(calls)) throw invalid('tool_calls must be an array.', `${where}.tool_calls`);
  return calls.map((call: unknown, j: number) => {
    const c = obj(call);
    const fn = obj(c?.function);
    const param = `${where}.tool_calls[${j}]`;
    if (typeof c?.id !== 'string' || typeof fn?.name !== 'string')
      throw invalid('A tool call needs id and function.name.', param);
    let input: unknown;
    try {
      input = JSON.parse(typeof fn.arguments === 'string' && fn.arguments !== '' ? fn.arguments : '{}');
    } catch {
      throw invalid('Tool call arguments must be a JSON object.', `${param}.function.arguments`);
    }
    return { type: 'tool_use', id: c.id, name: fn.name, input };
  });
}

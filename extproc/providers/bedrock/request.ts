// OpenAI chat request -> Bedrock Converse request
// (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html):
// system/developer messages become `system` text blocks, the rest alternating user/assistant
// turns of content blocks (text, image bytes from data: URLs, toolUse, toolResult), tools become
// toolSpec entries with inputSchema.json, and max_tokens/temperature/top_p/stop go to
// inferenceConfig. Parameters Converse cannot honour are reported through UnsupportedParameters
// (rejected with a 400 naming them, or dropped, by the route's policy); so is a `user` that
// Bedrock's requestMetadata would refuse.
import {
  CHAT_PARAMETERS,
  DEFAULTS_ONLY,
  checkParameters,
  dataUrl,
  invalid,
  obj,
  stopSequences,
  textOf,
  toolArguments,
  type Json,
  type ParameterPolicy,
} from '../openai-chat';
import { UnsupportedParameters } from '../unsupported';

const BACKEND = 'Bedrock';

const POLICY: ParameterPolicy = {
  backend: BACKEND,
  mapped: new Set([...CHAT_PARAMETERS, 'user']),
  defaultsOnly: {
    ...DEFAULTS_ONLY,
    presence_penalty: (v) => v === 0,
    frequency_penalty: (v) => v === 0,
    parallel_tool_calls: (v) => v === true,
    response_format: (v) => obj(v)?.type === 'text',
  },
};

/** Image formats Converse accepts, by media type. */
const IMAGE_FORMATS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

/** requestMetadata values Converse accepts (its documented pattern). */
const METADATA_VALUE = /^[a-zA-Z0-9\s:_@$#=/+,.-]{0,256}$/;

interface Turn {
  role: 'user' | 'assistant';
  content: Json[];
}

/** The Converse body; the model is in the path (/model/{modelId}/converse), not the body. */
export function toConverseRequest(
  request: Json,
  unsupported: UnsupportedParameters = new UnsupportedParameters(),
): Json {
  const body = checkParameters(request, POLICY, unsupported);
  const system: Json[] = [];
  const turns: Turn[] = [];
  const add = (role: Turn['role'], blocks: Json[]): void => {
    if (blocks.length === 0) return;
    const last = turns[turns.length - 1];
    // Converse turns alternate: consecutive messages of one role (tool results) merge.
    if (last && last.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  };
  let hasToolBlocks = false;
  (body.messages as unknown[]).forEach((m, i) => {
    const msg = obj(m);
    const where = `messages[${i}]`;
    switch (msg?.role) {
      case 'system':
      case 'developer': {
        const text = textOf(msg.content, where, BACKEND);
        if (text !== '') system.push({ text });
        break;
      }
      case 'user':
        add('user', userBlocks(msg.content, where));
        break;
      case 'assistant': {
        const text = textOf(msg.content, where, BACKEND);
        const uses = toolUses(msg.tool_calls, where);
        hasToolBlocks ||= uses.length > 0;
        add('assistant', [...(text === '' ? [] : [{ text }]), ...uses]);
        break;
      }
      case 'tool': {
        if (typeof msg.tool_call_id !== 'string') throw invalid('A tool message needs tool_call_id.', where);
        hasToolBlocks = true;
        const text = textOf(msg.content, where, BACKEND);
        add('user', [{ toolResult: { toolUseId: msg.tool_call_id, content: [{ text }] } }]);
        break;
      }
      default:
        throw invalid(`Message role '${String(msg?.role)}' is not supported by Bedrock backends.`, where);
    }
  });
  const out: Json = { messages: turns };
  if (system.length > 0) out.system = system;
  const inference: Json = {};
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens !== undefined && maxTokens !== null) inference.maxTokens = maxTokens;
  if (body.temperature !== undefined && body.temperature !== null) inference.temperature = body.temperature;
  if (body.top_p !== undefined && body.top_p !== null) inference.topP = body.top_p;
  const stop = stopSequences(body.stop);
  if (stop) inference.stopSequences = stop;
  if (Object.keys(inference).length > 0) out.inferenceConfig = inference;
  const toolConfig = toToolConfig(body.tools, body.tool_choice, hasToolBlocks, unsupported);
  if (toolConfig) out.toolConfig = toolConfig;
  // Invocation-log metadata; a value outside Bedrock's allowed characters would fail the request.
  if (typeof body.user === 'string' && METADATA_VALUE.test(body.user))
    out.requestMetadata = { user: body.user };
  else if (body.user !== undefined && body.user !== null)
    unsupported.unsupported(
      'user',
      "not supported by Bedrock outside requestMetadata's characters and length",
    );
  return out;
}

function toToolConfig(
  tools: unknown,
  choice: unknown,
  hasToolBlocks: boolean,
  unsupported: UnsupportedParameters,
): Json | undefined {
  if (!Array.isArray(tools) || tools.length === 0) {
    if (choice !== undefined && choice !== null && choice !== 'none' && choice !== 'auto')
      throw invalid('tool_choice needs tools.', 'tool_choice');
    return undefined;
  }
  if (choice === 'none') {
    // Converse has no "none": leaving the tools out is the same, unless the conversation
    // already holds tool blocks (then Bedrock requires toolConfig, and 'none' cannot be said:
    // dropped, the tools are offered with Bedrock's default choice, auto).
    if (!hasToolBlocks) return undefined;
    unsupported.unsupported(
      'tool_choice',
      "not supported by Bedrock as 'none' with tool calls in the conversation",
    );
    return { tools: tools.map(toToolSpec) };
  }
  const out: Json = { tools: tools.map(toToolSpec) };
  const fn = obj(obj(choice)?.function);
  if (choice === 'required') out.toolChoice = { any: {} };
  else if (choice === 'auto') out.toolChoice = { auto: {} };
  else if (typeof fn?.name === 'string') out.toolChoice = { tool: { name: fn.name } };
  else if (choice !== undefined && choice !== null)
    throw invalid('tool_choice must be auto, required, none or a named function.', 'tool_choice');
  return out;
}

function toToolSpec(tool: unknown, i: number): Json {
  const fn = obj(obj(tool)?.function);
  if (obj(tool)?.type !== 'function' || !fn || typeof fn.name !== 'string')
    throw invalid('Only function tools with a name are supported by Bedrock backends.', `tools[${i}]`);
  const spec: Json = {
    name: fn.name,
    inputSchema: { json: obj(fn.parameters) ?? { type: 'object', properties: {} } },
  };
  if (typeof fn.description === 'string') spec.description = fn.description;
  return { toolSpec: spec };
}

function userBlocks(content: unknown, where: string): Json[] {
  if (!Array.isArray(content)) {
    const text = textOf(content, where, BACKEND);
    return text === '' ? [] : [{ text }];
  }
  return content.map((part: unknown): Json => {
    const p = obj(part);
    if (p?.type === 'text' && typeof p.text === 'string') return { text: p.text };
    const url = obj(p?.image_url)?.url;
    if (p?.type !== 'image_url' || typeof url !== 'string')
      throw invalid(
        `Content part type '${String(p?.type)}' is not supported by Bedrock backends.`,
        `${where}.content`,
      );
    const data = dataUrl(url);
    const format = data && IMAGE_FORMATS[data.mediaType.toLowerCase()];
    if (!data || !format)
      throw invalid(
        'Bedrock backends take images as base64 data: URLs of PNG, JPEG, GIF or WebP.',
        `${where}.content`,
      );
    return { image: { format, source: { bytes: data.base64 } } };
  });
}

function toolUses(calls: unknown, where: string): Json[] {
  if (calls === undefined || calls === null) return [];
  if (!Array.isArray(calls)) throw invalid('tool_calls must be an array.', `${where}.tool_calls`);
  return calls.map((call: unknown, j: number) => {
    const c = obj(call);
    const fn = obj(c?.function);
    const param = `${where}.tool_calls[${j}]`;
    if (typeof c?.id !== 'string' || typeof fn?.name !== 'string')
      throw invalid('A tool call needs id and function.name.', param);
    const input = toolArguments(fn.arguments, `${param}.function.arguments`);
    return { toolUse: { toolUseId: c.id, name: fn.name, input } };
  });
}

// OpenAI chat request -> Gemini generateContent request, one body for the Gemini API and Vertex
// AI (https://ai.google.dev/api/generate-content, https://ai.google.dev/api/caching#Content):
// system/developer messages become systemInstruction, the rest `contents` of user/model turns
// (text, inlineData images from data: URLs, functionCall, functionResponse named after the call
// it answers), tools become functionDeclarations, tool_choice toolConfig, and the sampling
// parameters generationConfig (response_format json -> responseMimeType). Gemini's schemas are
// an OpenAPI subset: JSON Schema keywords it rejects ($schema, additionalProperties) are dropped.
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

const BACKEND = 'Gemini';

const POLICY: ParameterPolicy = {
  backend: BACKEND,
  mapped: new Set([...CHAT_PARAMETERS, 'seed', 'presence_penalty', 'frequency_penalty', 'response_format']),
  defaultsOnly: {
    ...DEFAULTS_ONLY,
    parallel_tool_calls: (v) => v === true,
  },
};

/** Generation parameters copied as they are: OpenAI name -> generationConfig name. */
const GENERATION: Array<[string, string]> = [
  ['temperature', 'temperature'],
  ['top_p', 'topP'],
  ['seed', 'seed'],
  ['presence_penalty', 'presencePenalty'],
  ['frequency_penalty', 'frequencyPenalty'],
];

/** JSON Schema keywords Gemini's Schema object rejects. */
const UNSUPPORTED_SCHEMA_KEYS = new Set(['$schema', '$id', 'additionalProperties', 'strict']);

interface Content {
  role: 'user' | 'model';
  parts: Json[];
}

/**
 * The generateContent body. Parameters Gemini cannot honour (`user` among them: it has no
 * end-user field) go to `unsupported` (a 400 under Reject, left out under Drop).
 */
export function toGeminiRequest(
  request: Json,
  unsupported: UnsupportedParameters = new UnsupportedParameters(),
): Json {
  const body = checkParameters(request, POLICY, unsupported);
  const system: string[] = [];
  const contents: Content[] = [];
  /** Tool call id -> function name: functionResponse names the function, OpenAI the call id. */
  const callNames = new Map<string, string>();
  const add = (role: Content['role'], parts: Json[]): void => {
    if (parts.length === 0) return;
    const last = contents[contents.length - 1];
    if (last && last.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  (body.messages as unknown[]).forEach((m, i) => {
    const msg = obj(m);
    const where = `messages[${i}]`;
    switch (msg?.role) {
      case 'system':
      case 'developer': {
        const text = textOf(msg.content, where, BACKEND);
        if (text !== '') system.push(text);
        break;
      }
      case 'user':
        add('user', userParts(msg.content, where));
        break;
      case 'assistant': {
        const text = textOf(msg.content, where, BACKEND);
        add('model', [
          ...(text === '' ? [] : [{ text }]),
          ...functionCalls(msg.tool_calls, where, callNames),
        ]);
        break;
      }
      case 'tool': {
        const name = typeof msg.tool_call_id === 'string' ? callNames.get(msg.tool_call_id) : undefined;
        if (name === undefined)
          throw invalid('A tool message must answer a tool call of an earlier assistant message.', where);
        const content = textOf(msg.content, where, BACKEND);
        add('user', [{ functionResponse: { name, response: toolResponse(content) } }]);
        break;
      }
      default:
        throw invalid(`Message role '${String(msg?.role)}' is not supported by Gemini backends.`, where);
    }
  });
  const out: Json = { contents };
  if (system.length > 0) out.systemInstruction = { parts: system.map((text) => ({ text })) };
  if (Array.isArray(body.tools) && body.tools.length > 0)
    out.tools = [{ functionDeclarations: body.tools.map(toDeclaration) }];
  const toolConfig = toToolConfig(body.tool_choice);
  if (toolConfig) out.toolConfig = toolConfig;
  const generation = toGenerationConfig(body);
  if (Object.keys(generation).length > 0) out.generationConfig = generation;
  return out;
}

function toGenerationConfig(body: Json): Json {
  const out: Json = {};
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens !== undefined && maxTokens !== null) out.maxOutputTokens = maxTokens;
  for (const [from, to] of GENERATION)
    if (body[from] !== undefined && body[from] !== null) out[to] = body[from];
  const stop = stopSequences(body.stop);
  if (stop) out.stopSequences = stop;
  const format = obj(body.response_format);
  if (format?.type === 'json_object') out.responseMimeType = 'application/json';
  else if (format?.type === 'json_schema') {
    out.responseMimeType = 'application/json';
    const schema = obj(obj(format.json_schema)?.schema);
    if (schema) out.responseSchema = geminiSchema(schema);
  } else if (format && format.type !== 'text')
    throw invalid('response_format must be text, json_object or json_schema.', 'response_format');
  return out;
}

function toToolConfig(choice: unknown): Json | undefined {
  const fn = obj(obj(choice)?.function);
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (typeof fn?.name === 'string')
    return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [fn.name] } };
  if (choice !== undefined && choice !== null)
    throw invalid('tool_choice must be auto, required, none or a named function.', 'tool_choice');
  return undefined;
}

function toDeclaration(tool: unknown, i: number): Json {
  const fn = obj(obj(tool)?.function);
  if (obj(tool)?.type !== 'function' || !fn || typeof fn.name !== 'string')
    throw invalid('Only function tools with a name are supported by Gemini backends.', `tools[${i}]`);
  const out: Json = { name: fn.name };
  if (typeof fn.description === 'string') out.description = fn.description;
  const parameters = obj(fn.parameters);
  // A function without parameters has none in Gemini (an empty object schema is refused).
  if (parameters && Object.keys(obj(parameters.properties) ?? {}).length > 0)
    out.parameters = geminiSchema(parameters);
  return out;
}

/** A JSON Schema without the keywords Gemini refuses, recursively. */
export function geminiSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(geminiSchema);
  const o = obj(schema);
  if (!o) return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(o))
    if (!UNSUPPORTED_SCHEMA_KEYS.has(key))
      out[key] = key === 'properties' ? mapValues(value) : geminiSchema(value);
  return out;
}

function mapValues(properties: unknown): unknown {
  const o = obj(properties);
  if (!o) return properties;
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, geminiSchema(v)]));
}

/** A tool result as functionResponse.response: a JSON object as is, anything else wrapped. */
function toolResponse(content: string): Json {
  try {
    const parsed = obj(JSON.parse(content));
    if (parsed) return parsed;
  } catch {
    // not JSON: wrapped below
  }
  return { content };
}

function userParts(content: unknown, where: string): Json[] {
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
        `Content part type '${String(p?.type)}' is not supported by Gemini backends.`,
        `${where}.content`,
      );
    const data = dataUrl(url);
    if (!data) throw invalid('Gemini backends take images as base64 data: URLs.', `${where}.content`);
    return { inlineData: { mimeType: data.mediaType, data: data.base64 } };
  });
}

function functionCalls(calls: unknown, where: string, names: Map<string, string>): Json[] {
  if (calls === undefined || calls === null) return [];
  if (!Array.isArray(calls)) throw invalid('tool_calls must be an array.', `${where}.tool_calls`);
  return calls.map((call: unknown, j: number) => {
    const c = obj(call);
    const fn = obj(c?.function);
    const param = `${where}.tool_calls[${j}]`;
    if (typeof c?.id !== 'string' || typeof fn?.name !== 'string')
      throw invalid('A tool call needs id and function.name.', param);
    names.set(c.id, fn.name);
    return {
      functionCall: { name: fn.name, args: toolArguments(fn.arguments, `${param}.function.arguments`) },
    };
  });
}

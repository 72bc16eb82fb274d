// Parses and checks an OpenAI-API request body once, at each level: the endpoint from the path,
// the JSON object, `model`, `stream` and `stream_options.include_usage`. Every problem becomes
// a GatewayError the caller turns into an OpenAI-shaped immediate response. Unknown fields are
// kept as they are: the object is passed on, never rebuilt. `messages` (Anthropic's
// /v1/messages) is converted to a chat body at the router level (extproc/clients/anthropic)
// before it is parsed here as `chat`.
import { GatewayError } from '../lib/errors';

export type Endpoint = 'chat' | 'completions' | 'embeddings' | 'responses' | 'models' | 'messages';

/** OpenTelemetry gen_ai.operation.name per endpoint. */
export const OPERATION_NAME: Record<Endpoint, string> = {
  chat: 'chat',
  completions: 'text_completion',
  embeddings: 'embeddings',
  responses: 'chat',
  models: 'list_models',
  messages: 'chat',
};

const ENDPOINT_BY_PATH: Record<string, Endpoint> = {
  '/v1/chat/completions': 'chat',
  '/v1/completions': 'completions',
  '/v1/embeddings': 'embeddings',
  '/v1/responses': 'responses',
  '/v1/models': 'models',
  '/v1/messages': 'messages',
};

/** Arrays longer than this (messages, input, prompt) are refused before any work is done. */
export const MAX_ARRAY_ITEMS = 10_000;

export function endpointOf(path: string): Endpoint | undefined {
  const q = path.indexOf('?');
  return ENDPOINT_BY_PATH[q === -1 ? path : path.slice(0, q)];
}

export interface ParsedRequest {
  endpoint: Endpoint;
  body: Record<string, unknown>;
  model: string;
  stream: boolean;
  /** Whether the client itself asked for the usage chunk at the end of a stream. */
  clientIncludeUsage: boolean;
}

/** Rejects content types other than JSON; a missing content-type is accepted. */
export function checkContentType(contentType: string | undefined): void {
  if (contentType === undefined || contentType === '') return;
  const type = contentType.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw new GatewayError('unsupported_content_type', `Content-Type must be application/json, got ${type}.`);
  }
}

export function parseRequest(endpoint: Endpoint, raw: Buffer): ParsedRequest {
  if (raw.length === 0) throw new GatewayError('invalid_json', 'The request body is empty; expected JSON.');
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new GatewayError('invalid_json', 'The request body is not valid JSON.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new GatewayError('invalid_request', 'The request body must be a JSON object.');
  }
  const obj = body as Record<string, unknown>;
  const model = obj.model;
  if (model === undefined || model === null || model === '') {
    throw new GatewayError('model_required', 'You must provide a model parameter.', 'model');
  }
  if (typeof model !== 'string')
    throw new GatewayError('invalid_request', '`model` must be a string.', 'model');

  const stream = obj.stream ?? false;
  if (typeof stream !== 'boolean')
    throw new GatewayError('invalid_request', '`stream` must be a boolean.', 'stream');
  if (stream && endpoint === 'embeddings') {
    throw new GatewayError('invalid_request', 'Embeddings do not support streaming.', 'stream');
  }
  let clientIncludeUsage = false;
  const options = obj.stream_options;
  if (options !== undefined && options !== null) {
    if (typeof options !== 'object' || Array.isArray(options)) {
      throw new GatewayError('invalid_request', '`stream_options` must be an object.', 'stream_options');
    }
    clientIncludeUsage = (options as Record<string, unknown>).include_usage === true;
  }
  checkRequired(endpoint, obj);
  return { endpoint, body: obj, model, stream, clientIncludeUsage };
}

const REQUIRED: Partial<Record<Endpoint, string>> = {
  chat: 'messages',
  completions: 'prompt',
  embeddings: 'input',
};

function checkRequired(endpoint: Endpoint, obj: Record<string, unknown>): void {
  const field = REQUIRED[endpoint];
  if (field !== undefined) {
    const value = obj[field];
    if (value === undefined || value === null) {
      throw new GatewayError('invalid_request', `Missing required parameter: '${field}'.`, field);
    }
    if (endpoint === 'chat' && (!Array.isArray(value) || value.length === 0)) {
      throw new GatewayError('invalid_request', '`messages` must be a non-empty array.', 'messages');
    }
  }
  for (const name of ['messages', 'input', 'prompt']) {
    const value = obj[name];
    if (Array.isArray(value) && value.length > MAX_ARRAY_ITEMS) {
      throw new GatewayError('invalid_request', `\`${name}\` has more than ${MAX_ARRAY_ITEMS} items.`, name);
    }
  }
}

// The OpenAI endpoints of the mock LLM: request checks with OpenAI's error messages, then the
// reply as one JSON body or as a Server-Sent Events stream (`data: {chunk}\n\n` ... `data: [DONE]`).
import type http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MockBehaviour } from './mock-llm-behaviour';
import {
  chatChunks,
  chatCompletion,
  modelList,
  planReply,
  textCompletion,
  textCompletionChunks,
} from './mock-llm-openai';
import { embeddings } from './mock-llm-embeddings';
import type { RecordedRequest } from './mock-llm';

export interface ApiContext {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  record: RecordedRequest;
  body: unknown;
  behaviour: MockBehaviour;
  name: string;
  models: readonly string[];
  seq: number;
  send: (status: number, body: string, headers?: Record<string, string>) => void;
  fail: (status: number, message: string, code: string, param?: string | null) => void;
  /** Aborted when the client disconnects. */
  signal: AbortSignal;
}

type Json = Record<string, unknown>;

export async function handleApi(ctx: ApiContext): Promise<void> {
  const { record, fail } = ctx;
  const route = `${record.method} ${record.path}`;
  if (route === 'GET /v1/models') return ctx.send(200, JSON.stringify(modelList(ctx.models, ctx.name)));
  if (route === 'GET /healthz') return ctx.send(200, '{"status":"ok"}');
  const post = ['/v1/chat/completions', '/v1/completions', '/v1/embeddings'];
  if (!post.includes(record.path)) return fail(404, `mock ${ctx.name}: no route for ${route}`, 'unknown_url');
  if (record.method !== 'POST')
    return fail(405, `mock ${ctx.name}: ${record.path} accepts POST only`, 'method_not_allowed');
  const body = ctx.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return fail(
      400,
      'We could not parse the JSON body of your request. Expected a JSON object.',
      'invalid_json',
    );
  const json = body as Json;
  if (typeof json.model !== 'string' || json.model === '')
    return fail(400, 'you must provide a model parameter', 'missing_required_parameter', 'model');

  if (record.path === '/v1/embeddings') {
    if (
      json.input === undefined ||
      json.input === '' ||
      (Array.isArray(json.input) && json.input.length === 0)
    )
      return fail(400, "Missing required parameter: 'input'.", 'missing_required_parameter', 'input');
    const dims = json.dimensions;
    if (dims !== undefined && !(Number.isInteger(dims) && (dims as number) >= 1 && (dims as number) <= 4096))
      return fail(400, 'dimensions must be an integer from 1 to 4096', 'invalid_value', 'dimensions');
    return ctx.send(200, JSON.stringify(embeddings(json)));
  }

  const chat = record.path === '/v1/chat/completions';
  if (chat && (!Array.isArray(json.messages) || json.messages.length === 0))
    return fail(400, "Missing required parameter: 'messages'.", 'missing_required_parameter', 'messages');
  const reply = planReply(chat ? 'chatcmpl' : 'cmpl', json, ctx.name, ctx.behaviour, ctx.seq);
  if (json.stream !== true)
    return ctx.send(200, JSON.stringify(chat ? chatCompletion(reply) : textCompletion(reply)));

  const includeUsage = (json.stream_options as Json | undefined)?.include_usage === true;
  const chunks = chat ? chatChunks(reply, includeUsage) : textCompletionChunks(reply, includeUsage);
  await stream(ctx, chunks);
}

async function stream(ctx: ApiContext, chunks: Json[]): Promise<void> {
  const { res, signal } = ctx;
  ctx.record.status = 200;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-mock-name': ctx.name,
  });
  res.flushHeaders();
  const delay = ctx.behaviour.chunkDelayMs ?? 0;
  for (const [i, chunk] of chunks.entries()) {
    if (signal.aborted) return;
    if (i > 0 && delay > 0) await sleep(delay, undefined, { signal });
    res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  }
  res.end('data: [DONE]\n\n');
}

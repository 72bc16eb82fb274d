// Helpers of the translator conformance suite (conformance.test.ts): readers that turn each
// schema's upstream request into one common view, and drivers that run a request or a response
// (cut into network chunks) through a translator and reassemble the OpenAI stream a client sees.
import assert from 'node:assert/strict';
import type { BackendConfig } from '../config/schema';
import { parseRequest } from '../request';
import type { ProviderFixtures } from './conformance-fixtures';
import { translatorFor } from './index';
import type { Translator } from './translator';
import { UnsupportedParameters } from './unsupported';

export type Json = Record<string, unknown>;
export interface Turn {
  role: string;
  kinds: string[];
}
export interface CommonRequest {
  model: unknown;
  system: string;
  turns: Turn[];
  tools: string[];
  toolChoice: string;
  maxTokens: unknown;
  stop: unknown;
  temperature: unknown;
  image: string;
}

export interface Case {
  schema: BackendConfig['schema'];
  backend: BackendConfig;
  fixtures: ProviderFixtures;
  path: string;
  /** The credential header and its value (a pattern for signatures). */
  credential: [string, string | RegExp];
  /** Reads the upstream request (body and path: some schemas put the model in the path). */
  read(body: Json, path: string): CommonRequest;
  /** Parameters the backend cannot honour (refused with a 400 naming them). */
  refused: Json[];
  /** The model the backend is asked for, when the schema does not carry it in the body. */
  model?: string;
  /** Response content types, when the backend's are not JSON and SSE. */
  types?: { json: string; stream: string };
  /** Checks that do not apply to this schema, with the reason. */
  skip?: Record<string, string>;
}

export const base = { host: 'h', pathPrefix: '/v1', models: [] };
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const o = (v: unknown): Json => (typeof v === 'object' && v !== null ? (v as Json) : {});

function mergeTurns(turns: Turn[]): Turn[] {
  const out: Turn[] = [];
  for (const t of turns) {
    const last = out[out.length - 1];
    if (last?.role === t.role) last.kinds.push(...t.kinds);
    else out.push({ role: t.role, kinds: [...t.kinds] });
  }
  return out;
}

export function readOpenAI(body: Json): CommonRequest {
  const messages = arr(body.messages).map(o);
  const text = (c: unknown): string =>
    typeof c === 'string'
      ? c
      : arr(c)
          .map((p) => String(o(p).text ?? ''))
          .join('');
  const turns = messages
    .filter((m) => m.role !== 'system' && m.role !== 'developer')
    .map((m): Turn => {
      if (m.role === 'tool') return { role: 'user', kinds: ['tool_result'] };
      const kinds =
        typeof m.content === 'string'
          ? ['text']
          : arr(m.content).map((p) => (o(p).type === 'image_url' ? 'image' : 'text'));
      return { role: String(m.role), kinds: [...kinds, ...arr(m.tool_calls).map(() => 'tool_use')] };
    });
  const image = messages
    .flatMap((m) => arr(m.content))
    .map(o)
    .find((p) => p.type === 'image_url');
  const choice = body.tool_choice;
  return {
    model: body.model,
    system: messages
      .filter((m) => m.role === 'system')
      .map((m) => text(m.content))
      .join(''),
    turns: mergeTurns(turns),
    tools: arr(body.tools).map((t) => String(o(o(t).function).name)),
    toolChoice: typeof choice === 'string' ? choice : String(o(o(choice).function).name),
    maxTokens: body.max_tokens,
    stop: typeof body.stop === 'string' ? [body.stop] : body.stop,
    temperature: body.temperature,
    image: String(o(o(image).image_url).url ?? ''),
  };
}

export function readAnthropic(body: Json): CommonRequest {
  const messages = arr(body.messages).map(o);
  const image = o(
    messages
      .flatMap((m) => arr(m.content))
      .map(o)
      .find((b) => b.type === 'image')?.source,
  );
  const choice = o(body.tool_choice);
  const choiceName: Record<string, string> = { auto: 'auto', any: 'required', none: 'none' };
  return {
    model: body.model,
    system: arr(body.system)
      .map((b) => String(o(b).text))
      .join(''),
    turns: messages.map((m) => ({
      role: String(m.role),
      kinds: arr(m.content).map((b) => String(o(b).type)),
    })),
    tools: arr(body.tools).map((t) => `${String(o(t).name)}${o(t).input_schema ? '' : ' (no input_schema)'}`),
    toolChoice: choiceName[String(choice.type)] ?? String(choice.name),
    maxTokens: body.max_tokens,
    stop: body.stop_sequences,
    temperature: body.temperature,
    image:
      image.type === 'base64'
        ? `data:${String(image.media_type)};base64,${String(image.data)}`
        : String(image.url),
  };
}

export async function translateRequest(
  c: Case,
  body: Json,
  stream = false,
  unsupported = new UnsupportedParameters(),
): Promise<{ path: string; body: Json; headers: Array<[string, string]> }> {
  const t = translatorFor(c.schema);
  const raw = Buffer.from(JSON.stringify({ ...body, stream }));
  const parsed = parseRequest('chat', raw);
  const head = t.requestHeaders('/v1/chat/completions', c.backend);
  const model = c.model ?? 'target-model';
  const out = await t.requestBody(parsed, model, '/v1/chat/completions', c.backend, unsupported);
  const sent = out.body ?? raw;
  return {
    path: out.path ?? head.path,
    // Body-phase headers (signatures, tokens) are set after those of the headers phase.
    headers: [...head.headers, ...(out.headers ?? [])],
    body: JSON.parse(sent.toString('utf8')) as Json,
  };
}

/** Runs a response through the translator, cut into network chunks at `cuts`. */
export function translateResponse(
  t: Translator,
  status: number,
  type: string,
  payload: string | Buffer,
  cuts: number[],
  stream: boolean,
): { type: string; body: string } {
  const parsed = parseRequest(
    'chat',
    Buffer.from(JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream })),
  );
  const rt = t.responseTranslator(parsed);
  if (!rt) return { type, body: payload.toString() };
  const bytes = Buffer.from(payload);
  const bounds = [0, ...cuts.filter((n) => n > 0 && n < bytes.length), bytes.length];
  const outType = rt.headers(status, type);
  const out: Buffer[] = [];
  for (let i = 0; i + 1 < bounds.length; i++)
    out.push(rt.body(bytes.subarray(bounds[i], bounds[i + 1]), i + 2 === bounds.length));
  return { type: outType, body: Buffer.concat(out).toString('utf8') };
}

export interface Assembled {
  content: string;
  calls: Array<{ id: unknown; name: unknown; arguments: string }>;
  finish: unknown;
  usage: Json | undefined;
  done: boolean;
}

/** Reassembles an OpenAI chat.completion.chunk stream the way the openai SDK does. */
export function assemble(sse: string): Assembled {
  const out: Assembled = { content: '', calls: [], finish: null, usage: undefined, done: false };
  for (const event of sse
    .replace(/\r\n/g, '\n')
    .split('\n\n')
    .filter((e) => e.startsWith('data: '))) {
    const data = event.slice(6);
    if (data === '[DONE]') {
      out.done = true;
      continue;
    }
    const doc = JSON.parse(data) as Json;
    assert.equal(doc.object, 'chat.completion.chunk');
    if (doc.usage) out.usage = o(doc.usage);
    for (const choice of arr(doc.choices).map(o)) {
      const delta = o(choice.delta);
      if (typeof delta.content === 'string') out.content += delta.content;
      for (const call of arr(delta.tool_calls).map(o)) {
        const index = Number(call.index);
        const fn = o(call.function);
        const slot = (out.calls[index] ??= { id: undefined, name: undefined, arguments: '' });
        if (call.id) slot.id = call.id;
        if (fn.name) slot.name = fn.name;
        if (typeof fn.arguments === 'string') slot.arguments += fn.arguments;
      }
      if (choice.finish_reason) out.finish = choice.finish_reason;
    }
  }
  return out;
}

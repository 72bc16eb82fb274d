// The mock LLM's /v1/embeddings reply: deterministic unit vectors derived from a hash of each
// input, so equal inputs embed equally across runs, as floats or as base64 little-endian
// float32 (which the openai SDK requests by default).
import { createHash } from 'node:crypto';
import { estimateTokens } from './mock-llm-openai';

type Json = Record<string, unknown>;

export function embeddings(body: Json): Json {
  const inputs =
    Array.isArray(body.input) && body.input.every((x) => typeof x !== 'number') ? body.input : [body.input];
  const dimensions = Number(body.dimensions ?? 32);
  const base64 = body.encoding_format === 'base64';
  let tokens = 0;
  const data = inputs.map((input: unknown, index: number) => {
    const text = typeof input === 'string' ? input : JSON.stringify(input);
    tokens += Array.isArray(input) ? input.length : estimateTokens(text);
    const vector = unitVector(text, dimensions);
    const embedding = base64 ? Buffer.from(vector.buffer).toString('base64') : Array.from(vector);
    return { object: 'embedding', index, embedding };
  });
  return {
    object: 'list',
    data,
    model: String(body.model),
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

function unitVector(text: string, dimensions: number): Float32Array {
  const out = new Float32Array(dimensions);
  let seed = createHash('sha256').update(text).digest();
  for (let i = 0; i < dimensions; i++) {
    if (i % 8 === 0 && i > 0) seed = createHash('sha256').update(seed).digest();
    out[i] = seed.readInt32LE((i % 8) * 4) / 2 ** 31;
  }
  const norm = Math.hypot(...out) || 1;
  for (let i = 0; i < dimensions; i++) out[i] = (out[i] ?? 0) / norm;
  return out;
}

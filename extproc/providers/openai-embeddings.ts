// Reading an OpenAI embeddings request, and writing the OpenAI answer, for translators whose
// backends have their own embedding APIs (Bedrock InvokeModel, Gemini batchEmbedContents, Vertex
// AI predict). Decisions: `input` must be text (a string or an array of strings): token-id
// arrays are refused with a 400 naming `input`, since no backend here takes token ids and we do
// not detokenize. `encoding_format: base64` is honoured here, like OpenAI does it: the vector as
// little-endian float32, base64. Usage is only written when the backend reports a token count;
// otherwise it is left out and the gateway's tokenizer counts the input (accounting.ts), so no
// number is invented.
import { TranslatedResponse } from './translated-response';
import type { ResponseTranslator } from './translator';
import { checkParameters, invalid, type Json } from './openai-chat';
import type { UnsupportedParameters } from './unsupported';

export type EncodingFormat = 'float' | 'base64';

/** What a backend's embedding answer holds: one vector per input, and the input tokens if known. */
export interface Embeddings {
  vectors: number[][];
  promptTokens?: number;
}

/**
 * Checks the parameters of an embeddings request: `model`, `input` and `encoding_format` are
 * always taken, `mapped` lists what this backend maps besides (`dimensions`...); every other
 * parameter (`user` among them) goes to `unsupported`. Returns the kept body.
 */
export function checkEmbeddingParameters(
  body: Json,
  backend: string,
  mapped: string[],
  unsupported: UnsupportedParameters,
): Json {
  const kept = checkParameters(
    body,
    { backend, mapped: new Set(['model', 'input', 'encoding_format', ...mapped]), defaultsOnly: {} },
    unsupported,
  );
  encodingFormat(kept);
  return kept;
}

/** The texts to embed, in order. */
export function embeddingInputs(body: Json, backend: string): string[] {
  const input = body.input;
  if (typeof input === 'string') return [input];
  if (Array.isArray(input) && input.length > 0 && input.every((s) => typeof s === 'string'))
    return input as string[];
  if (Array.isArray(input) && input.length === 0) throw invalid('`input` must not be empty.', 'input');
  throw invalid(
    `\`input\` must be a string or an array of strings for ${backend} backends (token arrays are not supported).`,
    'input',
  );
}

export function encodingFormat(body: Json): EncodingFormat {
  const format = body.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64')
    throw invalid("`encoding_format` must be 'float' or 'base64'.", 'encoding_format');
  return format;
}

/** The format to answer in (never throws: the request phase has already refused bad values). */
export function answerFormat(body: Json): EncodingFormat {
  return body.encoding_format === 'base64' ? 'base64' : 'float';
}

/** A positive integer `dimensions`, or undefined when absent. */
export function dimensions(body: Json): number | undefined {
  const d = body.dimensions;
  if (d === undefined || d === null) return undefined;
  if (typeof d !== 'number' || !Number.isInteger(d) || d < 1)
    throw invalid('`dimensions` must be a positive integer.', 'dimensions');
  return d;
}

/** A vector as OpenAI's base64: little-endian float32 values. */
export function base64Vector(vector: number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((v, i) => bytes.writeFloatLE(v, i * 4));
  return bytes.toString('base64');
}

/** The numbers of a JSON array, or undefined when it is not an array of numbers. */
export function numbers(value: unknown): number[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'number') ? (value as number[]) : undefined;
}

export function toEmbeddingList(result: Embeddings, model: string, format: EncodingFormat): Json {
  const out: Json = {
    object: 'list',
    data: result.vectors.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: format === 'base64' ? base64Vector(vector) : vector,
    })),
    model,
  };
  if (result.promptTokens !== undefined)
    out.usage = { prompt_tokens: result.promptTokens, total_tokens: result.promptTokens };
  return out;
}

/** Buffers the whole answer (success or error) and answers an OpenAI embedding list. */
export function embeddingResponse(
  model: string,
  format: EncodingFormat,
  read: (doc: Json) => Embeddings | undefined,
  toError: (status: number, body: string) => string,
): ResponseTranslator {
  return new TranslatedResponse({
    convert: (doc) => {
      const result = read(doc);
      return result && toEmbeddingList(result, model, format);
    },
    toError,
  });
}

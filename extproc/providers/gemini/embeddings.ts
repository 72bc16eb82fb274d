// OpenAI embeddings on Google's two ways in:
// - Gemini API: POST {prefix}/models/{model}:batchEmbedContents with one request per input
//   ({model: "models/{model}", content: {parts: [{text}]}, outputDimensionality?}) ->
//   {embeddings: [{values}]}. The answer has no token count: usage is left out and the gateway's
//   tokenizer counts the input (no invented numbers).
// - Vertex AI: POST .../publishers/google/models/{model}:predict with {instances: [{content}],
//   parameters: {outputDimensionality}?} -> {predictions: [{embeddings: {values, statistics:
//   {token_count}}}]}; the token counts are summed into usage.prompt_tokens.
// OpenAI `dimensions` maps to outputDimensionality. No taskType is sent (OpenAI has no such
// parameter; Google's default applies). `user` and other parameters are unsupported.
import { num, obj, type Json } from '../openai-chat';
import {
  checkEmbeddingParameters,
  dimensions,
  embeddingInputs,
  numbers,
  type Embeddings,
} from '../openai-embeddings';
import { UnsupportedParameters } from '../unsupported';

function inputs(request: Json, backend: string, unsupported: UnsupportedParameters): [string[], Json] {
  const body = checkEmbeddingParameters(request, backend, ['dimensions'], unsupported);
  return [embeddingInputs(body, backend), body];
}

/** The batchEmbedContents body (Gemini API). */
export function toBatchEmbedRequest(
  request: Json,
  model: string,
  unsupported: UnsupportedParameters = new UnsupportedParameters(),
): Json {
  const [texts, body] = inputs(request, 'Gemini', unsupported);
  const d = dimensions(body);
  return {
    requests: texts.map((text) => {
      const one: Json = { model: `models/${model}`, content: { parts: [{ text }] } };
      if (d !== undefined) one.outputDimensionality = d;
      return one;
    }),
  };
}

/** The predict body (Vertex AI text embeddings). */
export function toVertexEmbedRequest(
  request: Json,
  unsupported: UnsupportedParameters = new UnsupportedParameters(),
): Json {
  const [texts, body] = inputs(request, 'Vertex AI', unsupported);
  const out: Json = { instances: texts.map((content) => ({ content })) };
  const d = dimensions(body);
  if (d !== undefined) out.parameters = { outputDimensionality: d };
  return out;
}

function vectorsOf(items: unknown, values: (item: Json) => unknown): number[][] | undefined {
  if (!Array.isArray(items)) return undefined;
  const vectors = items.map((item) => numbers(values(obj(item) ?? {})));
  return vectors.some((v) => v === undefined) ? undefined : (vectors as number[][]);
}

export function readBatchEmbed(doc: Json): Embeddings | undefined {
  const vectors = vectorsOf(doc.embeddings, (e) => e.values);
  return vectors && { vectors };
}

export function readVertexEmbed(doc: Json): Embeddings | undefined {
  const vectors = vectorsOf(doc.predictions, (p) => obj(p.embeddings)?.values);
  if (!vectors) return undefined;
  const counts = (doc.predictions as unknown[]).map(
    (p) => obj(obj(obj(p)?.embeddings)?.statistics)?.token_count,
  );
  if (!counts.every((c) => typeof c === 'number')) return { vectors };
  return { vectors, promptTokens: counts.reduce((sum: number, c) => sum + num(c), 0) };
}

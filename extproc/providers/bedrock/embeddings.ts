// OpenAI embeddings on Bedrock through InvokeModel (POST {prefix}/model/{modelId}/invoke), for
// the two embedding families whose bodies we know, chosen by the model id (ARNs included):
// - Amazon Titan Text Embeddings (amazon.titan-embed-text-v1/v2:0): {inputText, dimensions?}
//   -> {embedding, inputTextTokenCount}. Titan embeds ONE text per call and an attempt is one
//   upstream call, so an `input` array of several strings is refused with a 400 naming `input`
//   (send one request per text). `dimensions` (256, 512, 1024) is v2 only. Titan's `normalize`
//   is left at its default (true), as OpenAI vectors are normalized.
// - Cohere Embed (cohere.embed-*): {texts, input_type: "search_document"} -> {embeddings}.
//   Cohere's body has no token count; Bedrock puts it in the x-amzn-bedrock-input-token-count
//   header, which translators do not see, so usage is left out and counted by the tokenizer.
// Other models are refused with a 400 naming `model`.
import { invalid, num, obj, type Json } from '../openai-chat';
import {
  checkEmbeddingParameters,
  dimensions,
  embeddingInputs,
  numbers,
  type Embeddings,
} from '../openai-embeddings';
import { UnsupportedParameters } from '../unsupported';

const BACKEND = 'Bedrock';

export type EmbeddingFamily = 'titan' | 'titan-v2' | 'cohere';

export function embeddingFamily(model: string): EmbeddingFamily {
  if (model.includes('amazon.titan-embed-text-v2')) return 'titan-v2';
  if (model.includes('amazon.titan-embed')) return 'titan';
  if (model.includes('cohere.embed')) return 'cohere';
  throw invalid(
    `Bedrock backends serve embeddings with Amazon Titan Text Embeddings and Cohere Embed models; '${model}' is neither.`,
    'model',
  );
}

/** The InvokeModel body for an OpenAI embeddings request. */
export function toInvokeModelEmbedding(
  request: Json,
  model: string,
  unsupported: UnsupportedParameters = new UnsupportedParameters(),
): Json {
  const family = embeddingFamily(model);
  const body = checkEmbeddingParameters(
    request,
    BACKEND,
    family === 'titan-v2' ? ['dimensions'] : [],
    unsupported,
  );
  const inputs = embeddingInputs(body, BACKEND);
  if (family === 'cohere') return { texts: inputs, input_type: 'search_document' };
  if (inputs.length > 1)
    throw invalid(
      'Amazon Titan embedding models take one text per request: send `input` as a single string.',
      'input',
    );
  const out: Json = { inputText: inputs[0] };
  const d = dimensions(body);
  if (d !== undefined) out.dimensions = d;
  return out;
}

/** The vectors (and Titan's token count) of an InvokeModel embedding answer. */
export function readInvokeModelEmbedding(doc: Json): Embeddings | undefined {
  const titan = numbers(doc.embedding);
  if (titan)
    return typeof doc.inputTextTokenCount === 'number'
      ? { vectors: [titan], promptTokens: num(doc.inputTextTokenCount) }
      : { vectors: [titan] };
  // Cohere: a list of vectors, or {float: [...]} when embedding_types was asked for.
  const raw = doc.embeddings;
  const list = Array.isArray(raw) ? raw : obj(raw)?.float;
  if (!Array.isArray(list)) return undefined;
  const vectors = list.map(numbers);
  if (vectors.some((v) => v === undefined)) return undefined;
  return { vectors: vectors as number[][] };
}

// Gemini payloads for the translator conformance suite, written from the Gemini API reference
// (https://ai.google.dev/api/generate-content: GenerateContentResponse, Candidate,
// UsageMetadata; streamGenerateContent with alt=sse sends one whole GenerateContentResponse per
// event, CRLF-separated, with no end marker) and the error format of
// https://ai.google.dev/gemini-api/docs/troubleshooting (`{"error":{code,message,status}}`).
// Vertex AI answers the same shapes. Gemini sends a functionCall part whole: the arguments are
// never split across events (network chunks still split them: the suite cuts at every byte).
import type { ProviderFixtures } from './conformance-fixtures';

const USAGE = {
  promptTokenCount: 25,
  candidatesTokenCount: 12,
  totalTokenCount: 37,
  cachedContentTokenCount: 10,
  promptTokensDetails: [{ modality: 'TEXT', tokenCount: 25 }],
};

const event = (doc: unknown): string => `data: ${JSON.stringify(doc)}\r\n\r\n`;

export const GEMINI: ProviderFixtures = {
  json: {
    candidates: [
      {
        content: { parts: [{ text: 'Hello!' }], role: 'model' },
        finishReason: 'STOP',
        avgLogprobs: -0.0123,
      },
    ],
    usageMetadata: USAGE,
    modelVersion: 'gemini-2.0-flash',
    responseId: 'mGgXaN3QH5K3nvgPwq3jmAI',
  },
  sse:
    event({
      candidates: [{ content: { parts: [{ text: 'Hi' }], role: 'model' } }],
      usageMetadata: { promptTokenCount: 25, totalTokenCount: 25 },
      modelVersion: 'gemini-2.0-flash',
      responseId: 'nGgXaOWrCp2rnvgP4LPvwQ0',
    }) +
    event({
      candidates: [
        {
          content: {
            parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }],
            role: 'model',
          },
          finishReason: 'STOP',
        },
      ],
      usageMetadata: USAGE,
      modelVersion: 'gemini-2.0-flash',
      responseId: 'nGgXaOWrCp2rnvgP4LPvwQ0',
    }),
  rateLimited: {
    error: {
      code: 429,
      message: 'Resource has been exhausted (e.g. check quota).',
      status: 'RESOURCE_EXHAUSTED',
    },
  },
  overloaded: {
    status: 503,
    body: {
      error: {
        code: 503,
        message: 'The model is overloaded. Please try again later.',
        status: 'UNAVAILABLE',
      },
    },
  },
};

/** batchEmbedContents (https://ai.google.dev/api/embeddings): a ContentEmbedding per request. */
export const GEMINI_BATCH_EMBEDDING = {
  embeddings: [{ values: [0.5, -0.25, 0.125] }, { values: [1, 0, -1] }],
};
/** Vertex AI text embeddings :predict: values and statistics.token_count per instance. */
export const VERTEX_EMBEDDING = {
  predictions: [
    { embeddings: { values: [0.5, -0.25, 0.125], statistics: { token_count: 3, truncated: false } } },
    { embeddings: { values: [1, 0, -1], statistics: { token_count: 1, truncated: false } } },
  ],
  metadata: { billableCharacterCount: 13 },
};

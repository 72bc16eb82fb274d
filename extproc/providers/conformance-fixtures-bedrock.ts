// Bedrock payloads for the translator conformance suite, written from the Bedrock Runtime API
// reference: Converse (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html),
// ConverseStream (/API_runtime_ConverseStream.html: the event members messageStart,
// contentBlockStart, contentBlockDelta, contentBlockStop, messageStop, metadata, each event
// body carrying a "p" padding field) and the errors of /CommonErrors.html (a `{"message"}`
// body). Same conversation as the other fixtures: "Hello!", then "Hi" and a
// get_weather({"city":"Paris"}) call whose input arrives in three deltas; 25 input tokens (10
// cache reads, 5 cache writes), 12 output tokens.
import type { ProviderFixtures } from './conformance-fixtures';
import { bedrockEvent } from './bedrock/frames';

const USAGE = {
  inputTokens: 10,
  outputTokens: 12,
  totalTokens: 37,
  cacheReadInputTokens: 10,
  cacheWriteInputTokens: 5,
};

export const BEDROCK: ProviderFixtures = {
  json: {
    output: { message: { role: 'assistant', content: [{ text: 'Hello!' }] } },
    stopReason: 'end_turn',
    usage: USAGE,
    metrics: { latencyMs: 412 },
  },
  sse: Buffer.concat([
    bedrockEvent('messageStart', { p: 'abcdefghijk', role: 'assistant' }),
    bedrockEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hi' }, p: 'abcdef' }),
    bedrockEvent('contentBlockStop', { contentBlockIndex: 0, p: 'abcdefghijklmnopq' }),
    bedrockEvent('contentBlockStart', {
      contentBlockIndex: 1,
      start: { toolUse: { toolUseId: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', name: 'get_weather' } },
      p: 'abcdefgh',
    }),
    bedrockEvent('contentBlockDelta', {
      contentBlockIndex: 1,
      delta: { toolUse: { input: '{"ci' } },
      p: 'ab',
    }),
    bedrockEvent('contentBlockDelta', {
      contentBlockIndex: 1,
      delta: { toolUse: { input: 'ty": "Par' } },
      p: 'abcdefghij',
    }),
    bedrockEvent('contentBlockDelta', {
      contentBlockIndex: 1,
      delta: { toolUse: { input: 'is"}' } },
      p: 'abc',
    }),
    bedrockEvent('contentBlockStop', { contentBlockIndex: 1, p: 'abcdefghijklmn' }),
    bedrockEvent('messageStop', { stopReason: 'tool_use', p: 'abcdefghijklmnopqrstu' }),
    bedrockEvent('metadata', { usage: USAGE, metrics: { latencyMs: 893 }, p: 'abcdefgh' }),
  ]),
  rateLimited: { message: 'Too many requests, please wait before trying again.' },
  overloaded: {
    status: 503,
    body: { message: 'Bedrock is unable to process your request.' },
  },
};

/**
 * InvokeModel embedding answers (model parameters pages of the Bedrock user guide): Titan Text
 * Embeddings v2 (one vector, inputTextTokenCount) and Cohere Embed (a vector per text).
 */
export const BEDROCK_TITAN_EMBEDDING = { embedding: [0.5, -0.25, 0.125], inputTextTokenCount: 4 };
export const BEDROCK_COHERE_EMBEDDING = {
  id: 'da4f22df-5e18-4bd0-9e4d-9f0e5b0b1a3c',
  embeddings: [
    [0.5, -0.25, 0.125],
    [1, 0, -1],
  ],
  texts: ['hello world', 'bye'],
  response_type: 'embeddings_floats',
};

// The Translator for each backend schema (BackendConfig.schema); a new schema without a
// translator does not compile.
import type { BackendConfig } from '../config/schema';
import { anthropicTranslator } from './anthropic/anthropic';
import { azureOpenAITranslator } from './azure/azure';
import { bedrockTranslator } from './bedrock/bedrock';
import { geminiTranslator, vertexTranslator } from './gemini/gemini';
import { openAITranslator } from './openai/openai';
import type { Translator } from './translator';

const TRANSLATORS: Record<BackendConfig['schema'], Translator> = {
  OpenAI: openAITranslator,
  AzureOpenAI: azureOpenAITranslator,
  Anthropic: anthropicTranslator,
  Bedrock: bedrockTranslator,
  Gemini: geminiTranslator,
  VertexAI: vertexTranslator,
};

export function translatorFor(schema: BackendConfig['schema']): Translator {
  return TRANSLATORS[schema];
}

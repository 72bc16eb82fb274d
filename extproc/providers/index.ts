// The Translator for each backend schema (BackendConfig.schema); a new schema without a
// translator does not compile.
import type { BackendConfig } from '../config/schema';
import { openAITranslator } from './openai/openai';
import type { Translator } from './translator';

const TRANSLATORS: Record<BackendConfig['schema'], Translator> = {
  OpenAI: openAITranslator,
};

export function translatorFor(schema: BackendConfig['schema']): Translator {
  return TRANSLATORS[schema];
}

// The Limits check: allowed model globs ("*" matches any run of characters), message count,
// request bytes and prompt tokens. It returns the first limit exceeded (models first: a denied
// model is a 403, the rest 400), or undefined. Token counting runs only when a token limit is
// set, and only after the cheap limits passed.
import type { GuardrailCheck } from '../config/schema';

export type LimitsConfig = Extract<GuardrailCheck, { type: 'Limits' }>;

export interface LimitsInput {
  model: string;
  messages: number;
  rawBytes: number;
  texts: string[];
  countTokens: (text: string) => Promise<number>;
}

export type LimitViolation = 'model' | 'maxMessages' | 'maxRequestBytes' | 'maxPromptTokens';

const globCache = new Map<string, RegExp>();

export function globMatch(glob: string, value: string): boolean {
  let re = globCache.get(glob);
  if (!re) {
    re = new RegExp(
      `^${glob
        .split('*')
        .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
      's',
    );
    if (globCache.size > 1000) globCache.clear();
    globCache.set(glob, re);
  }
  return re.test(value);
}

export async function checkLimits(
  config: LimitsConfig,
  input: LimitsInput,
): Promise<LimitViolation | undefined> {
  if (config.allowedModels && !config.allowedModels.some((g) => globMatch(g, input.model))) return 'model';
  if (config.maxMessages !== undefined && input.messages > config.maxMessages) return 'maxMessages';
  if (config.maxRequestBytes !== undefined && input.rawBytes > config.maxRequestBytes)
    return 'maxRequestBytes';
  if (config.maxPromptTokens !== undefined) {
    // Characters bound tokens from above (a token is at least one UTF-16 unit): skip counting
    // when even that bound fits.
    const chars = input.texts.reduce((n, t) => n + t.length, 0);
    if (chars > config.maxPromptTokens) {
      const tokens = await input.countTokens(input.texts.join('\n'));
      if (tokens > config.maxPromptTokens) return 'maxPromptTokens';
    }
  }
  return undefined;
}

// Token counting for when a provider reports no usage. js-tiktoken and its o200k_base ranks
// (several MB) are loaded on first use only, so the hot path never pays for them; o200k_base is
// the encoding of current OpenAI models and a fair estimate for others.
import type { Tiktoken } from 'js-tiktoken/lite' with { 'resolution-mode': 'require' };

interface LiteModule {
  Tiktoken: new (ranks: Ranks) => Tiktoken;
}
type Ranks = { pat_str: string; special_tokens: Record<string, number>; bpe_ranks: string };
/** The .cjs build exports the ranks object itself; an ESM interop build puts it on default. */
type RanksModule = Ranks & { default?: Ranks };

let encoder: Tiktoken | undefined;

function load(): Tiktoken {
  if (!encoder) {
    /* eslint-disable @typescript-eslint/no-require-imports -- lazy load keeps startup and memory small */
    const lite = require('js-tiktoken/lite') as LiteModule;
    const ranks = require('js-tiktoken/ranks/o200k_base') as RanksModule;
    /* eslint-enable @typescript-eslint/no-require-imports */
    encoder = new lite.Tiktoken(ranks.default ?? ranks);
  }
  return encoder;
}

/** Whether the tokenizer has been loaded (tests check it stays off the hot path). */
export function tokenizerLoaded(): boolean {
  return encoder !== undefined;
}

export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  return load().encode(text, 'all').length;
}

/** The text of the prompt-like fields of an OpenAI request (messages, prompt, input, instructions). */
export function promptText(body: Record<string, unknown>): string {
  const parts: string[] = [];
  collect(body.messages, parts, 0);
  collect(body.prompt, parts, 0);
  collect(body.input, parts, 0);
  collect(body.instructions, parts, 0);
  return parts.join('\n');
}

function collect(value: unknown, parts: string[], depth: number): void {
  if (depth > 8 || value === null || value === undefined) return;
  if (typeof value === 'string') parts.push(value);
  else if (Array.isArray(value)) for (const v of value) collect(v, parts, depth + 1);
  else if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    collect(o.content, parts, depth + 1);
    collect(o.text, parts, depth + 1);
  }
}

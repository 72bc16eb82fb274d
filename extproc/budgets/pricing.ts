// Prices and costs. A model's price is the AIBackend's own (exact model name) or else the default
// catalog's (extproc/budgets/catalog.ts). The reservation uses the worst case over a route's
// backends: the per-field maximum of the priced backends, each asked for its modelOverride (an
// unpriced backend is skipped; the price is undefined only when no backend has one).
//
// costOf assumes Usage as extproc/usage.ts normalises it:
//  - `input` counts every prompt token, cached ones included (OpenAI's prompt_tokens; our
//    Anthropic translation adds cache reads and writes to it), so uncached = input - cached is
//    billed at `input` and `cached` at `cachedInput` (default: `input`). Usage has no cache-write
//    count, so cache writes are billed at the input price and `cacheWrite` is not used.
//  - `output` already includes `reasoning` (OpenAI's completion_tokens include reasoning_tokens),
//    so when a `reasoning` price is set the reasoning share is billed at it and the rest at
//    `output`; without one all output tokens are billed at `output`.
import type { Price, ProcessorConfigDocument } from '../config/schema';
import type { Usage } from '../usage';
import { lookupPrice } from './catalog';

type PricingConfig = Pick<ProcessorConfigDocument, 'backends' | 'routes'>;

export function priceFor(
  config: Pick<ProcessorConfigDocument, 'backends'>,
  backendKey: string,
  model: string,
): Price | undefined {
  const backend = config.backends[backendKey];
  const own = backend?.models.find((m) => m.name === model)?.price;
  return own ?? lookupPrice(model);
}

export function worstCasePrice(config: PricingConfig, routeKey: string, model: string): Price | undefined {
  const route = config.routes[routeKey];
  if (!route) return undefined;
  let worst: Price | undefined;
  for (const ref of route.backends) {
    const p = priceFor(config, ref.backend, ref.modelOverride ?? model);
    if (p) worst = worst ? maxPrice(worst, p) : { ...p };
  }
  return worst;
}

function maxOptional(a: number | undefined, b: number | undefined, fallbackA: number, fallbackB: number) {
  if (a === undefined && b === undefined) return undefined;
  return Math.max(a ?? fallbackA, b ?? fallbackB);
}

function maxPrice(a: Price, b: Price): Price {
  const out: Price = { input: Math.max(a.input, b.input), output: Math.max(a.output, b.output) };
  const cachedInput = maxOptional(a.cachedInput, b.cachedInput, a.input, b.input);
  const cacheWrite = maxOptional(a.cacheWrite, b.cacheWrite, a.input, b.input);
  const reasoning = maxOptional(a.reasoning, b.reasoning, a.output, b.output);
  if (cachedInput !== undefined) out.cachedInput = cachedInput;
  if (cacheWrite !== undefined) out.cacheWrite = cacheWrite;
  if (reasoning !== undefined) out.reasoning = reasoning;
  return out;
}

/** US dollars for this usage at this price (per-million-token prices). */
export function costOf(usage: Usage, price: Price): number {
  const cached = Math.min(usage.cached, usage.input);
  const reasoning = Math.min(usage.reasoning, usage.output);
  const reasoningPrice = price.reasoning ?? price.output;
  const micro =
    (usage.input - cached) * price.input +
    cached * (price.cachedInput ?? price.input) +
    (usage.output - reasoning) * price.output +
    reasoning * reasoningPrice;
  return micro / 1_000_000;
}

/**
 * The most a request can cost before it runs: every prompt token uncached, every output token
 * at the dearer of the output and reasoning prices.
 */
export function worstCaseCost(inputTokens: number, maxOutputTokens: number, price: Price): number {
  const out = Math.max(price.output, price.reasoning ?? 0);
  return (inputTokens * price.input + maxOutputTokens * out) / 1_000_000;
}

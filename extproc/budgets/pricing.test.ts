import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BackendConfig, RouteConfig } from '../config/schema';
import { DEFAULT_CATALOG, lookupPrice } from './catalog';
import { costOf, priceFor, worstCasePrice, worstCaseCost } from './pricing';

const backend = (key: string, models: BackendConfig['models']): BackendConfig => ({
  key,
  schema: 'OpenAI',
  host: 'h',
  pathPrefix: '/v1',
  models,
});

const config = {
  backends: {
    'ns/openai': backend('ns/openai', [
      { name: 'gpt-4o', price: { input: 3, output: 12 } },
      { name: 'house-model' },
    ]),
    'ns/azure': backend('ns/azure', []),
    'ns/local': backend('ns/local', [{ name: 'llama', price: { input: 0.1, output: 0.2, reasoning: 30 } }]),
  },
  routes: {
    'ns/r/0': {
      key: 'ns/r/0',
      hostnames: [],
      matches: [],
      backends: [
        { backend: 'ns/openai', weight: 1, priority: 0 },
        { backend: 'ns/azure', weight: 1, priority: 1, modelOverride: 'gpt-4.1-2025-04-14' },
        { backend: 'ns/local', weight: 1, priority: 2, modelOverride: 'llama' },
      ],
      budgets: [],
      guardrails: [],
    } satisfies RouteConfig,
  },
};

describe('catalog', () => {
  test('dated ids take the longest matching prefix', () => {
    assert.equal(lookupPrice('gpt-4o-2024-08-06'), DEFAULT_CATALOG['gpt-4o']);
    assert.equal(lookupPrice('gpt-4o-mini-2024-07-18'), DEFAULT_CATALOG['gpt-4o-mini']);
    assert.equal(lookupPrice('claude-opus-4-1-20250805'), DEFAULT_CATALOG['claude-opus-4-1']);
    assert.equal(lookupPrice('claude-opus-4-20250514'), DEFAULT_CATALOG['claude-opus-4']);
    assert.equal(lookupPrice('o3-mini-2025-01-31'), DEFAULT_CATALOG['o3-mini']);
  });
  test('a prefix must end at a dash', () => {
    assert.equal(lookupPrice('gpt-4.1'), DEFAULT_CATALOG['gpt-4.1']);
    assert.notEqual(lookupPrice('gpt-4.1'), DEFAULT_CATALOG['gpt-4']);
    assert.equal(lookupPrice('gpt-4omega'), undefined);
    assert.equal(lookupPrice('my-private-model'), undefined);
  });
});

describe('prices', () => {
  test("the AIBackend's price wins over the catalog; the catalog fills in", () => {
    assert.deepEqual(priceFor(config, 'ns/openai', 'gpt-4o'), { input: 3, output: 12 });
    assert.equal(priceFor(config, 'ns/azure', 'gpt-4o'), DEFAULT_CATALOG['gpt-4o']);
    assert.equal(priceFor(config, 'ns/openai', 'house-model'), undefined);
    assert.equal(priceFor(config, 'ns/missing', 'gpt-4o-mini'), DEFAULT_CATALOG['gpt-4o-mini']);
  });

  test('the worst case is the per-field maximum over backends with their model overrides', () => {
    // openai gpt-4o {3, 12}; azure gpt-4.1 {2, cached 0.5, 8}; local llama {0.1, 0.2, reasoning 30}
    assert.deepEqual(worstCasePrice(config, 'ns/r/0', 'gpt-4o'), {
      input: 3,
      output: 12,
      cachedInput: 3,
      reasoning: 30,
    });
    assert.equal(worstCasePrice(config, 'ns/none', 'gpt-4o'), undefined);
  });

  test('a route without any priced backend has no worst case', () => {
    const only = {
      ...config,
      routes: {
        r: { ...config.routes['ns/r/0'], backends: [{ backend: 'ns/openai', weight: 1, priority: 0 }] },
      },
    };
    assert.equal(worstCasePrice(only, 'r', 'house-model'), undefined);
  });
});

describe('costs', () => {
  test('cached input at the cached price, the rest at input', () => {
    const usage = { input: 1_000_000, cached: 400_000, output: 100_000, reasoning: 0 };
    assert.equal(costOf(usage, { input: 2.5, cachedInput: 1.25, output: 10 }), 1.5 + 0.5 + 1);
    assert.equal(costOf(usage, { input: 2.5, output: 10 }), 2.5 + 1, 'cached defaults to the input price');
  });

  test('reasoning tokens are part of output; a reasoning price re-prices that share', () => {
    const usage = { input: 0, cached: 0, output: 1_000_000, reasoning: 250_000 };
    assert.equal(costOf(usage, { input: 1, output: 4 }), 4);
    assert.equal(costOf(usage, { input: 1, output: 4, reasoning: 8 }), 3 + 2);
  });

  test('the worst case takes every input token uncached and the dearer output price', () => {
    assert.equal(
      worstCaseCost(1_000_000, 1_000_000, { input: 1, cachedInput: 0.1, output: 4, reasoning: 8 }),
      9,
    );
  });
});

// Unit tests of the retry decisions against Envoy's router documentation: retry_on conditions,
// the fully jittered exponential back-off and previous_priorities' update_frequency.
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-on
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RetryPolicy } from '../config/types';
import { backoffMs, excludedPriorities, isRetriableFailure, isRetriableStatus } from './retry';

const policy = (retryOn: string[], extra: Partial<RetryPolicy> = {}): RetryPolicy => ({
  retryOn: new Set(retryOn),
  numRetries: 2,
  retriableStatusCodes: [],
  backoffBaseMs: 25,
  backoffMaxMs: 250,
  previousHosts: false,
  hostSelectionRetryMaxAttempts: 1,
  ...extra,
});

describe('retry_on', () => {
  it('maps response statuses as Envoy documents them', () => {
    assert.ok(isRetriableStatus(policy(['5xx']), 500));
    assert.ok(!isRetriableStatus(policy(['gateway-error']), 500));
    assert.ok(isRetriableStatus(policy(['gateway-error']), 503));
    assert.ok(isRetriableStatus(policy(['retriable-4xx']), 409));
    assert.ok(!isRetriableStatus(policy(['retriable-status-codes']), 429));
    assert.ok(isRetriableStatus(policy(['retriable-status-codes'], { retriableStatusCodes: [429] }), 429));
  });

  it('maps failures: connect-failure only for connection failures, reset/5xx for all', () => {
    assert.ok(isRetriableFailure(policy(['connect-failure']), 'connect_failure'));
    assert.ok(!isRetriableFailure(policy(['connect-failure']), 'per_try_timeout'));
    assert.ok(isRetriableFailure(policy(['reset']), 'per_try_timeout'));
    assert.ok(isRetriableFailure(policy(['5xx']), 'reset'));
    assert.ok(!isRetriableFailure(policy(['retriable-status-codes']), 'reset'));
  });
});

describe('back-off', () => {
  it('draws from [0, (2^n - 1) * base) capped at max_interval', () => {
    const almostOne = (): number => 0.999999;
    assert.equal(backoffMs(policy([]), 1, almostOne), 24);
    assert.equal(backoffMs(policy([]), 2, almostOne), 74);
    assert.equal(backoffMs(policy([]), 5, almostOne), 249);
    assert.equal(
      backoffMs(policy([]), 3, () => 0),
      0,
    );
  });
});

describe('previous_priorities', () => {
  it('excludes attempted priorities every update_frequency attempts', () => {
    const every1 = policy([], { previousPrioritiesUpdateFrequency: 1 });
    assert.deepEqual([...excludedPriorities(every1, [0])], [0]);
    const every2 = policy([], { previousPrioritiesUpdateFrequency: 2 });
    assert.deepEqual([...excludedPriorities(every2, [0])], []);
    assert.deepEqual([...excludedPriorities(every2, [0, 0])], [0]);
    assert.deepEqual([...excludedPriorities(policy([]), [0, 1])], []);
  });
});

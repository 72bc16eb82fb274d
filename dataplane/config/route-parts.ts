// Pieces of a Route: header matchers, header mutations and the retry policy, each checked
// against the fields we implement. References:
// https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-on
import type { ProtoObject } from '../../lib/protos';
import {
  ConfigError,
  allowFields,
  asObject,
  durationMs,
  fullRegex,
  list,
  optBool,
  optNumber,
  optObject,
  optString,
  reqString,
  wrappedNumber,
} from './fields';
import type { AppendAction, HeaderMatcher, HeaderValueOption, RetryPolicy, StringTest } from './types';

export function convertHeaderMatcher(msg: ProtoObject, at: string): HeaderMatcher {
  allowFields(
    msg,
    [
      'name',
      'exact_match',
      'safe_regex_match',
      'present_match',
      'prefix_match',
      'suffix_match',
      'contains_match',
      'string_match',
      'invert_match',
    ],
    at,
  );
  const name = reqString(msg, 'name', at).toLowerCase();
  const invert = optBool(msg, 'invert_match', at) ?? false;
  const plain = (kind: 'exact' | 'prefix' | 'suffix' | 'contains', field: string): StringTest | undefined => {
    const value = optString(msg, field, at);
    return value === undefined ? undefined : { kind, value, ignoreCase: false };
  };
  const test =
    plain('exact', 'exact_match') ??
    plain('prefix', 'prefix_match') ??
    plain('suffix', 'suffix_match') ??
    plain('contains', 'contains_match') ??
    (msg.safe_regex_match !== undefined
      ? { kind: 'regex', regex: fullRegex(msg, 'safe_regex_match', at) }
      : undefined) ??
    (msg.string_match !== undefined
      ? convertStringMatcher(asObject(msg.string_match, `${at}.string_match`), `${at}.string_match`)
      : undefined);
  if (test) return { name, test, invert };
  // present_match (a false value decodes as absent: then the header matcher means "present").
  return { name, test: { kind: 'any' }, invert, present: optBool(msg, 'present_match', at) ?? true };
}

export function convertStringMatcher(msg: ProtoObject, at: string): StringTest {
  allowFields(msg, ['exact', 'prefix', 'suffix', 'contains', 'safe_regex', 'ignore_case'], at);
  const ignoreCase = optBool(msg, 'ignore_case', at) ?? false;
  for (const kind of ['exact', 'prefix', 'suffix', 'contains'] as const) {
    const value = optString(msg, kind, at);
    if (value !== undefined) return { kind, value, ignoreCase };
  }
  if (msg.safe_regex !== undefined) {
    if (ignoreCase) throw new ConfigError(`${at}.ignore_case: not valid with safe_regex`);
    return { kind: 'regex', regex: fullRegex(msg, 'safe_regex', at) };
  }
  // An empty exact match decodes as no field at all.
  return { kind: 'exact', value: '', ignoreCase };
}

const APPEND_ACTIONS: Record<string, AppendAction> = {
  APPEND_IF_EXISTS_OR_ADD: 'append',
  ADD_IF_ABSENT: 'add_if_absent',
  OVERWRITE_IF_EXISTS_OR_ADD: 'overwrite',
  OVERWRITE_IF_EXISTS: 'overwrite_if_exists',
};

export function convertHeaderValueOptions(
  parent: ProtoObject,
  field: string,
  at: string,
): HeaderValueOption[] {
  return list(parent, field, at).map((item, i) => {
    const hat = `${at}.${field}[${i}]`;
    const opt = asObject(item, hat);
    allowFields(opt, ['header', 'append_action', 'append'], hat);
    const header = asObject(opt.header, `${hat}.header`);
    allowFields(header, ['key', 'value'], `${hat}.header`);
    const value = optString(header, 'value', `${hat}.header`) ?? '';
    // Envoy interprets %VAR% as substitution formatters; only the %% escape is implemented.
    if (/%[^%]/.test(value.replace(/%%/g, '')))
      throw new ConfigError(`${hat}.header.value: % formatters are not supported`);
    let action: AppendAction = 'append';
    if (opt.append_action !== undefined) {
      const mapped = APPEND_ACTIONS[String(opt.append_action)];
      if (!mapped) throw new ConfigError(`${hat}.append_action: unknown ${String(opt.append_action)}`);
      action = mapped;
    } else if (opt.append !== undefined) {
      action = asObject(opt.append, `${hat}.append`).value === true ? 'append' : 'overwrite';
    }
    return {
      key: reqString(header, 'key', `${hat}.header`).toLowerCase(),
      value: value.replace(/%%/g, '%'),
      action,
    };
  });
}

/** retry_on values implemented; refused-stream is an HTTP/2 reset that HTTP/1.1 upstreams never send. */
const RETRY_ON = new Set([
  '5xx',
  'gateway-error',
  'reset',
  'connect-failure',
  'retriable-status-codes',
  'retriable-4xx',
  'refused-stream',
]);
const PREVIOUS_PRIORITIES = 'envoy.retry_priorities.previous_priorities';
const PREVIOUS_HOSTS = 'envoy.retry_host_predicates.previous_hosts';

export function convertRetryPolicy(msg: ProtoObject, at: string): RetryPolicy {
  allowFields(
    msg,
    [
      'retry_on',
      'num_retries',
      'per_try_timeout',
      'retriable_status_codes',
      'retry_back_off',
      'retry_priority',
      'retry_host_predicate',
      'host_selection_retry_max_attempts',
    ],
    at,
  );
  const retryOn = new Set(
    (optString(msg, 'retry_on', at) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  for (const cond of retryOn)
    if (!RETRY_ON.has(cond)) throw new ConfigError(`${at}.retry_on: ${cond} is not supported`);
  const backOff = optObject(msg, 'retry_back_off', at);
  if (backOff) allowFields(backOff, ['base_interval', 'max_interval'], `${at}.retry_back_off`);
  const backoffBaseMs = (backOff && durationMs(backOff, 'base_interval', `${at}.retry_back_off`)) ?? 25;
  const backoffMaxMs =
    (backOff && durationMs(backOff, 'max_interval', `${at}.retry_back_off`)) ?? backoffBaseMs * 10;
  if (backoffMaxMs < backoffBaseMs)
    throw new ConfigError(`${at}.retry_back_off.max_interval: below base_interval`);
  let previousPrioritiesUpdateFrequency: number | undefined;
  const priority = optObject(msg, 'retry_priority', at);
  if (priority) {
    allowFields(priority, ['name', 'typed_config'], `${at}.retry_priority`);
    if (priority.name !== PREVIOUS_PRIORITIES)
      throw new ConfigError(`${at}.retry_priority.name: only ${PREVIOUS_PRIORITIES}`);
    const cfg = asObject(priority.typed_config, `${at}.retry_priority.typed_config`);
    allowFields(cfg, ['update_frequency'], `${at}.retry_priority.typed_config`);
    previousPrioritiesUpdateFrequency =
      optNumber(cfg, 'update_frequency', `${at}.retry_priority.typed_config`) ?? 0;
    if (previousPrioritiesUpdateFrequency <= 0)
      throw new ConfigError(`${at}.retry_priority.typed_config.update_frequency: must be > 0`);
  }
  let previousHosts = false;
  list(msg, 'retry_host_predicate', at).forEach((p, i) => {
    const pat = `${at}.retry_host_predicate[${i}]`;
    const pred = asObject(p, pat);
    allowFields(pred, ['name', 'typed_config'], pat);
    if (pred.name !== PREVIOUS_HOSTS) throw new ConfigError(`${pat}.name: only ${PREVIOUS_HOSTS}`);
    previousHosts = true;
  });
  const codes = list(msg, 'retriable_status_codes', at).map((c) => {
    if (typeof c !== 'number') throw new ConfigError(`${at}.retriable_status_codes: expected numbers`);
    return c;
  });
  return {
    retryOn,
    numRetries: wrappedNumber(msg, 'num_retries', at) ?? 1,
    retriableStatusCodes: codes,
    perTryTimeoutMs: durationMs(msg, 'per_try_timeout', at) || undefined,
    backoffBaseMs,
    backoffMaxMs,
    previousPrioritiesUpdateFrequency,
    previousHosts,
    hostSelectionRetryMaxAttempts: optNumber(msg, 'host_selection_retry_max_attempts', at) ?? 1,
  };
}

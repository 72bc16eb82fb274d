// envoy.filters.http.jwt_authn (JwtAuthentication) -> JwtAuthnConfig. The data plane implements
// the shape Tollgate renders (controller/xds/filters/jwt-authn.ts): providers with a remote or
// local JWKS and header token locations, and rules that never reject (a single rule on prefix
// "/" requiring allow_missing_or_failed, alone or in requires_any with providers). Anything
// else (query/cookie tokens, claim headers, other requirement trees) is refused by name.
// https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/jwt_authn/v3/config.proto
import type { ProtoObject } from '../../lib/protos';
import {
  ConfigError,
  allowFields,
  asObject,
  dataSource,
  durationMs,
  isObject,
  list,
  optBool,
  optNumber,
  optString,
  reqString,
} from './fields';
import type { JwtAuthnConfig, JwtProviderConfig } from './types';

/** Envoy's RemoteJwks.cache_duration default: 10 minutes. */
export const DEFAULT_JWKS_CACHE_MS = 10 * 60_000;
/** Envoy's JwtProvider.clock_skew_seconds default. */
const DEFAULT_CLOCK_SKEW_SECONDS = 60;
/** Envoy's default location (its access_token query parameter is not read: Tollgate names headers). */
const DEFAULT_FROM_HEADERS = [{ name: 'authorization', valuePrefix: 'Bearer ' }];

export function convertJwtAuthn(msg: ProtoObject, at: string): JwtAuthnConfig {
  allowFields(msg, ['providers', 'rules'], at);
  const providersMsg = msg.providers === undefined ? {} : asObject(msg.providers, `${at}.providers`);
  const providers = Object.entries(providersMsg).map(([name, p]) =>
    convertProvider(name, asObject(p, `${at}.providers[${name}]`), `${at}.providers[${name}]`),
  );
  const rules = list(msg, 'rules', at);
  if (rules.length !== 1) throw new ConfigError(`${at}.rules: exactly one rule is supported`);
  checkRule(asObject(rules[0], `${at}.rules[0]`), `${at}.rules[0]`, new Set(Object.keys(providersMsg)));
  return { providers };
}

/** The one rule: match prefix "/", requires allow_missing_or_failed (maybe OR-ed with providers). */
function checkRule(rule: ProtoObject, at: string, providers: Set<string>): void {
  allowFields(rule, ['match', 'requires'], at);
  const match = asObject(rule.match, `${at}.match`);
  allowFields(match, ['prefix'], `${at}.match`);
  if (match.prefix !== '/') throw new ConfigError(`${at}.match: only prefix "/" is supported`);
  const requires = asObject(rule.requires, `${at}.requires`);
  allowFields(requires, ['allow_missing_or_failed', 'requires_any'], `${at}.requires`);
  if (isObject(requires.allow_missing_or_failed) && requires.requires_any === undefined) return;
  const any = asObject(requires.requires_any, `${at}.requires.requires_any`);
  allowFields(any, ['requirements'], `${at}.requires.requires_any`);
  let allowsFailure = false;
  list(any, 'requirements', `${at}.requires.requires_any`).forEach((r, i) => {
    const rat = `${at}.requires.requires_any.requirements[${i}]`;
    const req = asObject(r, rat);
    allowFields(req, ['provider_name', 'allow_missing_or_failed'], rat);
    if (isObject(req.allow_missing_or_failed)) allowsFailure = true;
    else if (!providers.has(reqString(req, 'provider_name', rat)))
      throw new ConfigError(`${rat}.provider_name: unknown provider ${String(req.provider_name)}`);
  });
  // A rule that can reject would need local 401 replies, which Tollgate leaves to extproc.
  if (!allowsFailure)
    throw new ConfigError(`${at}.requires: only rules with allow_missing_or_failed are supported`);
}

function convertProvider(name: string, msg: ProtoObject, at: string): JwtProviderConfig {
  allowFields(
    msg,
    [
      'issuer',
      'audiences',
      'remote_jwks',
      'local_jwks',
      'from_headers',
      'forward',
      'payload_in_metadata',
      'failed_status_in_metadata',
      'clock_skew_seconds',
    ],
    at,
  );
  const audiences = list(msg, 'audiences', at).map((a, i) => {
    if (typeof a !== 'string') throw new ConfigError(`${at}.audiences[${i}]: expected a string`);
    return a;
  });
  const fromHeaders = list(msg, 'from_headers', at).map((h, i) => {
    const hat = `${at}.from_headers[${i}]`;
    const header = asObject(h, hat);
    allowFields(header, ['name', 'value_prefix'], hat);
    return {
      name: reqString(header, 'name', hat).toLowerCase(),
      valuePrefix: optString(header, 'value_prefix', hat) ?? '',
    };
  });
  return {
    name,
    issuer: optString(msg, 'issuer', at) ?? '',
    audiences,
    jwks: convertJwks(msg, at),
    fromHeaders: fromHeaders.length > 0 ? fromHeaders : DEFAULT_FROM_HEADERS,
    forward: optBool(msg, 'forward', at) ?? false,
    payloadInMetadata: optString(msg, 'payload_in_metadata', at) || undefined,
    failedStatusInMetadata: optString(msg, 'failed_status_in_metadata', at) || undefined,
    clockSkewSeconds: optNumber(msg, 'clock_skew_seconds', at) ?? DEFAULT_CLOCK_SKEW_SECONDS,
  };
}

function convertJwks(msg: ProtoObject, at: string): JwtProviderConfig['jwks'] {
  if (msg.local_jwks !== undefined) {
    if (msg.remote_jwks !== undefined) throw new ConfigError(`${at}: remote_jwks and local_jwks both set`);
    return { kind: 'local', json: dataSource(msg, 'local_jwks', at) };
  }
  const rat = `${at}.remote_jwks`;
  const remote = asObject(msg.remote_jwks, rat);
  allowFields(remote, ['http_uri', 'cache_duration', 'async_fetch'], rat);
  const uriMsg = asObject(remote.http_uri, `${rat}.http_uri`);
  allowFields(uriMsg, ['uri', 'cluster', 'timeout'], `${rat}.http_uri`);
  const uri = reqString(uriMsg, 'uri', `${rat}.http_uri`);
  if (!URL.canParse(uri) || !/^https?:$/.test(new URL(uri).protocol))
    throw new ConfigError(`${rat}.http_uri.uri: not an http(s) URL`);
  let asyncFetch = false;
  if (remote.async_fetch !== undefined) {
    allowFields(asObject(remote.async_fetch, `${rat}.async_fetch`), ['fast_listener'], `${rat}.async_fetch`);
    asyncFetch = true;
  }
  return {
    kind: 'remote',
    uri,
    cluster: reqString(uriMsg, 'cluster', `${rat}.http_uri`),
    timeoutMs: durationMs(uriMsg, 'timeout', `${rat}.http_uri`) ?? 0,
    cacheMs: durationMs(remote, 'cache_duration', rat) ?? DEFAULT_JWKS_CACHE_MS,
    asyncFetch,
  };
}

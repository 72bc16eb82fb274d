// The JWKS of each provider, kept across configuration updates (keyed by what defines the key
// source) so that a new listener version does not refetch keys. Remote sets are jose's remote
// JWKS: fetched on first use (with async_fetch: when the listener is applied), cached for
// cache_duration, and refetched when a token names an unknown kid (after a cooldown), which is
// how a rotated key is picked up. Simplification (documented): the data plane fetches http_uri.uri directly; the
// rendered cluster is only a name here, so its TLS settings do not apply to the fetch.
import type { JwtAuthnConfig, JwtProviderConfig } from '../config/types';
import { jose, type Jose } from './jose';
import { JwksFetchError } from './status';

export type KeySource = Jose.JWTVerifyGetKey;

export interface KeySetOptions {
  /** Minimum time between two fetches triggered by an unknown kid (jose's cooldownDuration). */
  cooldownMs?: number;
}

/** jose's default cooldown: a flood of tokens with made-up kids cannot hammer the issuer. */
const DEFAULT_COOLDOWN_MS = 30_000;
/** http_uri.timeout of 0 would abort at once; Envoy's HttpUri docs require a timeout anyway. */
const MIN_FETCH_TIMEOUT_MS = 1;

export class KeySets {
  private readonly sources = new Map<string, KeySource>();

  constructor(private readonly options: KeySetOptions = {}) {}

  /** The key source of `jwks`, created once per distinct configuration. */
  get(jwks: JwtProviderConfig['jwks']): KeySource {
    const key = JSON.stringify(jwks);
    let source = this.sources.get(key);
    if (!source) {
      source = jwks.kind === 'remote' ? this.remote(jwks) : local(jwks.json);
      this.sources.set(key, source);
    }
    return source;
  }

  /** Creates (and so starts fetching) the key sets of providers with async_fetch. */
  prefetch(config: JwtAuthnConfig | undefined): void {
    for (const provider of config?.providers ?? [])
      if (provider.jwks.kind === 'remote' && provider.jwks.asyncFetch) this.get(provider.jwks);
  }

  private remote(jwks: Extract<JwtProviderConfig['jwks'], { kind: 'remote' }>): KeySource {
    const set = jose.createRemoteJWKSet(new URL(jwks.uri), {
      timeoutDuration: Math.max(jwks.timeoutMs, MIN_FETCH_TIMEOUT_MS),
      cacheMaxAge: jwks.cacheMs,
      cooldownDuration: Math.min(this.options.cooldownMs ?? DEFAULT_COOLDOWN_MS, jwks.cacheMs),
    });
    // async_fetch: fetch now, so the first request does not wait (a failure retries on use).
    if (jwks.asyncFetch) set.reload().catch(() => undefined);
    return async (header, token) => {
      try {
        return await set(header, token);
      } catch (err) {
        // No key for the kid is the token's problem; anything else is the fetch's.
        if (
          err instanceof jose.errors.JWKSNoMatchingKey ||
          err instanceof jose.errors.JWKSMultipleMatchingKeys
        )
          throw err;
        throw new JwksFetchError((err as Error).message);
      }
    };
  }
}

/** An inline JWKS; one that does not parse fails every verification (Jwks is an invalid JSON). */
function local(json: string): KeySource {
  try {
    return jose.createLocalJWKSet(JSON.parse(json) as Jose.JSONWebKeySet);
  } catch (err) {
    const failure =
      err instanceof jose.errors.JOSEError ? err : new jose.errors.JWKSInvalid('JWKS is not JSON');
    return () => Promise.reject(failure);
  }
}

// API keys as callers present them, and the lookup of a presented key in a policy's key list.
// Keys arrive in `api-key` (Azure OpenAI SDKs) or `x-api-key` (Anthropic SDKs) or as
// `Authorization: Bearer <key>` (OpenAI SDKs). The dedicated headers are read first: they can
// only hold an API key, while a Bearer token may also be a JWT for jwt_authn.
//
// Only hashes are configured (ApiKeyEntry.sha256), so a presented key is hashed and looked up in
// a Map. A constant-time comparison (timingSafeEqual) buys nothing here: the Map compares a hash
// of the caller's own input, so the most a timing side channel could reveal is how many leading
// characters of SHA-256(guess) equal a stored hash, and knowing bytes of a hash does not help to
// find a key that produces it (that would need a SHA-256 preimage; keys carry ~238 random bits).
import { createHash } from 'node:crypto';
import type { ApiKeyEntry, ClientPolicyConfig } from '../config/schema';
import type { Headers } from '../messages';

export const API_KEY_HEADERS = ['api-key', 'x-api-key'] as const;

export interface PresentedKey {
  value: string;
  /** True when it came from Authorization: Bearer (it may be a JWT instead). */
  bearer: boolean;
}

const BEARER = /^bearer[ \t]+(\S+)[ \t]*$/i;

export function presentedKeyOf(headers: Headers): PresentedKey | undefined {
  for (const name of API_KEY_HEADERS) {
    const value = headers.get(name)?.trim();
    if (value) return { value, bearer: false };
  }
  const m = BEARER.exec(headers.get('authorization') ?? '');
  return m?.[1] ? { value: m[1], bearer: true } : undefined;
}

/** The key (or bearer token) the request carries, so the router can keep it from upstreams and logs. */
export function apiKeyOf(headers: Headers): string | undefined {
  return presentedKeyOf(headers)?.value;
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

export interface IndexedKey {
  entry: ApiKeyEntry;
  /** Epoch ms from which the key is refused; -Infinity for an unparseable expiresAt (fail closed). */
  expiresMs: number | undefined;
}

const indexes = new WeakMap<ClientPolicyConfig, Map<string, IndexedKey>>();

/** sha256 -> key, built once per policy object (a new config version brings new objects). */
export function keyIndex(policy: ClientPolicyConfig): Map<string, IndexedKey> {
  let index = indexes.get(policy);
  if (!index) {
    index = new Map();
    for (const entry of policy.apiKeys?.keys ?? []) {
      let expiresMs: number | undefined;
      if (entry.expiresAt !== undefined) {
        const parsed = Date.parse(entry.expiresAt);
        expiresMs = Number.isNaN(parsed) ? -Infinity : parsed;
      }
      index.set(entry.sha256, { entry, expiresMs });
    }
    indexes.set(policy, index);
  }
  return index;
}

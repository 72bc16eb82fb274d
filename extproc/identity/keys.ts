// API keys: generation, hashing and the Secret that records one. This is the contract with the
// controller, which turns every such Secret into an ApiKeyEntry of the policies that use API keys
// (a Kubernetes Secret in a cluster, a file in the folder `tollgate run -f DIR` watches locally):
//
//   apiVersion: v1
//   kind: Secret
//   type: tollgate.dev/api-key
//   metadata: { name: <name>, namespace: <ns>, labels: { tollgate.dev/api-key: "true" } }
//   stringData:                # or `data`, the same keys base64-encoded
//     sha256: <64 lowercase hex> # SHA-256 of the full key string, e.g. tg_...; required
//     tenant: <string>           # optional; also team, user
//     expiresAt: <RFC 3339>      # optional; the key is refused from this instant on
//
// The key's identity (ApiKeyEntry.name) is "<namespace>/<name>". The raw key is never stored:
// `tollgate keys create` prints it once. Keys are "tg_" + 40 base62 characters (~238 bits),
// drawn by rejection sampling so every character is equally likely.
import { randomBytes } from 'node:crypto';
import YAML from 'yaml';
import type { ApiKeyEntry } from '../config/schema';
import { sha256Hex } from './api-keys';

export { sha256Hex };

export const API_KEY_PREFIX = 'tg_';
export const API_KEY_SECRET_TYPE = 'tollgate.dev/api-key';
export const API_KEY_LABEL = 'tollgate.dev/api-key';
const KEY_CHARS = 40;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Bytes at or above this would bias the modulo; 248 = 4 * 62. */
const UNBIASED_LIMIT = 248;

export function generateApiKey(): string {
  let out = API_KEY_PREFIX;
  while (out.length < API_KEY_PREFIX.length + KEY_CHARS) {
    for (const byte of randomBytes(KEY_CHARS)) {
      if (byte >= UNBIASED_LIMIT) continue;
      out += BASE62[byte % 62];
      if (out.length === API_KEY_PREFIX.length + KEY_CHARS) break;
    }
  }
  return out;
}

export interface ApiKeyRecord {
  /** The Secret's name (a DNS subdomain). */
  name: string;
  namespace: string;
  sha256: string;
  tenant?: string;
  team?: string;
  user?: string;
  /** RFC 3339. */
  expiresAt?: string;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

export function isRfc3339(value: string): boolean {
  return RFC3339.test(value) && !Number.isNaN(Date.parse(value));
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function isValidSecretName(name: string): boolean {
  return name.length <= 253 && DNS_SUBDOMAIN.test(name);
}

export function apiKeySecretManifest(record: ApiKeyRecord): Record<string, unknown> {
  const stringData: Record<string, string> = { sha256: record.sha256 };
  for (const field of ['tenant', 'team', 'user', 'expiresAt'] as const) {
    const value = record[field];
    if (value !== undefined) stringData[field] = value;
  }
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: API_KEY_SECRET_TYPE,
    metadata: { name: record.name, namespace: record.namespace, labels: { [API_KEY_LABEL]: 'true' } },
    stringData,
  };
}

/**
 * The manifest as YAML. Every string is double-quoted, so a YAML 1.1 reader (kubectl's) cannot
 * turn expiresAt into a timestamp or a tenant like "no" into a boolean.
 */
export function apiKeySecretYaml(record: ApiKeyRecord): string {
  return YAML.stringify(apiKeySecretManifest(record), {
    defaultStringType: 'QUOTE_DOUBLE',
    defaultKeyType: 'PLAIN',
    lineWidth: 0,
  });
}

/**
 * Reads an API-key Secret back (stringData wins over data, as in the API server). Returns an
 * error message for a Secret of this type that is unusable; undefined for any other object.
 */
export function parseApiKeySecret(
  obj: unknown,
  defaultNamespace = 'default',
): { record: ApiKeyRecord } | { error: string } | undefined {
  if (typeof obj !== 'object' || obj === null) return undefined;
  const o = obj as Record<string, unknown>;
  const metadata = (o.metadata ?? {}) as {
    name?: unknown;
    namespace?: unknown;
    labels?: Record<string, unknown>;
  };
  const labelled = metadata.labels?.[API_KEY_LABEL] === 'true';
  if (o.kind !== 'Secret' || (o.type !== API_KEY_SECRET_TYPE && !labelled)) return undefined;
  if (typeof metadata.name !== 'string') return { error: 'API key Secret without metadata.name' };
  const name = metadata.name;
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : defaultNamespace;
  const values = secretValues(o);
  const sha256 = values.sha256?.trim().toLowerCase();
  if (!sha256 || !/^[0-9a-f]{64}$/.test(sha256))
    return { error: `API key Secret ${namespace}/${name}: sha256 must be 64 hex characters` };
  const record: ApiKeyRecord = { name, namespace, sha256 };
  for (const field of ['tenant', 'team', 'user'] as const) {
    const v = values[field];
    if (v !== undefined && v !== '') record[field] = v;
  }
  if (values.expiresAt !== undefined && values.expiresAt !== '') {
    if (!isRfc3339(values.expiresAt))
      return { error: `API key Secret ${namespace}/${name}: expiresAt is not an RFC 3339 time` };
    record.expiresAt = values.expiresAt;
  }
  return { record };
}

function secretValues(o: Record<string, unknown>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  const data = o.data;
  if (typeof data === 'object' && data !== null) {
    for (const [k, v] of Object.entries(data)) {
      if (typeof v === 'string') out[k] = Buffer.from(v, 'base64').toString('utf8');
    }
  }
  const stringData = o.stringData;
  if (typeof stringData === 'object' && stringData !== null) {
    for (const [k, v] of Object.entries(stringData)) {
      if (typeof v === 'string') out[k] = v;
    }
  }
  return out;
}

/** The ApiKeyEntry a policy carries for this Secret. */
export function apiKeyEntryOf(record: ApiKeyRecord): ApiKeyEntry {
  const entry: ApiKeyEntry = { name: `${record.namespace}/${record.name}`, sha256: record.sha256 };
  if (record.tenant !== undefined) entry.tenant = record.tenant;
  if (record.team !== undefined) entry.team = record.team;
  if (record.user !== undefined) entry.user = record.user;
  if (record.expiresAt !== undefined) entry.expiresAt = record.expiresAt;
  return entry;
}

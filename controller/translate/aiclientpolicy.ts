// AIClientPolicies -> ClientPolicyConfig for extproc, and which policy governs each target. Two
// policies on one target (same Gateway, AIRoute, or AIRoute rule): the oldest (creation time,
// then name) wins it and the other reports Accepted=False/Conflicted. API keys come from Secrets
// of type tollgate.dev/api-key in the policy's namespace that carry the selector's labels; each
// holds only the key's SHA-256 (extproc/identity/keys.ts writes them). A malformed key Secret is
// left out (its key is refused, never accepted) and named in ResolvedRefs.
import { API_KEY_SECRET_TYPE, secretValue, type AIClientPolicy, type Secret } from '../api';
import type { ApiKeyEntry, ClientPolicyConfig } from '../../extproc/config/schema';
import type { Resources } from '../provider/resources';
import type { Problem } from './conditions';
import {
  byAge,
  resolveTargets,
  targetId,
  type PolicyTarget,
  type TargetResolution,
  type TargetWorld,
} from './policy-targets';
import { namespaceOf } from './refs';
import { Reason } from './status';

export interface ClientPolicyState {
  key: string;
  policy: AIClientPolicy;
  resolution: TargetResolution;
  /** Targets this policy won. */
  targets: PolicyTarget[];
  /** Labels of targets an older policy holds. */
  conflicts: string[];
  problems: Problem[];
  config: ClientPolicyConfig;
}

export interface ClientPolicyResult {
  states: ClientPolicyState[];
  /** targetId -> policy key. */
  winners: Map<string, string>;
}

export function translateClientPolicies(
  policies: readonly AIClientPolicy[],
  resources: Resources,
  world: TargetWorld,
): ClientPolicyResult {
  const winners = new Map<string, string>();
  const states: ClientPolicyState[] = [];
  for (const policy of [...policies].sort(byAge)) {
    const namespace = namespaceOf(policy);
    const key = `${namespace}/${policy.metadata.name}`;
    const resolution = resolveTargets(namespace, policy.spec.targetRefs, world);
    const state: ClientPolicyState = {
      key,
      policy,
      resolution,
      targets: [],
      conflicts: [],
      problems: [],
      config: { key, unauthenticated: 'Reject', access: { rules: [], default: 'Allow' } },
    };
    for (const target of resolution.targets) {
      const id = targetId(target);
      if (winners.has(id))
        state.conflicts.push(`${target.kind} ${target.key}${target.rule ? ` rule ${target.rule}` : ''}`);
      else {
        winners.set(id, key);
        state.targets.push(target);
      }
    }
    state.config = clientPolicyConfig(key, policy, resources.secrets, state.problems);
    states.push(state);
  }
  return { states, winners };
}

function clientPolicyConfig(
  key: string,
  policy: AIClientPolicy,
  secrets: readonly Secret[],
  problems: Problem[],
): ClientPolicyConfig {
  const { spec } = policy;
  const config: ClientPolicyConfig = {
    key,
    unauthenticated: spec.unauthenticated,
    access: { rules: spec.access.rules, default: spec.access.default },
  };
  if (spec.apiKeys)
    config.apiKeys = {
      keys: apiKeys(namespaceOf(policy), spec.apiKeys.secretSelector.matchLabels, secrets, problems),
    };
  if (spec.jwt) {
    const jwt: NonNullable<ClientPolicyConfig['jwt']> = {
      // Every provider on a listener writes the same metadata key: extproc checks `iss` against these.
      issuers: [...new Set(spec.jwt.providers.map((p) => p.issuer))].sort(),
      userClaim: spec.jwt.userClaim,
    };
    if (spec.jwt.tenantClaim !== undefined) jwt.tenantClaim = spec.jwt.tenantClaim;
    if (spec.jwt.teamClaim !== undefined) jwt.teamClaim = spec.jwt.teamClaim;
    config.jwt = jwt;
  }
  if (spec.mtls) config.mtls = { userFrom: spec.mtls.userFrom };
  if (spec.trustedHeaders) config.trustedHeaders = spec.trustedHeaders;
  return config;
}

function apiKeys(
  namespace: string,
  labels: Record<string, string>,
  secrets: readonly Secret[],
  problems: Problem[],
): ApiKeyEntry[] {
  const entries: ApiKeyEntry[] = [];
  for (const secret of secrets) {
    if (secret.type !== API_KEY_SECRET_TYPE || namespaceOf(secret) !== namespace) continue;
    const own = secret.metadata.labels ?? {};
    if (!Object.entries(labels).every(([k, v]) => own[k] === v)) continue;
    const name = `${namespace}/${secret.metadata.name}`;
    const sha256 = secretValue(secret, 'sha256')?.trim().toLowerCase();
    if (sha256 === undefined || !/^[0-9a-f]{64}$/.test(sha256)) {
      problems.push({
        reason: Reason.InvalidSecret,
        message: `API key Secret ${name}: sha256 is not a hex SHA-256; the key is refused`,
      });
      continue;
    }
    const entry: ApiKeyEntry = { name, sha256 };
    for (const field of ['tenant', 'team', 'user'] as const) {
      const value = secretValue(secret, field)?.trim();
      if (value) entry[field] = value;
    }
    const expiresAt = secretValue(secret, 'expiresAt')?.trim();
    if (expiresAt) {
      if (Number.isNaN(Date.parse(expiresAt))) {
        problems.push({
          reason: Reason.InvalidSecret,
          message: `API key Secret ${name}: expiresAt is not an RFC 3339 time; the key is refused`,
        });
        continue;
      }
      entry.expiresAt = expiresAt;
    }
    entries.push(entry);
  }
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

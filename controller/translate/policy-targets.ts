// Policy attachment for AIBudget, AIGuardrail and AIClientPolicy: resolving `spec.targetRefs`
// (same namespace only) to Gateways of our class, AIRoutes (or one rule) and AIBackends, and the
// Accepted / ResolvedRefs conditions every policy kind reports. A missing target makes the
// policy Accepted=False/TargetNotFound but the policy still applies to the targets it found,
// because dropping a guardrail or budget everywhere over one typo would fail open.
import type { Condition, PolicyTargetKind } from '../api';
import type { Resources } from '../provider/resources';
import { condition, resolvedRefs, stampConditions, type Problem } from './conditions';
import type { GatewayCtx } from './context';
import { namespaceOf } from './refs';
import { ConditionType, Reason, type StatusUpdate } from './status';

export interface PolicyTarget {
  kind: PolicyTargetKind;
  /** "namespace/name" of the target. */
  key: string;
  /** AIRoute targets: one rule name (sectionName). */
  rule?: string;
}

/** What the translator knows about possible targets. */
export interface TargetWorld {
  ourGateways: ReadonlyMap<string, GatewayCtx>;
  /** Every Gateway by key, with its class name. */
  allGateways: ReadonlyMap<string, string>;
  /** AIRoutes by key with their rule names; invalid AIRoutes exist with no known rules. */
  aiRoutes: ReadonlyMap<string, readonly string[] | undefined>;
  aiBackends: ReadonlySet<string>;
}

export function targetWorld(resources: Resources, ourGateways: ReadonlyMap<string, GatewayCtx>): TargetWorld {
  const key = (o: { metadata: { name: string; namespace?: string | undefined } }) =>
    `${namespaceOf(o)}/${o.metadata.name}`;
  const aiRoutes = new Map<string, readonly string[] | undefined>();
  for (const r of resources.aiRoutes)
    aiRoutes.set(
      key(r),
      r.spec.rules.map((rule, i) => rule.name ?? `rule-${i}`),
    );
  const aiBackends = new Set(resources.aiBackends.map(key));
  for (const o of resources.invalid) {
    const k = `${o.namespace ?? 'default'}/${o.name}`;
    if (o.kind === 'AIRoute') aiRoutes.set(k, undefined);
    if (o.kind === 'AIBackend') aiBackends.add(k);
  }
  return {
    ourGateways,
    allGateways: new Map(resources.gateways.map((g) => [key(g), g.spec.gatewayClassName])),
    aiRoutes,
    aiBackends,
  };
}

export interface TargetResolution {
  targets: PolicyTarget[];
  /** Human-readable names of targets that do not exist. */
  missing: string[];
  /** Gateways that exist but belong to another controller: ignored. */
  ignored: string[];
}

export function resolveTargets(
  namespace: string,
  refs: readonly { kind: PolicyTargetKind; name: string; sectionName?: string | undefined }[],
  world: TargetWorld,
): TargetResolution {
  const out: TargetResolution = { targets: [], missing: [], ignored: [] };
  for (const ref of refs) {
    const key = `${namespace}/${ref.name}`;
    const label = `${ref.kind} ${key}${ref.sectionName ? ` rule ${ref.sectionName}` : ''}`;
    if (ref.kind === 'Gateway') {
      const className = world.allGateways.get(key);
      if (className === undefined) out.missing.push(label);
      else if (!world.ourGateways.has(key))
        out.ignored.push(`${label} (GatewayClass ${className} is not Tollgate's)`);
      else out.targets.push({ kind: 'Gateway', key });
    } else if (ref.kind === 'AIRoute') {
      if (!world.aiRoutes.has(key)) out.missing.push(label);
      else if (ref.sectionName !== undefined && !(world.aiRoutes.get(key) ?? []).includes(ref.sectionName))
        out.missing.push(label);
      else
        out.targets.push(
          ref.sectionName ? { kind: 'AIRoute', key, rule: ref.sectionName } : { kind: 'AIRoute', key },
        );
    } else if (!world.aiBackends.has(key)) out.missing.push(label);
    else out.targets.push({ kind: 'AIBackend', key });
  }
  return out;
}

/** The identity of a target, for conflict detection and attachment lookup. */
export function targetId(t: PolicyTarget): string {
  return t.rule === undefined ? `${t.kind}:${t.key}` : `${t.kind}:${t.key}/${t.rule}`;
}

export interface PolicyObject {
  kind: 'AIBudget' | 'AIGuardrail' | 'AIClientPolicy';
  metadata: { name: string; namespace?: string | undefined; generation?: number | undefined };
  status?: { conditions: Condition[] } | undefined;
}

/** Accepted (targets and conflicts) and ResolvedRefs (problems) for one policy. */
export function policyStatus(
  policy: PolicyObject,
  resolution: TargetResolution,
  conflicts: readonly string[],
  problems: readonly Problem[],
  now: string,
): StatusUpdate {
  const gen = policy.metadata.generation;
  const ignored = resolution.ignored.length ? `; ignored: ${resolution.ignored.join(', ')}` : '';
  let accepted;
  if (resolution.missing.length > 0)
    accepted = condition(
      ConditionType.Accepted,
      false,
      Reason.TargetNotFound,
      `target not found: ${resolution.missing.join(', ')}${resolution.targets.length ? '; applied to the other targets' : ''}${ignored}`,
      gen,
    );
  else if (conflicts.length > 0)
    accepted = condition(
      ConditionType.Accepted,
      false,
      Reason.Conflicted,
      `an older policy already governs ${conflicts.join(', ')}`,
      gen,
    );
  else if (resolution.targets.length === 0)
    accepted = condition(
      ConditionType.Accepted,
      false,
      Reason.TargetNotFound,
      `no target is managed by Tollgate${ignored}`,
      gen,
    );
  else accepted = condition(ConditionType.Accepted, true, Reason.Accepted, `Policy accepted${ignored}`, gen);
  return {
    kind: policy.kind,
    namespace: namespaceOf(policy),
    name: policy.metadata.name,
    status: {
      conditions: stampConditions([accepted, resolvedRefs(problems, gen)], policy.status?.conditions, now),
    },
  };
}

/** Oldest first (creation time, then name): the Gateway API's tie-break for conflicting policies. */
export function byAge(
  a: { metadata: { name: string; creationTimestamp?: string | undefined } },
  b: { metadata: { name: string; creationTimestamp?: string | undefined } },
): number {
  const ca = a.metadata.creationTimestamp ?? '';
  const cb = b.metadata.creationTimestamp ?? '';
  if (ca !== cb) return ca < cb ? -1 : 1;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

// Expands policy attachments onto the processor document. For each AIRoute rule:
//   budgets     = Gateway-attached, then AIRoute-attached (whole route or this rule), then
//                 AIBackend-attached (any backend of the rule); each group sorted by key.
//   guardrails  = Gateway-attached, then AIRoute-attached, each group sorted by key: the order
//                 they run in, so a Gateway-wide check always runs before a route's own.
//   clientPolicy = the rule's policy, else the AIRoute's, else the first (by key) of its
//                 Gateways that has one.
// A rule attached to several Gateways gets the union of their budgets and guardrails (extproc
// keys rules, not Gateways). Each Gateway's own policy also goes to gateways[gw].clientPolicy.
import type { ProcessorConfigDocument } from '../../extproc/config/schema';
import type { AttachedPolicy } from './aibudget';
import type { PolicyTarget } from './policy-targets';
import { targetId } from './policy-targets';

/** targetId -> policy keys attached to it. */
function indexByTarget(attached: readonly AttachedPolicy[]): Map<string, string[]> {
  const index = new Map<string, string[]>();
  for (const a of attached)
    for (const t of a.targets) {
      const id = targetId(t);
      index.set(id, [...(index.get(id) ?? []), a.key]);
    }
  return index;
}

function collect(index: Map<string, string[]>, targets: readonly PolicyTarget[]): string[] {
  return [...new Set(targets.flatMap((t) => index.get(targetId(t)) ?? []))].sort();
}

export interface AttachInput {
  processor: ProcessorConfigDocument;
  /** Rule key -> the Gateways it is attached to. */
  gatewaysOfRule: ReadonlyMap<string, readonly string[]>;
  budgets: readonly AttachedPolicy[];
  guardrails: readonly AttachedPolicy[];
  /** targetId -> the AIClientPolicy that governs it. */
  clientPolicies: ReadonlyMap<string, string>;
}

export function attachPolicies(input: AttachInput): void {
  const { processor } = input;
  const budgets = indexByTarget(input.budgets);
  const guardrails = indexByTarget(input.guardrails);
  for (const [gatewayKey, gateway] of Object.entries(processor.gateways)) {
    const policy = input.clientPolicies.get(targetId({ kind: 'Gateway', key: gatewayKey }));
    if (policy !== undefined) gateway.clientPolicy = policy;
  }
  for (const [ruleKey, route] of Object.entries(processor.routes)) {
    const slash = ruleKey.lastIndexOf('/');
    const routeKey = ruleKey.slice(0, slash);
    const rule = ruleKey.slice(slash + 1);
    const gateways: PolicyTarget[] = [...(input.gatewaysOfRule.get(ruleKey) ?? [])]
      .sort()
      .map((key) => ({ kind: 'Gateway', key }));
    const routeTargets: PolicyTarget[] = [
      { kind: 'AIRoute', key: routeKey },
      { kind: 'AIRoute', key: routeKey, rule },
    ];
    const backends: PolicyTarget[] = route.backends.map((b) => ({ kind: 'AIBackend', key: b.backend }));
    route.budgets = dedupe([
      ...collect(budgets, gateways),
      ...collect(budgets, routeTargets),
      ...collect(budgets, backends),
    ]);
    route.guardrails = dedupe([...collect(guardrails, gateways), ...collect(guardrails, routeTargets)]);
    const clientPolicy = [routeTargets[1], routeTargets[0], ...gateways]
      .map((t) => (t ? input.clientPolicies.get(targetId(t)) : undefined))
      .find((p) => p !== undefined);
    if (clientPolicy !== undefined) route.clientPolicy = clientPolicy;
  }
}

/** Keeps the first occurrence: a policy attached at two levels runs once, at the earlier one. */
function dedupe(keys: readonly string[]): string[] {
  return [...new Set(keys)];
}

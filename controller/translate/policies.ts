// The policy kinds in one stage, run once routes and listeners are built: AIBudget, AIGuardrail
// and AIClientPolicy become sections of the processor document, their attachments are expanded
// onto each AIRoute rule (policy-attach.ts), client policies add jwt_authn and client
// certificate validation to listeners (client-policy-ir.ts), and each policy gets its status.
import type { ProcessorConfigDocument } from '../../extproc/config/schema';
import type { GatewayIR } from '../ir/types';
import type { Resources } from '../provider/resources';
import { translateBudgets } from './aibudget';
import { translateClientPolicies } from './aiclientpolicy';
import { translateGuardrails } from './aiguardrail';
import { applyClientPolicyIR } from './client-policy-ir';
import type { RouteEntry } from './context';
import { attachPolicies } from './policy-attach';
import { policyStatus, type TargetWorld } from './policy-targets';
import type { StatusUpdate } from './status';

export interface PolicyInput {
  resources: Resources;
  world: TargetWorld;
  /** With gateways and routes filled in; budgets, guardrails and client policies are added. */
  processor: ProcessorConfigDocument;
  /** Rule key -> the Gateways it is attached to. */
  gatewaysOfRule: ReadonlyMap<string, readonly string[]>;
  irGateways: GatewayIR[];
  entries: readonly RouteEntry[];
  now: string;
}

export function translatePolicies(input: PolicyInput): StatusUpdate[] {
  const { resources, world, processor, now } = input;
  const budgets = translateBudgets(resources.aiBudgets, world, now);
  const guardrails = translateGuardrails(resources.aiGuardrails, resources, world, now);
  const clients = translateClientPolicies(resources.aiClientPolicies, resources, world);
  attachPolicies({
    processor,
    gatewaysOfRule: input.gatewaysOfRule,
    budgets: budgets.attached,
    guardrails: guardrails.attached,
    clientPolicies: clients.winners,
  });
  const ruleClientPolicy = new Map<string, string>();
  for (const [key, route] of Object.entries(processor.routes))
    if (route.clientPolicy !== undefined) ruleClientPolicy.set(key, route.clientPolicy);
  const gatewayClientPolicy = new Map<string, string>();
  for (const [key, gateway] of Object.entries(processor.gateways))
    if (gateway.clientPolicy !== undefined) gatewayClientPolicy.set(key, gateway.clientPolicy);
  applyClientPolicyIR({
    gateways: input.irGateways,
    states: clients.states,
    ruleClientPolicy,
    gatewayClientPolicy,
    entries: input.entries,
    secrets: resources.secrets,
  });
  // Only what some rule or Gateway uses goes to extproc.
  const used = {
    budgets: new Set(Object.values(processor.routes).flatMap((r) => r.budgets)),
    guardrails: new Set(Object.values(processor.routes).flatMap((r) => r.guardrails)),
    clientPolicies: new Set([...ruleClientPolicy.values(), ...gatewayClientPolicy.values()]),
  };
  for (const key of Object.keys(budgets.configs).sort())
    if (used.budgets.has(key))
      processor.budgets[key] = budgets.configs[key] as (typeof budgets.configs)[string];
  for (const key of Object.keys(guardrails.configs).sort())
    if (used.guardrails.has(key))
      processor.guardrails[key] = guardrails.configs[key] as (typeof guardrails.configs)[string];
  for (const state of [...clients.states].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)))
    if (used.clientPolicies.has(state.key)) processor.clientPolicies[state.key] = state.config;
  const clientStatuses = clients.states.map((s) =>
    policyStatus(s.policy, { ...s.resolution, targets: s.targets }, s.conflicts, s.problems, now),
  );
  return [...budgets.statuses, ...guardrails.statuses, ...clientStatuses];
}

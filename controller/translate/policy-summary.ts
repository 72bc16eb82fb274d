// A reader's view of which policies apply where, for `tollgate translate`: per AIRoute rule, the
// AIClientPolicy that authorizes its callers, its AIBudgets in evaluation order, and its
// AIGuardrails in the order they run with their checks. Built from the processor document, so
// it shows exactly what extproc will enforce.
import type { ProcessorConfigDocument } from '../../extproc/config/schema';

export interface RulePolicies {
  /** The Gateways the rule is served on, each with the policy that authenticates its callers. */
  gateways: { gateway: string; clientPolicy: string }[];
  clientPolicy: string;
  budgets: string[];
  guardrails: { guardrail: string; checks: string[] }[];
}

const NONE = '(none)';

export function policySummary(processor: ProcessorConfigDocument): Record<string, RulePolicies> {
  const out: Record<string, RulePolicies> = {};
  for (const key of Object.keys(processor.routes).sort()) {
    const route = processor.routes[key];
    if (!route) continue;
    const gateways = Object.entries(processor.gateways)
      .filter(([, g]) => g.routes.includes(key))
      .map(([gateway, g]) => ({ gateway, clientPolicy: g.clientPolicy ?? NONE }));
    out[key] = {
      gateways,
      clientPolicy: route.clientPolicy ?? NONE,
      budgets: route.budgets,
      guardrails: route.guardrails.map((g) => ({
        guardrail: g,
        checks: (processor.guardrails[g]?.checks ?? []).map(
          (c) => `${c.name}: ${c.type} ${c.action} (${c.scope})`,
        ),
      })),
    };
  }
  return out;
}

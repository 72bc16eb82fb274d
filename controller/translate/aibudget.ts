// AIBudgets -> BudgetConfig for extproc (key "namespace/name"), with the targets they attach to.
// The spec maps 1:1; only the window changes shape: {rolling: 1h} -> {kind: Rolling, seconds},
// {calendar: Month, timeZone} -> {kind: Calendar, unit, timeZone}.
import { durationToMs, type AIBudget } from '../api';
import type { BudgetConfig, BudgetLimit } from '../../extproc/config/schema';
import type { StatusUpdate } from './status';
import { namespaceOf } from './refs';
import { policyStatus, resolveTargets, type PolicyTarget, type TargetWorld } from './policy-targets';

export interface AttachedPolicy {
  key: string;
  targets: PolicyTarget[];
}

export interface PolicyResult<C> {
  configs: Record<string, C>;
  attached: AttachedPolicy[];
  statuses: StatusUpdate[];
}

export function translateBudgets(
  budgets: readonly AIBudget[],
  world: TargetWorld,
  now: string,
): PolicyResult<BudgetConfig> {
  const out: PolicyResult<BudgetConfig> = { configs: {}, attached: [], statuses: [] };
  for (const budget of budgets) {
    const namespace = namespaceOf(budget);
    const key = `${namespace}/${budget.metadata.name}`;
    const resolution = resolveTargets(namespace, budget.spec.targetRefs, world);
    out.statuses.push(policyStatus(budget, resolution, [], [], now));
    if (resolution.targets.length === 0) continue;
    out.configs[key] = budgetConfig(key, budget);
    out.attached.push({ key, targets: resolution.targets });
  }
  return out;
}

export function budgetConfig(key: string, budget: AIBudget): BudgetConfig {
  const { spec } = budget;
  const subject: BudgetConfig['subject'] = { kind: spec.subject.kind };
  if (spec.subject.name !== undefined) subject.name = spec.subject.name;
  const action: BudgetConfig['action'] =
    spec.action.kind === 'Reject'
      ? { kind: 'Reject' }
      : {
          kind: 'Degrade',
          ...(spec.action.model !== undefined ? { model: spec.action.model } : {}),
          ...(spec.action.maxTokens !== undefined ? { maxTokens: spec.action.maxTokens } : {}),
        };
  const config: BudgetConfig = {
    key,
    subject,
    models: spec.models,
    limits: spec.limits.map((l): BudgetLimit => ({
      metric: l.metric,
      amount: l.amount,
      window: windowOf(l.window),
    })),
    action,
    failMode: spec.failMode,
    unpriced: spec.unpriced,
    defaultMaxOutputTokens: spec.defaultMaxOutputTokens,
  };
  if (spec.softLimitPercent !== undefined) config.softLimitPercent = spec.softLimitPercent;
  return config;
}

function windowOf(w: AIBudget['spec']['limits'][number]['window']): BudgetLimit['window'] {
  if (w.rolling !== undefined)
    return { kind: 'Rolling', seconds: Math.floor(durationToMs(w.rolling) / 1000) };
  return { kind: 'Calendar', unit: w.calendar ?? 'Day', timeZone: w.timeZone ?? 'UTC' };
}

// Builds status conditions. lastTransitionTime is carried over from the object's current status
// while a condition's status stays the same, so translating an unchanged world twice yields
// identical statuses and the writers can skip them.
import type { Condition } from '../api';
import { ConditionType, Reason } from './status';

/** A condition before its transition time is known. */
export type PendingCondition = Omit<Condition, 'lastTransitionTime'>;

export function condition(
  type: ConditionType,
  ok: boolean,
  reason: Reason,
  message: string,
  generation: number | undefined,
): PendingCondition {
  const out: PendingCondition = { type, status: ok ? 'True' : 'False', reason, message };
  if (generation !== undefined) out.observedGeneration = generation;
  return out;
}

/** Stamps transition times: the previous one when the status is unchanged, `now` otherwise. */
export function stampConditions(
  pending: readonly PendingCondition[],
  previous: readonly Condition[] | undefined,
  now: string,
): Condition[] {
  return pending.map((c) => {
    const before = previous?.find((p) => p.type === c.type);
    const lastTransitionTime = before && before.status === c.status ? before.lastTransitionTime : now;
    return { ...c, lastTransitionTime };
  });
}

/** A reference that could not be resolved, as a route reports it. */
export interface Problem {
  reason: Reason;
  message: string;
}

/** ResolvedRefs for a route: False with the first problem's reason and every message, else True. */
export function resolvedRefs(problems: readonly Problem[], generation: number | undefined): PendingCondition {
  const first = problems[0];
  return first
    ? condition(
        ConditionType.ResolvedRefs,
        false,
        first.reason,
        problems.map((p) => p.message).join('; '),
        generation,
      )
    : condition(ConditionType.ResolvedRefs, true, Reason.ResolvedRefs, 'References resolved', generation);
}

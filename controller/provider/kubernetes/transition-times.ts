// Carries lastTransitionTime over from the stored status into the one about to be written,
// for every condition whose type and status did not change: the rule of apimachinery's
// meta.SetStatusCondition. The translator already does this for what it can see; doing it
// here too means a status computed without the previous conditions (e.g. for an object that
// failed validation) is still "unchanged" when nothing changed, instead of a fresh timestamp
// that makes every reconcile write again and every write trigger another reconcile.

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The identity of a list element: listeners by name, route parents by parentRef, else position. */
function identity(element: Json, index: number): string {
  if (isObject(element)) {
    if (element.parentRef !== undefined) return `parentRef:${JSON.stringify(element.parentRef)}`;
    if (typeof element.name === 'string') return `name:${element.name}`;
  }
  return `index:${index}`;
}

function mergeConditions(wanted: Json[], stored: Json): Json[] {
  const previous = Array.isArray(stored) ? stored.filter(isObject) : [];
  return wanted.map((c) => {
    if (!isObject(c)) return c;
    const before = previous.find((p) => p.type === c.type);
    return before && before.status === c.status && typeof before.lastTransitionTime === 'string'
      ? { ...c, lastTransitionTime: before.lastTransitionTime }
      : c;
  });
}

/** Returns `wanted` with transition times taken from `stored` where a condition kept its status. */
export function carryTransitionTimes(wanted: Json, stored: Json): Json {
  if (Array.isArray(wanted)) {
    const previous = Array.isArray(stored) ? stored : [];
    const byIdentity = new Map(previous.map((e, i) => [identity(e, i), e]));
    return wanted.map((e, i) => carryTransitionTimes(e, byIdentity.get(identity(e, i))));
  }
  if (!isObject(wanted)) return wanted;
  const previous = isObject(stored) ? stored : {};
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(wanted))
    out[key] =
      key === 'conditions' && Array.isArray(value)
        ? mergeConditions(value, previous[key])
        : carryTransitionTimes(value, previous[key]);
  return out;
}

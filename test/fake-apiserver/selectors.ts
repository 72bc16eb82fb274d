// Label and field selectors as the Kubernetes API server parses them, so the fake filters
// lists and watches the way a real cluster does. Label selectors support equality (=, ==, !=),
// existence (k, !k) and sets (in, notin); field selectors support =, ==, != on any dotted path
// (the real server allows only a few fields per kind; metadata.name/namespace always work).

export type Matcher = (obj: KubeObject) => boolean;

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export class SelectorError extends Error {}

/** Splits on commas that are not inside parentheses: "a in (x,y),b" -> ["a in (x,y)", "b"]. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) terms.push(current.trim());
  return terms.filter((t) => t.length > 0);
}

function labelTerm(term: string): Matcher {
  const set = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (set) {
    const [, key = '', op, values = ''] = set;
    const allowed = new Set(values.split(',').map((v) => v.trim()));
    return (o) => {
      const v = o.metadata.labels?.[key];
      return op === 'in' ? v !== undefined && allowed.has(v) : v === undefined || !allowed.has(v);
    };
  }
  const eq = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(term);
  if (eq) {
    const [, key = '', op, value] = eq;
    return (o) => (op === '!=' ? o.metadata.labels?.[key] !== value : o.metadata.labels?.[key] === value);
  }
  const exists = /^(!?)([\w./-]+)$/.exec(term);
  if (exists) {
    const [, not, key = ''] = exists;
    return (o) => (o.metadata.labels?.[key] !== undefined) !== (not === '!');
  }
  throw new SelectorError(`unable to parse requirement: ${JSON.stringify(term)}`);
}

function fieldValue(obj: KubeObject, path: string): string | undefined {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur === undefined || cur === null ? undefined : String(cur);
}

function fieldTerm(term: string): Matcher {
  const m = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
  if (!m) throw new SelectorError(`invalid field selector: ${JSON.stringify(term)}`);
  const [, path = '', op, value = ''] = m;
  // An absent field compares as "" the way the API server's field sets do.
  return (o) => ((fieldValue(o, path) ?? '') === value) !== (op === '!=');
}

function all(matchers: Matcher[]): Matcher {
  return (o) => matchers.every((m) => m(o));
}

export function parseLabelSelector(selector: string | undefined): Matcher {
  return all(splitTerms(selector ?? '').map(labelTerm));
}

export function parseFieldSelector(selector: string | undefined): Matcher {
  return all(splitTerms(selector ?? '').map(fieldTerm));
}

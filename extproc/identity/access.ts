// Which routes and models a caller may use, by the AIClientPolicy's access rules: evaluated in
// order after the route is chosen, the first rule that matches decides, otherwise `default`.
// A rule matches when its subjects, models and routes all match (an empty list matches all).
// A subject matches when every field it gives matches the identity's field; an identity without
// that field (e.g. the anonymous caller has no tenant) does not match, not even "*".
// Globs: "*" is any run of characters (including "/"), everything else is literal and
// case-sensitive. Rules are compiled once per policy object (WeakMap), so a new config version
// compiles anew and the old one is collected. A denial names the caller and the model only:
// the rules stay private.
import { GatewayError } from '../../lib/errors';
import type { AccessRule, ClientPolicyConfig, SubjectMatch } from '../config/schema';
import type { Identity } from '../services';

type Matcher = (value: string | undefined) => boolean;

interface CompiledRule {
  allow: boolean;
  subjects: Array<Array<[keyof SubjectMatch, Matcher]>>;
  models: Matcher[];
  routes: Matcher[];
}

const compiled = new WeakMap<ClientPolicyConfig, CompiledRule[]>();

export function glob(pattern: string): Matcher {
  if (pattern === '*') return (value) => value !== undefined;
  if (!pattern.includes('*')) return (value) => value === pattern;
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const re = new RegExp(`^${source}$`, 's');
  return (value) => value !== undefined && re.test(value);
}

function compile(rule: AccessRule): CompiledRule {
  return {
    allow: rule.effect === 'Allow',
    subjects: (rule.subjects ?? []).map((s) =>
      (Object.entries(s) as Array<[keyof SubjectMatch, string | undefined]>)
        .filter((e): e is [keyof SubjectMatch, string] => e[1] !== undefined)
        .map(([field, pattern]) => [field, glob(pattern)]),
    ),
    models: (rule.models ?? []).map(glob),
    routes: (rule.routes ?? []).map(glob),
  };
}

function rulesOf(policy: ClientPolicyConfig): CompiledRule[] {
  let rules = compiled.get(policy);
  if (!rules) {
    rules = policy.access.rules.map(compile);
    compiled.set(policy, rules);
  }
  return rules;
}

const anyMatch = (matchers: Matcher[], value: string): boolean =>
  matchers.length === 0 || matchers.some((m) => m(value));

function subjectsMatch(rule: CompiledRule, identity: Identity): boolean {
  if (rule.subjects.length === 0) return true;
  return rule.subjects.some((fields) => fields.every(([field, match]) => match(identity[field])));
}

/** True when the caller may send `model` through the rule `routeKey`. */
export function mayUse(
  policy: ClientPolicyConfig,
  identity: Identity,
  routeKey: string,
  model: string,
): boolean {
  for (const rule of rulesOf(policy)) {
    if (subjectsMatch(rule, identity) && anyMatch(rule.models, model) && anyMatch(rule.routes, routeKey)) {
      return rule.allow;
    }
  }
  return policy.access.default === 'Allow';
}

/** The 403 the caller gets, or undefined when the policy lets it through. */
export function authorize(
  policy: ClientPolicyConfig,
  identity: Identity,
  routeKey: string,
  model: string,
): GatewayError | undefined {
  if (mayUse(policy, identity, routeKey, model)) return undefined;
  return new GatewayError(
    'permission_denied',
    `${describeCaller(identity)} may not use model ${model}`,
    'model',
  );
}

/** How a denial names the caller: its user, else its key name, else its tenant; never a secret. */
export function describeCaller(identity: Identity): string {
  if (identity.user !== undefined) return `caller ${identity.user}`;
  if (identity.apiKey !== undefined) return `API key ${identity.apiKey}`;
  if (identity.tenant !== undefined) return `tenant ${identity.tenant}`;
  return 'anonymous caller';
}

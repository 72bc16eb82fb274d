// The protoc-gen-validate rule kinds our rendered messages meet, checked on one value. Every
// rule a kind does not implement is reported when the field is set, so a new Envoy field with
// an unfamiliar rule fails the fidelity test instead of being skipped silently.
import { isIP } from 'node:net';

export type RuleSet = Record<string, unknown>;

/** Checks the rules of `kind` (e.g. "string", "uint32") on a scalar value; returns messages. */
export function checkScalarRules(kind: string, rules: RuleSet, value: unknown, isSet: boolean): string[] {
  if (rules.ignore_empty === true && isEmptyScalar(value)) return [];
  const checks =
    kind === 'string'
      ? STRING_RULES
      : kind === 'bool'
        ? BOOL_RULES
        : NUMBER_KINDS.has(kind)
          ? NUMBER_RULES
          : undefined;
  if (!checks) return isSet ? [`rule kind ${kind} is not implemented by the validator`] : [];
  return applyRules(kind, checks, rules, value, isSet);
}

export type Check = (rule: unknown, value: never, rules: RuleSet) => string | undefined;

export function applyRules(
  kind: string,
  checks: Record<string, Check>,
  rules: RuleSet,
  value: unknown,
  isSet: boolean,
): string[] {
  const out: string[] = [];
  for (const [name, rule] of Object.entries(rules)) {
    if (name === 'ignore_empty') continue;
    const check = checks[name];
    if (!check) {
      if (isSet) out.push(`rule ${kind}.${name} is not implemented by the validator`);
      continue;
    }
    const problem = check(rule, value as never, rules);
    if (problem) out.push(`${kind}.${name}: ${problem}`);
  }
  return out;
}

function isEmptyScalar(value: unknown): boolean {
  return value === undefined || value === '' || value === 0 || value === false;
}

const NUMBER_KINDS = new Set([
  'double',
  'float',
  'int32',
  'int64',
  'uint32',
  'uint64',
  'sint32',
  'sint64',
  'fixed32',
  'fixed64',
  'sfixed32',
  'sfixed64',
]);

/** Number comparisons shared by numeric kinds and Duration (in nanoseconds). */
export function orderingChecks(toNumber: (v: unknown) => number): Record<string, Check> {
  const cmp =
    (fails: (v: number, r: number) => boolean, word: string): Check =>
    (rule, value, rules) => {
      const v = toNumber(value);
      const r = toNumber(rule);
      // PGV: gt/gte above lt/lte means "outside the range"; the pair is checked by the lower bound.
      if ((word === '<' || word === '<=') && exclusiveRange(rules, toNumber)) return undefined;
      if ((word === '>' || word === '>=') && exclusiveRange(rules, toNumber)) {
        const upper = rules.lt ?? rules.lte;
        const below = rules.lt !== undefined ? v < toNumber(upper) : v <= toNumber(upper);
        return fails(v, r) && !below ? `${v} is inside the excluded range` : undefined;
      }
      return fails(v, r) ? `${v} must be ${word} ${r}` : undefined;
    };
  return {
    gt: cmp((v, r) => !(v > r), '>'),
    gte: cmp((v, r) => !(v >= r), '>='),
    lt: cmp((v, r) => !(v < r), '<'),
    lte: cmp((v, r) => !(v <= r), '<='),
    const: (rule, value) => (toNumber(value) === toNumber(rule) ? undefined : `must equal ${toNumber(rule)}`),
    in: (rule, value) =>
      asArray(rule).map(toNumber).includes(toNumber(value)) ? undefined : 'not in the allowed set',
    not_in: (rule, value) =>
      asArray(rule).map(toNumber).includes(toNumber(value)) ? 'in the forbidden set' : undefined,
  };
}

function exclusiveRange(rules: RuleSet, toNumber: (v: unknown) => number): boolean {
  const lower = rules.gt ?? rules.gte;
  const upper = rules.lt ?? rules.lte;
  return lower !== undefined && upper !== undefined && toNumber(upper) < toNumber(lower);
}

export function asArray(rule: unknown): unknown[] {
  return Array.isArray(rule) ? rule : [];
}

const NUMBER_RULES = orderingChecks((v) => Number(v ?? 0));

const BOOL_RULES: Record<string, Check> = {
  const: (rule, value: boolean) => (Boolean(value) === rule ? undefined : `must be ${String(rule)}`),
};

/** PGV's well-known header regexes (strict by default). */
const HEADER_REGEX = {
  HTTP_HEADER_NAME: { strict: /^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$/, loose: /^[^\0\n\r]*$/ },
  HTTP_HEADER_VALUE: { strict: /^[^\0-\x08\x0A-\x1F\x7F]*$/, loose: /^[^\0\n\r]*$/ },
} as const;

const chars = (s: string): number => [...s].length;
const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

const STRING_RULES: Record<string, Check> = {
  min_len: (rule, value) =>
    chars(str(value)) >= Number(rule) ? undefined : `"${str(value)}" is shorter than ${Number(rule)}`,
  max_len: (rule, value) =>
    chars(str(value)) <= Number(rule) ? undefined : `longer than ${Number(rule)} characters`,
  len: (rule, value) => (chars(str(value)) === Number(rule) ? undefined : `length must be ${Number(rule)}`),
  min_bytes: (rule, value) =>
    bytes(str(value)) >= Number(rule) ? undefined : `shorter than ${Number(rule)} bytes`,
  max_bytes: (rule, value) =>
    bytes(str(value)) <= Number(rule) ? undefined : `longer than ${Number(rule)} bytes`,
  pattern: (rule, value) =>
    new RegExp(String(rule)).test(str(value)) ? undefined : `"${str(value)}" does not match ${String(rule)}`,
  prefix: (rule, value) =>
    str(value).startsWith(String(rule)) ? undefined : `must start with ${String(rule)}`,
  suffix: (rule, value) => (str(value).endsWith(String(rule)) ? undefined : `must end with ${String(rule)}`),
  contains: (rule, value) => (str(value).includes(String(rule)) ? undefined : `must contain ${String(rule)}`),
  not_contains: (rule, value) =>
    str(value).includes(String(rule)) ? `must not contain ${String(rule)}` : undefined,
  const: (rule, value) => (str(value) === rule ? undefined : `must equal "${String(rule)}"`),
  in: (rule, value) =>
    asArray(rule).includes(str(value)) ? undefined : `"${str(value)}" is not in the allowed set`,
  not_in: (rule, value) => (asArray(rule).includes(str(value)) ? `"${str(value)}" is forbidden` : undefined),
  ip: (_rule, value) => (isIP(str(value)) !== 0 ? undefined : `"${str(value)}" is not an IP address`),
  ipv4: (_rule, value) => (isIP(str(value)) === 4 ? undefined : `"${str(value)}" is not an IPv4 address`),
  ipv6: (_rule, value) => (isIP(str(value)) === 6 ? undefined : `"${str(value)}" is not an IPv6 address`),
  strict: () => undefined, // modifies well_known_regex, checked there
  well_known_regex: (rule, value, rules) => {
    const regexes = HEADER_REGEX[String(rule) as keyof typeof HEADER_REGEX] as
      (typeof HEADER_REGEX)[keyof typeof HEADER_REGEX] | undefined;
    if (!regexes) return `well_known_regex ${String(rule)} is not implemented by the validator`;
    const re = rules.strict === false ? regexes.loose : regexes.strict;
    return re.test(str(value)) ? undefined : `"${str(value)}" is not a valid ${String(rule)}`;
  },
};

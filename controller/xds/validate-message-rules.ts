// protoc-gen-validate rules on values that are not plain scalars: Duration, Any, enums, and the
// list/map rules of repeated and map fields. Like validate-rules.ts, a rule name not handled
// here is reported when its field is set.
import type protobuf from 'protobufjs';
import { applyRules, asArray, orderingChecks, type Check, type RuleSet } from './validate-rules';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function enumRules(type: protobuf.Enum, rules: RuleSet, value: unknown, set: boolean): string[] {
  const number = typeof value === 'string' ? type.values[value] : set ? Number(value) : 0;
  const defined = number !== undefined && Object.values(type.values).includes(number);
  const listed = (r: unknown) => number !== undefined && asArray(r).map(Number).includes(number);
  return applyRules(
    'enum',
    {
      defined_only: (r) => (r === true && !defined ? `undefined value ${String(value)}` : undefined),
      const: (r) => (number === Number(r) ? undefined : `must be ${Number(r)}`),
      in: (r) => (listed(r) ? undefined : `${String(value)} is not allowed`),
      not_in: (r) => (listed(r) ? `${String(value)} is forbidden` : undefined),
    },
    rules,
    value,
    set,
  );
}

const DURATION_NANOS = (v: unknown): number => {
  const d = isObject(v) ? v : {};
  return Number(d.seconds ?? 0) * 1e9 + Number(d.nanos ?? 0);
};

export function durationRules(rules: RuleSet, value: unknown, set: boolean): string[] {
  const ordering = orderingChecks(DURATION_NANOS);
  const required = (r: unknown) => (r === true && !set ? 'required' : undefined);
  // Bounds only apply to a set duration.
  const checks: Record<string, Check> = set
    ? { ...ordering, required }
    : { required, gt: noop, gte: noop, lt: noop, lte: noop, const: noop, in: noop, not_in: noop };
  return applyRules('duration', checks, rules, value, set);
}

export function anyRules(rules: RuleSet, value: unknown, set: boolean): string[] {
  const url = isObject(value) ? value['@type'] : undefined;
  return applyRules(
    'any',
    {
      required: (r) => (r === true && !set ? 'required' : undefined),
      in: (r) => (!set || asArray(r).includes(url) ? undefined : `type ${String(url)} not allowed`),
      not_in: (r) => (set && asArray(r).includes(url) ? `type ${String(url)} forbidden` : undefined),
    },
    rules,
    value,
    set,
  );
}

export function repeatedRules(rules: RuleSet, items: unknown[], set: boolean): string[] {
  if (rules.ignore_empty === true && items.length === 0) return [];
  return applyRules(
    'repeated',
    {
      min_items: (r) =>
        items.length >= Number(r) ? undefined : `needs at least ${Number(r)} items, has ${items.length}`,
      max_items: (r) =>
        items.length <= Number(r) ? undefined : `at most ${Number(r)} items, has ${items.length}`,
      unique: (r) =>
        r === true && new Set(items.map((i) => JSON.stringify(i))).size !== items.length
          ? 'items must be unique'
          : undefined,
      items: noop, // applied per item by the caller
    },
    rules,
    items,
    set,
  );
}

export function mapRules(rules: RuleSet, size: number, set: boolean): string[] {
  if (rules.ignore_empty === true && size === 0) return [];
  return applyRules(
    'map',
    {
      min_pairs: (r) => (size >= Number(r) ? undefined : `needs at least ${Number(r)} entries`),
      max_pairs: (r) => (size <= Number(r) ? undefined : `at most ${Number(r)} entries`),
      no_sparse: noop, // object form has no unset map values
      keys: noop,
      values: noop,
    },
    rules,
    size,
    set,
  );
}

function noop(): undefined {
  return undefined;
}

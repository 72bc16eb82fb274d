// A protoc-gen-validate checker for our rendered xDS: reads the `(validate.rules)` field options
// and `(validate.required)` oneof options of Envoy's protos by protobufjs reflection and checks an
// object (lib/protos.ts object form) against them, recursing through nested messages, repeated
// fields, maps and Any (expanded by type URL). Envoy runs the same checks on every resource it
// receives and rejects the update when one fails; this finds those failures in our tests.
import protobuf from 'protobufjs';
import { xdsRoot, type ProtoObject } from '../../lib/protos';
import { anyRules, durationRules, enumRules, mapRules, repeatedRules } from './validate-message-rules';
import { applyRules, asArray, checkScalarRules, type RuleSet } from './validate-rules';

export interface Violation {
  /** Field path from the resource root, e.g. "filter_chains[0].filters[0].name". */
  path: string;
  message: string;
}

/** Validates `object` as the message named by `typeUrl` (or a full name). */
export function validateResource(typeUrl: string, object: ProtoObject): Violation[] {
  return validateAsType(xdsRoot().lookupType(typeUrl.slice(typeUrl.lastIndexOf('/') + 1)), object);
}

/** Validates `object` as `type` (a reflected protobufjs message type). */
export function validateAsType(type: protobuf.Type, object: ProtoObject): Violation[] {
  const out: Violation[] = [];
  validateMessage(type, object, '', out);
  return out;
}

const ANY = '.google.protobuf.Any';
const DURATION = '.google.protobuf.Duration';
const WRAPPERS = new Set(
  ['Double', 'Float', 'Int64', 'UInt64', 'Int32', 'UInt32', 'Bool', 'String', 'Bytes'].map(
    (w) => `.google.protobuf.${w}Value`,
  ),
);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function validateMessage(type: protobuf.Type, value: unknown, path: string, out: Violation[]): void {
  if (!isObject(value)) {
    out.push({ path, message: `expected a ${type.name} object` });
    return;
  }
  if (type.fullName === ANY) {
    validateAny(value, path, out);
    return;
  }
  if ((type.options as Record<string, unknown> | undefined)?.['(validate.disabled)'] === true) return;
  for (const key of Object.keys(value)) {
    if (!type.fields[key])
      out.push({ path: join(path, key), message: `unknown field of ${type.fullName.slice(1)}` });
  }
  for (const field of type.fieldsArray)
    validateField(field.resolve(), value[field.name], join(path, field.name), out);
  for (const oneof of type.oneofsArray) {
    const set = oneof.fieldsArray.filter((f) => isPresent(value[f.name]));
    if (set.length > 1)
      out.push({
        path,
        message: `oneof ${oneof.name} has several members set: ${set.map((f) => f.name).join(', ')}`,
      });
    if (set.length === 0 && hasOption(oneof.parsedOptions, '(validate.required)')) {
      out.push({
        path,
        message: `oneof ${oneof.name} is required (one of ${oneof.fieldsArray.map((f) => f.name).join(', ')})`,
      });
    }
  }
}

function validateAny(value: Record<string, unknown>, path: string, out: Violation[]): void {
  const url = value['@type'];
  if (typeof url !== 'string') {
    out.push({ path, message: 'Any without @type' });
    return;
  }
  let inner: protobuf.Type;
  try {
    inner = xdsRoot().lookupType(url.slice(url.lastIndexOf('/') + 1));
  } catch {
    out.push({ path, message: `Any of unknown type ${url}` });
    return;
  }
  const { '@type': _url, ...fields } = value;
  validateMessage(inner, fields, path, out);
}

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function validateField(field: protobuf.Field, value: unknown, path: string, out: Violation[]): void {
  const rules = fieldRules(field);
  const report = (messages: string[], at = path) =>
    messages.forEach((message) => out.push({ path: at, message }));
  if (field.map) {
    const entries = isObject(value) ? Object.entries(value) : [];
    if (isPresent(value) && !isObject(value)) report([`expected a map`]);
    if (rules.map) report(mapRules(asRuleSet(rules.map), entries.length, isPresent(value)));
    const valueRules = isObject(rules.map) && isObject(rules.map.values) ? rules.map.values : {};
    const keyRules = isObject(rules.map) && isObject(rules.map.keys) ? rules.map.keys : {};
    for (const [k, v] of entries) {
      const at = `${path}[${JSON.stringify(k)}]`;
      for (const [kind, kindRules] of Object.entries(keyRules))
        report(checkScalarRules(kind, asRuleSet(kindRules), k, true), at);
      validateSingle(field, valueRules, v, at, out);
    }
    return;
  }
  if (field.repeated) {
    if (isPresent(value) && !Array.isArray(value)) report(['expected a list']);
    const items: unknown[] = Array.isArray(value) ? value : [];
    if (rules.repeated) report(repeatedRules(asRuleSet(rules.repeated), items, isPresent(value)));
    const itemRules = isObject(rules.repeated) && isObject(rules.repeated.items) ? rules.repeated.items : {};
    items.forEach((item, i) => validateSingle(field, itemRules, item, `${path}[${i}]`, out));
    return;
  }
  // Members of a oneof (and proto3 `optional` fields) are only checked when set.
  if (field.partOf && !isPresent(value)) return;
  validateSingle(field, rules, value, path, out);
}

function validateSingle(
  field: protobuf.Field,
  rules: RuleSet,
  value: unknown,
  path: string,
  out: Violation[],
): void {
  const set = isPresent(value);
  const report = (messages: string[]) => messages.forEach((message) => out.push({ path, message }));
  const { message: messageRules, ...typed } = rules;
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) {
    const m = asRuleSet(messageRules);
    report(
      applyRules(
        'message',
        { required: (r) => (r === true && !set ? 'required' : undefined), skip: () => undefined },
        m,
        value,
        set,
      ),
    );
    for (const [kind, kindRules] of Object.entries(typed)) {
      if (kind === 'duration' && resolved.fullName === DURATION)
        report(durationRules(asRuleSet(kindRules), value, set));
      else if (kind === 'any' && resolved.fullName === ANY)
        report(anyRules(asRuleSet(kindRules), value, set));
      else if (WRAPPERS.has(resolved.fullName)) {
        if (set && isObject(value)) report(checkScalarRules(kind, asRuleSet(kindRules), value.value, true));
      } else if (set) report([`rule kind ${kind} is not implemented for ${resolved.fullName}`]);
    }
    if (set && m.skip !== true) validateMessage(resolved, value, path, out);
    return;
  }
  if (resolved instanceof protobuf.Enum) {
    for (const [kind, kindRules] of Object.entries(typed)) {
      report(
        kind === 'enum'
          ? enumRules(resolved, asRuleSet(kindRules), value, set)
          : [`rule kind ${kind} on an enum`],
      );
    }
    if (set && typeof value === 'string' && resolved.values[value] === undefined) {
      report([`unknown ${resolved.name} value ${value}`]);
    }
    return;
  }
  const scalar = set ? value : defaultOf(field.type);
  for (const [kind, kindRules] of Object.entries(typed))
    report(checkScalarRules(kind, asRuleSet(kindRules), scalar, set));
}

function defaultOf(type: string): unknown {
  return type === 'string' || type === 'bytes' ? '' : type === 'bool' ? false : 0;
}

/** The merged `(validate.rules)` options of a field ({} when none). */
function fieldRules(field: protobuf.Field): RuleSet {
  const merged: RuleSet = {};
  for (const option of field.parsedOptions ?? []) {
    const rules = (option as Record<string, unknown>)['(validate.rules)'];
    if (isObject(rules)) deepMerge(merged, rules);
  }
  return merged;
}

function deepMerge(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(source)) {
    const existing = target[k];
    if (isObject(existing) && isObject(v)) deepMerge(existing, v);
    else target[k] = isObject(v) ? { ...v } : v;
  }
}

function hasOption(options: unknown, name: string): boolean {
  return asArray(options).some((o) => isObject(o) && o[name] === true);
}

function asRuleSet(value: unknown): RuleSet {
  return isObject(value) ? value : {};
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

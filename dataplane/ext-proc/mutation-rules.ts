// Envoy's HeaderMutationRules checker: which header changes an ext_proc response may make. The
// defaults (no rules configured) follow the mutation_rules docs: anything may change except
// host, :authority, :scheme, :method and x-envoy-* headers; ":"-headers and host can never be
// removed; values must be valid. Also the StringMatcher used by forward_rules.
import type { ProtoObject } from '../../lib/protos';

export type CheckOperation = 'set' | 'append' | 'remove';
export type CheckResult = 'ok' | 'ignore' | 'fail';

const ROUTING_HEADERS = new Set(['host', ':authority', ':method', ':scheme']);
const ENVOY_PREFIX = 'x-envoy';

export class HeaderMutationChecker {
  private readonly allow?: RegExp;
  private readonly disallow?: RegExp;

  constructor(private readonly rules: ProtoObject) {
    this.allow = regexOf(rules.allow_expression);
    this.disallow = regexOf(rules.disallow_expression);
  }

  /** Envoy's checker for immediate responses: routing and x-envoy headers are allowed too. */
  static permissive(): HeaderMutationChecker {
    return new HeaderMutationChecker({ allow_all_routing: { value: true }, allow_envoy: { value: true } });
  }

  check(op: CheckOperation, name: string, value: string): CheckResult {
    if (this.isAllowed(op, name) && (op === 'remove' || isValidValue(name, value))) return 'ok';
    return this.flag('disallow_is_error') ? 'fail' : 'ignore';
  }

  private isAllowed(op: CheckOperation, name: string): boolean {
    if (op === 'remove' && (name.startsWith(':') || name === 'host')) return false;
    if (this.disallow?.test(name)) return false;
    if (this.allow?.test(name)) return true;
    if (this.flag('disallow_all')) return false;
    if (!this.flag('allow_all_routing') && ROUTING_HEADERS.has(name)) return false;
    // Pseudo-headers hold one value, so appending to them is never allowed.
    if (name.startsWith(':') && (op === 'append' || this.flag('disallow_system'))) return false;
    if (!this.flag('allow_envoy') && name.startsWith(ENVOY_PREFIX)) return false;
    return true;
  }

  private flag(name: string): boolean {
    const wrapper = this.rules[name];
    if (typeof wrapper === 'boolean') return wrapper;
    return typeof wrapper === 'object' && wrapper !== null && (wrapper as { value?: unknown }).value === true;
  }
}

/** RFC 9110 field-value: no NUL, CR or LF (what Envoy's headerValueIsValid rejects). */
export function headerValueIsValid(value: string): boolean {
  return !/[\0\r\n]/.test(value);
}

/** A header name token, optionally a ":" pseudo-header. */
export function headerNameIsValid(name: string): boolean {
  return /^:?[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name);
}

function isValidValue(name: string, value: string): boolean {
  if (!name.startsWith(':') && !headerValueIsValid(value)) return false;
  if ((name === 'host' || name === ':authority') && !/^[^\s/?#@]+$/.test(value)) return false;
  if (name === ':scheme' && value !== 'http' && value !== 'https') return false;
  if (name === ':status') return /^\d+$/.test(value) && Number(value) >= 200;
  return true;
}

const compiled = new WeakMap<object, RegExp>();

/** Envoy regexes (RE2) match the whole string; compiled once per config object. */
function regexOf(matcher: unknown): RegExp | undefined {
  if (typeof matcher !== 'object' || matcher === null) return undefined;
  const regex = (matcher as { regex?: unknown }).regex;
  if (typeof regex !== 'string') return undefined;
  let re = compiled.get(matcher);
  if (!re) {
    re = new RegExp(`^(?:${regex})$`);
    compiled.set(matcher, re);
  }
  return re;
}

/** envoy.type.matcher.v3.StringMatcher (exact, prefix, suffix, contains, safe_regex, ignore_case). */
export function stringMatches(matcher: ProtoObject, input: string): boolean {
  const ignoreCase = matcher.ignore_case === true;
  const norm = (s: string): string => (ignoreCase ? s.toLowerCase() : s);
  const text = norm(input);
  if (typeof matcher.exact === 'string') return text === norm(matcher.exact);
  if (typeof matcher.prefix === 'string') return text.startsWith(norm(matcher.prefix));
  if (typeof matcher.suffix === 'string') return text.endsWith(norm(matcher.suffix));
  if (typeof matcher.contains === 'string') return text.includes(norm(matcher.contains));
  const regex = regexOf(matcher.safe_regex);
  return regex ? regex.test(input) : false;
}

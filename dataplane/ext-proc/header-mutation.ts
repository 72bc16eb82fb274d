// Headers between our HeaderList and ext_proc messages: the HeaderMap Envoy sends (values in
// raw_value bytes only, as current Envoy does, filtered by forward_rules) and the HeaderMutation
// and BodyMutation a processor returns, applied the way Envoy's mutation_utils applies them.
import type { HeaderMap } from '../../gen/protos/envoy/config/core/v3/HeaderMap';
import type { BodyMutation__Output } from '../../gen/protos/envoy/service/ext_proc/v3/BodyMutation';
import type { HeaderMutation__Output } from '../../gen/protos/envoy/service/ext_proc/v3/HeaderMutation';
import type { ProtoObject } from '../../lib/protos';
import {
  type HeaderMutationChecker,
  headerNameIsValid,
  headerValueIsValid,
  stringMatches,
} from './mutation-rules';
import type { HeaderList } from './types';

/** A mutation Envoy refuses as a whole; the filter answers 500 with this message as details. */
export class MutationError extends Error {}

export interface ForwardRules {
  allowed: ProtoObject[];
  disallowed: ProtoObject[];
}

/** HeaderList -> HeaderMap. Header values travel as latin1 bytes, as Node's HTTP parser reads them. */
export function headersToProto(headers: HeaderList, rules: ForwardRules): HeaderMap {
  const forwarded = headers.filter(([name]) => canForward(name, rules));
  return { headers: forwarded.map(([key, value]) => ({ key, raw_value: Buffer.from(value, 'latin1') })) };
}

function canForward(name: string, rules: ForwardRules): boolean {
  if (rules.disallowed.some((m) => stringMatches(m, name))) return false;
  return rules.allowed.length === 0 || rules.allowed.some((m) => stringMatches(m, name));
}

export interface MutationOptions {
  checker: HeaderMutationChecker;
  /** CONTINUE_AND_REPLACE lets :method change (Envoy keeps this for compatibility). */
  replacingMessage: boolean;
  /** Streamed bodies: content-length cannot be kept right, so the processor may not set it. */
  skipContentLength: boolean;
}

/** Applies removals then sets to a copy of `headers`; throws MutationError where Envoy fails the request. */
export function applyHeaderMutation(
  headers: HeaderList,
  mutation: HeaderMutation__Output,
  options: MutationOptions,
): HeaderList {
  let out = headers.map(([n, v]): [string, string] => [n, v]);
  for (const raw of mutation.remove_headers ?? []) {
    if (!headerNameIsValid(raw)) throw new MutationError('Invalid character in remove_headers mutation.');
    const name = raw.toLowerCase();
    const result = options.checker.check('remove', name, '');
    if (result === 'fail') throw new MutationError(`Invalid attempt to remove ${name}`);
    if (result === 'ok') out = out.filter(([n]) => n !== name);
  }
  for (const option of mutation.set_headers ?? []) {
    const header = option.header;
    if (!header) continue;
    const key = header.key ?? '';
    if (options.skipContentLength && key.toLowerCase() === 'content-length') continue;
    const raw = header.raw_value ?? Buffer.alloc(0);
    if (header.value && raw.length > 0) {
      throw new MutationError('Only one of value or raw_value in the HeaderValue message should be set.');
    }
    // Current Envoy reads raw_value only; a processor that sets just `value` sets an empty header.
    const value = raw.toString('latin1');
    if (!headerNameIsValid(key) || !headerValueIsValid(value)) {
      throw new MutationError('Invalid character in set_headers mutation.');
    }
    const name = key.toLowerCase();
    // Envoy's ext_proc honours only the deprecated `append` (default false), not append_action
    // (envoyproxy/envoy#36982); we do the same so extproc behaves alike behind either.
    const append = option.append?.value === true;
    const exists = out.some(([n]) => n === name);
    let result = options.checker.check(append && exists ? 'append' : 'set', name, value);
    if (options.replacingMessage && name === ':method') result = 'ok';
    if (result === 'fail') throw new MutationError(`Invalid attempt to modify ${name}`);
    if (result === 'ignore') continue;
    out = append ? [...out, [name, value]] : setHeader(out, name, value);
  }
  return out;
}

/** Replaces the first entry of `name` in place and drops the others, or appends it. */
export function setHeader(headers: HeaderList, name: string, value: string): HeaderList {
  const at = headers.findIndex(([n]) => n === name);
  if (at < 0) return [...headers, [name, value]];
  const out = headers.filter(([n], i) => n !== name || i === at);
  out[out.findIndex(([n]) => n === name)] = [name, value];
  return out;
}

export function removeHeader(headers: HeaderList, name: string): HeaderList {
  return headers.filter(([n]) => n !== name);
}

export function getHeader(headers: HeaderList, name: string): string | undefined {
  return headers.find(([n]) => n === name)?.[1];
}

/** The body after a BodyMutation: replaced, cleared, or unchanged. */
export function applyBodyMutation(body: Buffer, mutation: BodyMutation__Output | undefined): Buffer {
  if (!mutation) return body;
  if (mutation.body !== undefined) return Buffer.from(mutation.body);
  if (mutation.clear_body === true) return Buffer.alloc(0);
  return body;
}

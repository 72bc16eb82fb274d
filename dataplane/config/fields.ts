// Reading decoded xDS objects safely. The data plane implements a subset of Envoy, so every
// message is checked against an allow-list of fields: a field we do not implement is a config
// error naming that field (the ADS client NACKs it), never silently ignored. Envoy does the
// same for unknown fields (https://www.envoyproxy.io/docs/envoy/latest/api/api_supported_versions).
import fs from 'node:fs';
import type { ProtoObject } from '../../lib/protos';
import { parseExtProcConfig } from '../ext-proc/config';

/** Envoy's per_connection_buffer_limit_bytes when unset (listeners and clusters). */
export const DEFAULT_BUFFER_LIMIT_BYTES = 1024 * 1024;

/** A resource we cannot apply; the message names the offending field path. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function isObject(value: unknown): value is ProtoObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asObject(value: unknown, where: string): ProtoObject {
  if (!isObject(value)) throw new ConfigError(`${where}: expected a message`);
  return value;
}

/** Throws for any field set on `msg` outside `allowed` ("@type" of an Any is always allowed). */
export function allowFields(msg: ProtoObject, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(msg)) {
    if (key === '@type' || allowed.includes(key)) continue;
    throw new ConfigError(`${where}.${key}: not supported by the Tollgate data plane`);
  }
}

export function optString(msg: ProtoObject, field: string, where: string): string | undefined {
  const v = msg[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new ConfigError(`${where}.${field}: expected a string`);
  return v;
}

export function reqString(msg: ProtoObject, field: string, where: string): string {
  const v = optString(msg, field, where);
  if (v === undefined || v === '') throw new ConfigError(`${where}.${field}: required`);
  return v;
}

export function optNumber(msg: ProtoObject, field: string, where: string): number | undefined {
  const v = msg[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new ConfigError(`${where}.${field}: expected a number`);
  return v;
}

export function optBool(msg: ProtoObject, field: string, where: string): boolean | undefined {
  const v = msg[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new ConfigError(`${where}.${field}: expected a bool`);
  return v;
}

export function list(msg: ProtoObject, field: string, where: string): unknown[] {
  const v = msg[field];
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new ConfigError(`${where}.${field}: expected a list`);
  return v;
}

export function optObject(msg: ProtoObject, field: string, where: string): ProtoObject | undefined {
  const v = msg[field];
  return v === undefined ? undefined : asObject(v, `${where}.${field}`);
}

/** google.protobuf.UInt32Value and friends: `{ value }` (a zero value decodes as `{}`). */
export function wrappedNumber(msg: ProtoObject, field: string, where: string): number | undefined {
  const w = optObject(msg, field, where);
  if (!w) return undefined;
  allowFields(w, ['value'], `${where}.${field}`);
  if (w.value === undefined) return 0;
  if (typeof w.value !== 'number') throw new ConfigError(`${where}.${field}: expected a number`);
  return w.value;
}

/** google.protobuf.Duration `{ seconds, nanos }` in milliseconds. */
export function durationMs(msg: ProtoObject, field: string, where: string): number | undefined {
  const d = optObject(msg, field, where);
  if (!d) return undefined;
  allowFields(d, ['seconds', 'nanos'], `${where}.${field}`);
  const seconds = optNumber(d, 'seconds', `${where}.${field}`) ?? 0;
  const nanos = optNumber(d, 'nanos', `${where}.${field}`) ?? 0;
  if (seconds < 0 || nanos < 0) throw new ConfigError(`${where}.${field}: negative duration`);
  return seconds * 1000 + Math.floor(nanos / 1e6);
}

/**
 * google.protobuf.Struct to a plain value. protobufjs' built-in struct.proto uses camelCase
 * (stringValue), while keepCase objects written by hand may use snake_case: accept both.
 */
export function structToPlain(struct: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isObject(struct) || !isObject(struct.fields)) return out;
  for (const [k, v] of Object.entries(struct.fields)) out[k] = valueToPlain(v);
  return out;
}

function valueToPlain(value: unknown): unknown {
  if (!isObject(value)) return null;
  const pick = (camel: string, snake: string): unknown => value[camel] ?? value[snake];
  const str = pick('stringValue', 'string_value');
  if (str !== undefined) return str;
  const num = pick('numberValue', 'number_value');
  if (num !== undefined) return num;
  const bool = pick('boolValue', 'bool_value');
  if (bool !== undefined) return bool;
  const st = pick('structValue', 'struct_value');
  if (st !== undefined) return structToPlain(st);
  const lv = pick('listValue', 'list_value');
  if (isObject(lv) && Array.isArray(lv.values)) return lv.values.map(valueToPlain);
  return null;
}

/** envoy.config.core.v3.DataSource: inline_string, inline_bytes (base64) or filename. */
export function dataSource(msg: ProtoObject, field: string, where: string): string {
  const src = optObject(msg, field, where);
  const at = `${where}.${field}`;
  if (!src) throw new ConfigError(`${at}: required`);
  allowFields(src, ['inline_string', 'inline_bytes', 'filename'], at);
  if (typeof src.inline_string === 'string') return src.inline_string;
  if (typeof src.inline_bytes === 'string') return Buffer.from(src.inline_bytes, 'base64').toString('utf8');
  if (typeof src.filename === 'string') {
    try {
      return fs.readFileSync(src.filename, 'utf8');
    } catch (err) {
      throw new ConfigError(`${at}.filename: cannot read (${(err as Error).message})`);
    }
  }
  throw new ConfigError(`${at}: empty data source`);
}

/** Envoy regexes are RE2 and must match the whole input; JS RegExp covers the RE2 subset we render. */
export function fullRegex(msg: ProtoObject, field: string, where: string): RegExp {
  const m = asObject(msg[field], `${where}.${field}`);
  allowFields(m, ['regex', 'google_re2'], `${where}.${field}`);
  const source = reqString(m, 'regex', `${where}.${field}`);
  try {
    return new RegExp(`^(?:${source})$`);
  } catch (err) {
    throw new ConfigError(`${where}.${field}.regex: invalid (${(err as Error).message})`);
  }
}

/** The ConfigSource of RDS/EDS/SDS: only ADS is implemented. */
export function checkAdsSource(msg: ProtoObject, field: string, where: string): void {
  const src = asObject(msg[field], `${where}.${field}`);
  allowFields(src, ['ads', 'resource_api_version', 'initial_fetch_timeout'], `${where}.${field}`);
  if (!isObject(src.ads)) throw new ConfigError(`${where}.${field}: only ads config sources are supported`);
}

/** An ext_proc ExternalProcessor config, checked by the ext_proc filter's own parser (NACK, not 500s later). */
export function extProcConfig(value: unknown, where: string): ProtoObject {
  const config = asObject(value, where);
  try {
    parseExtProcConfig(config);
  } catch (err) {
    throw new ConfigError(`${where}: ${(err as Error).message}`);
  }
  return config;
}

// Our xDS objects (protobufjs object form: Duration as { seconds, nanos }, wrappers as
// { value }) are not what Envoy parses from a JSON/YAML file: a bootstrap file is read with the
// proto3 JSON mapping, where Duration is "1.5s", wrappers are bare values and Struct is plain
// JSON. This converts one into the other, guided by the message's own reflection, for files an
// operator hands to Envoy (`tollgate bootstrap`, `tollgate run --envoy`).
import type protobuf from 'protobufjs';
import { xdsRoot, type ProtoObject } from './protos';

const WRAPPERS = new Set(
  ['Double', 'Float', 'Int64', 'UInt64', 'Int32', 'UInt32', 'Bool', 'String', 'Bytes'].map(
    (w) => `.google.protobuf.${w}Value`,
  ),
);

/** Converts an object of message type `typeName` (e.g. envoy.config.bootstrap.v3.Bootstrap). */
export function toProto3Json(typeName: string, object: ProtoObject): ProtoObject {
  return convertMessage(xdsRoot().lookupType(typeName), object) as ProtoObject;
}

function convertMessage(type: protobuf.Type, value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const name = type.fullName;
  const obj = value as Record<string, unknown>;
  if (name === '.google.protobuf.Duration') return durationString(obj);
  if (WRAPPERS.has(name)) return obj.value;
  if (name === '.google.protobuf.Struct') return structToJson(obj);
  if (name === '.google.protobuf.Any') {
    const url = String(obj['@type'] ?? '');
    const inner = xdsRoot().lookupType(url.slice(url.lastIndexOf('/') + 1));
    const { '@type': _type, ...fields } = obj;
    const converted = convertMessage(inner, fields);
    // Well-known types inside Any are wrapped as { "@type", "value" } in proto3 JSON.
    return converted !== null && typeof converted === 'object' && !Array.isArray(converted)
      ? { '@type': url, ...(converted as object) }
      : { '@type': url, value: converted };
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(obj)) {
    const field = type.fields[key];
    const resolved = field?.resolve().resolvedType;
    if (!field || !resolved || !('fields' in resolved)) {
      out[key] = v;
    } else if (field.map) {
      out[key] = Object.fromEntries(
        Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, convertMessage(resolved, x)]),
      );
    } else if (field.repeated && Array.isArray(v)) {
      out[key] = v.map((x) => convertMessage(resolved, x));
    } else {
      out[key] = convertMessage(resolved, v);
    }
  }
  return out;
}

function durationString(d: Record<string, unknown>): string {
  const seconds = Number(d.seconds ?? 0) + Number(d.nanos ?? 0) / 1e9;
  return `${Number(seconds.toFixed(9))}s`;
}

function structToJson(struct: Record<string, unknown>): Record<string, unknown> {
  const fields = (struct.fields ?? {}) as Record<string, Record<string, unknown>>;
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, valueToJson(v)]));
}

function valueToJson(v: Record<string, unknown>): unknown {
  if ('stringValue' in v) return v.stringValue;
  if ('numberValue' in v) return v.numberValue;
  if ('boolValue' in v) return v.boolValue;
  if ('structValue' in v) return structToJson(v.structValue as Record<string, unknown>);
  if ('listValue' in v) {
    const values = ((v.listValue as { values?: Record<string, unknown>[] }).values ?? []).map(valueToJson);
    return values;
  }
  return null;
}

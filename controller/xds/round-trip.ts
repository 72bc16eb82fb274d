// The encode/decode round trip of the fidelity test. protobufjs drops what it does not know
// (a misspelt field, a wrong oneof shape, an Any of an unloaded type) without a word, so a
// rendered object that does not survive encode -> decode unchanged would reach Envoy different
// from what we wrote. Only representation is normalised: values proto3 does not put on the wire
// (defaults, empty lists and maps), enum numbers vs names, 64-bit integers as strings.
import protobuf from 'protobufjs';
import { decodeMessage, encodeMessage, xdsRoot, type ProtoObject } from '../../lib/protos';

export interface RoundTrip {
  /** The rendered object, normalised. */
  expected: unknown;
  /** What came back from the wire, normalised the same way. */
  actual: unknown;
}

export function roundTrip(typeUrl: string, object: ProtoObject): RoundTrip {
  const type = xdsRoot().lookupType(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
  const decoded = decodeMessage(typeUrl, encodeMessage(typeUrl, object));
  return { expected: normalise(type, object), actual: normalise(type, decoded) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function normalise(type: protobuf.Type, value: unknown): unknown {
  if (!isObject(value)) return value;
  if (type.fullName === '.google.protobuf.Any' && typeof value['@type'] === 'string') {
    const url = value['@type'];
    const inner = xdsRoot().lookup(url.slice(url.lastIndexOf('/') + 1));
    if (!(inner instanceof protobuf.Type)) return value;
    const { '@type': _url, ...fields } = value;
    return { '@type': url, ...(normalise(inner, fields) as Record<string, unknown>) };
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const field = type.fields[key];
    if (!field) {
      out[key] = v; // unknown: kept, so that its loss on the wire shows as a difference
      continue;
    }
    field.resolve();
    const item = (x: unknown) => normaliseValue(field, x);
    if (field.map && isObject(v)) {
      if (Object.keys(v).length > 0)
        out[key] = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, item(x)]));
    } else if (field.repeated && Array.isArray(v)) {
      if (v.length > 0) out[key] = v.map(item);
    } else {
      const n = item(v);
      // Proto3 does not encode a default scalar unless the field tracks presence (oneof, optional).
      if (field.partOf || !isDefaultScalar(field, n)) out[key] = n;
    }
  }
  return out;
}

function normaliseValue(field: protobuf.Field, value: unknown): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return normalise(resolved, value);
  if (resolved instanceof protobuf.Enum)
    return typeof value === 'number' ? (resolved.valuesById[value] ?? value) : value;
  if (/^(u?int64|s?fixed64|sint64)$/.test(field.type) && typeof value === 'string' && /^-?\d+$/.test(value)) {
    return Number(value);
  }
  return value;
}

function isDefaultScalar(field: protobuf.Field, value: unknown): boolean {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return false;
  if (resolved instanceof protobuf.Enum) return value === resolved.valuesById[0] || value === 0;
  return value === '' || value === 0 || value === false || value === undefined || value === null;
}

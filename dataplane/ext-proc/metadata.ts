// ProcessingRequest.metadata_context as Envoy fills it: the stream's dynamic metadata of each
// namespace listed in metadata_options.forwarding_namespaces.untyped, as a
// google.protobuf.Struct under filter_metadata; namespaces nothing wrote are left out.
// https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/ext_proc/v3/ext_proc.proto
import type { Metadata } from '../../gen/protos/envoy/config/core/v3/Metadata';
import type { Struct } from '../../gen/protos/google/protobuf/Struct';
import type { Value } from '../../gen/protos/google/protobuf/Value';

export function forwardedMetadata(
  namespaces: readonly string[],
  dynamicMetadata: Record<string, Record<string, unknown>> | undefined,
): Metadata {
  const filterMetadata: Record<string, Struct> = {};
  for (const ns of namespaces) {
    const entry = dynamicMetadata?.[ns];
    if (entry) filterMetadata[ns] = toStruct(entry);
  }
  return Object.keys(filterMetadata).length > 0 ? { filter_metadata: filterMetadata } : {};
}

/** A JSON-like object as a Struct (protobufjs' camelCase Value fields). */
export function toStruct(object: Record<string, unknown>): Struct {
  const fields: Record<string, Value> = {};
  for (const [key, value] of Object.entries(object)) if (value !== undefined) fields[key] = toValue(value);
  return { fields };
}

function toValue(value: unknown): Value {
  if (value === null || value === undefined) return { nullValue: 'NULL_VALUE' };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (Array.isArray(value)) return { listValue: { values: value.map(toValue) } };
  if (typeof value === 'object') return { structValue: toStruct(value as Record<string, unknown>) };
  return { stringValue: String(value) };
}

// ProcessingRequest.attributes as Envoy fills it: one Struct under the filter's name, keyed by
// attribute name. Envoy converts CEL results to Values as bool -> bool_value, integers ->
// number_value and everything else -> string_value (its printed form); attributes it cannot
// evaluate are left out. Objects are printed as JSON here: Envoy prints messages in protobuf
// text format, and extproc/upstream-host.ts reads both.
import type { Struct } from '../../gen/protos/google/protobuf/Struct';
import type { Value } from '../../gen/protos/google/protobuf/Value';
import { FILTER } from '../../lib/headers';

export function attributesStruct(
  names: readonly string[],
  values: Record<string, unknown>,
): Record<string, Struct> {
  const fields: Record<string, Value> = {};
  for (const name of names) {
    const value = toValue(values[name]);
    if (value) fields[name] = value;
  }
  return { [FILTER.extProc]: { fields } };
}

function toValue(value: unknown): Value | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number' && Number.isInteger(value)) return { numberValue: value };
  if (typeof value === 'bigint') return { numberValue: Number(value) };
  if (typeof value === 'string') return { stringValue: value };
  if (Buffer.isBuffer(value)) return { stringValue: value.toString('latin1') };
  if (typeof value === 'object') return { stringValue: JSON.stringify(value) };
  return { stringValue: String(value) };
}

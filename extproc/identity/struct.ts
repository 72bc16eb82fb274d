// google.protobuf.Struct / Value -> plain JSON values, for what Envoy hands the router level in
// dynamic metadata (jwt_authn's payload and failure status). protobufjs defines
// google.protobuf.Value itself and names its fields in camelCase even when the rest of the
// protos keep Envoy's snake_case (docs/architecture.md), and other senders may use either, so
// both spellings are read, as extproc/upstream-host.ts does.

type ValueLike = Record<string, unknown>;

function pick(value: ValueLike, camel: string, snake: string): unknown {
  return value[camel] ?? value[snake];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/** A Struct ({ fields: { k: Value } }) as a plain object; undefined when it is not one. */
export function structToObject(struct: unknown): Record<string, unknown> | undefined {
  if (!isObject(struct)) return undefined;
  const fields = struct.fields;
  if (fields === undefined) return {};
  if (!isObject(fields)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) out[key] = valueToJs(value);
  return out;
}

/** One Value as JSON; an unset or unknown value becomes null. */
export function valueToJs(value: unknown): unknown {
  if (!isObject(value)) return null;
  const struct = pick(value, 'structValue', 'struct_value');
  if (struct !== undefined && struct !== null) return structToObject(struct) ?? null;
  const list = pick(value, 'listValue', 'list_value');
  if (isObject(list)) return Array.isArray(list.values) ? list.values.map(valueToJs) : [];
  const str = pick(value, 'stringValue', 'string_value');
  if (typeof str === 'string') return str;
  const num = pick(value, 'numberValue', 'number_value');
  if (typeof num === 'number') return num;
  if (typeof num === 'string' && num.trim() !== '' && Number.isFinite(Number(num))) return Number(num);
  const bool = pick(value, 'boolValue', 'bool_value');
  if (typeof bool === 'boolean') return bool;
  return null;
}

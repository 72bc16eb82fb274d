// A small validator for the structural OpenAPI subset our CRDs use, so tests can check that an
// object the zod schema accepts is also accepted by the generated CRD (what the API server will
// enforce), and that both reject the same mistakes. Not a full OpenAPI implementation: CEL rules
// and formats are not evaluated.
import type { OpenApiSchema } from './openapi';

/** Returns "path: problem" messages; [] when `value` satisfies `schema`. */
export function validateAgainst(schema: OpenApiSchema, value: unknown, path = ''): string[] {
  const at = path || '(root)';
  if (value === null) return schema.nullable === true ? [] : [`${at}: must not be null`];
  const problems: string[] = [];
  const type = schema.type;
  if (type !== undefined && !hasType(value, type as string)) return [`${at}: expected ${String(type)}`];
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    problems.push(`${at}: must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`);
  if (typeof value === 'string') {
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value))
      problems.push(`${at}: must match ${schema.pattern}`);
    if (typeof schema.minLength === 'number' && [...value].length < schema.minLength)
      problems.push(`${at}: shorter than ${schema.minLength}`);
    if (typeof schema.maxLength === 'number' && [...value].length > schema.maxLength)
      problems.push(`${at}: longer than ${schema.maxLength}`);
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum)
      problems.push(`${at}: below ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum)
      problems.push(`${at}: above ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems)
      problems.push(`${at}: fewer than ${schema.minItems} items`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems)
      problems.push(`${at}: more than ${schema.maxItems} items`);
    const items = schema.items as OpenApiSchema | undefined;
    if (items) value.forEach((item, i) => problems.push(...validateAgainst(items, item, `${path}[${i}]`)));
  } else if (typeof value === 'object') {
    problems.push(...validateObject(schema, value as Record<string, unknown>, path));
  }
  return problems;
}

function validateObject(schema: OpenApiSchema, value: Record<string, unknown>, path: string): string[] {
  const problems: string[] = [];
  const join = (key: string) => (path ? `${path}.${key}` : key);
  for (const name of (schema.required as string[] | undefined) ?? [])
    if (value[name] === undefined) problems.push(`${join(name)}: required`);
  const properties = schema.properties as Record<string, OpenApiSchema> | undefined;
  const additional = schema.additionalProperties as OpenApiSchema | undefined;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  for (const [key, child] of Object.entries(value)) {
    const childSchema = properties?.[key] ?? additional;
    if (childSchema) problems.push(...validateAgainst(childSchema, child, join(key)));
    // the API server prunes (or, with kubectl's strict field validation, rejects) unknown fields;
    // {type: object} alone (metadata) is the API server's own business
    else if (!preserve && properties !== undefined) problems.push(`${join(key)}: unknown field`);
  }
  return problems;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return false;
  }
}

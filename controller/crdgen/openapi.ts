// Turns a zod schema into a structural OpenAPI v3 schema that a Kubernetes API server accepts
// in a CRD: z.toJSONSchema does the walking, then every node is rewritten to the subset
// apiextensions.k8s.io/v1 allows (no $ref, records as `additionalProperties` alone, passthrough
// objects as x-kubernetes-preserve-unknown-fields), and zod refinements are replaced by the CEL
// rules registered for them, because an unchecked refine would let the API server store objects
// the controller later rejects.
import { z } from 'zod';
import type { CelRule } from './cel';

export type OpenApiSchema = { [key: string]: unknown };

/**
 * JSONSchemaProps fields we emit, in the order they are written (so the YAML reads type,
 * description, constraints, then children); anything else from z.toJSONSchema is a bug to surface.
 */
const KEY_ORDER = [
  'type',
  'format',
  'description',
  'nullable',
  'enum',
  'default',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'exclusiveMinimum',
  'maximum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-validations',
];
const ALLOWED_KEYS = new Set(KEY_ORDER);

/** Formats the API server validates (k8s.io/kube-openapi strfmt); zod-only ones are dropped. */
const KUBERNETES_FORMATS = new Set(['uri', 'email', 'hostname', 'ipv4', 'ipv6', 'uuid', 'date', 'date-time']);

/**
 * Converts `schema` (zod) to a structural schema; throws naming the path of the first problem.
 * Every zod schema found in `celRules` gets those rules and is added to `applied`; the refines of
 * schemas in `controllerOnly` are accepted without one (CEL cannot express them).
 */
export function toStructuralSchema(
  schema: z.ZodType,
  celRules: ReadonlyMap<z.ZodType, CelRule[]>,
  applied: Set<z.ZodType> = new Set(),
  controllerOnly: ReadonlyMap<z.ZodType, string> = new Map(),
): OpenApiSchema {
  // .describe() clones a schema but shares its checks, so coverage is decided per check object.
  const coveredChecks = new Set([...celRules.keys(), ...controllerOnly.keys()].flatMap(customChecks));
  const json = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'input', // fields with defaults are optional for the user
    unrepresentable: 'throw',
    cycles: 'throw',
    reused: 'inline',
    override(ctx) {
      const zodSchema = ctx.zodSchema as unknown as z.ZodType;
      const rules = celRules.get(zodSchema);
      if (rules) {
        ctx.jsonSchema['x-kubernetes-validations'] = rules.map((r) => ({ ...r }));
        applied.add(zodSchema);
      } else if (customChecks(zodSchema).some((c) => !coveredChecks.has(c))) {
        throw new Error(`a zod refine at ${formatPath(ctx.path)} has no CEL rule (controller/crdgen/cel.ts)`);
      }
    },
  }) as OpenApiSchema;
  return rewriteNode(json, '');
}

/** The refine()/superRefine() checks of a schema (zod keeps them in _zod.def.checks). */
function customChecks(schema: z.ZodType): unknown[] {
  const checks = (schema._zod.def as { checks?: Array<{ _zod: { def: { check: string } } }> }).checks ?? [];
  return checks.filter((c) => c._zod.def.check === 'custom');
}

function rewriteNode(node: OpenApiSchema, path: string): OpenApiSchema {
  for (const key of ['$ref', 'allOf', 'anyOf', 'oneOf', 'not', '$defs', 'definitions'])
    if (key in node)
      throw new Error(`${path || '(root)'}: '${key}' cannot be expressed in a structural schema`);
  const out: OpenApiSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (!ALLOWED_KEYS.has(key))
      throw new Error(`${path || '(root)'}: unsupported JSON schema keyword '${key}'`);
    out[key] = value;
  }
  if (typeof out.format === 'string' && !KUBERNETES_FORMATS.has(out.format)) delete out.format;
  if (out.type === 'integer') dropSafeIntegerBounds(out);
  if (out.properties !== undefined) {
    const props: Record<string, OpenApiSchema> = {};
    for (const [name, child] of Object.entries(out.properties as Record<string, OpenApiSchema>))
      props[name] = rewriteNode(child, path ? `${path}.${name}` : name);
    out.properties = props;
    // passthrough(): keep unknown fields instead of pairing additionalProperties with properties
    const extra = out.additionalProperties;
    delete out.additionalProperties;
    if (extra !== undefined && extra !== false) out['x-kubernetes-preserve-unknown-fields'] = true;
  } else if (isSchema(out.additionalProperties)) {
    out.additionalProperties = rewriteNode(out.additionalProperties, `${path}{*}`);
  }
  if (isSchema(out.items)) out.items = rewriteNode(out.items, `${path}[*]`);
  if (Array.isArray(out.required) && out.required.length === 0) delete out.required;
  return Object.fromEntries(KEY_ORDER.filter((k) => out[k] !== undefined).map((k) => [k, out[k]]));
}

/** z.number().int() adds ±MAX_SAFE_INTEGER bounds; they are noise in `kubectl explain`. */
function dropSafeIntegerBounds(node: OpenApiSchema): void {
  if (node.minimum === Number.MIN_SAFE_INTEGER) delete node.minimum;
  if (node.maximum === Number.MAX_SAFE_INTEGER) delete node.maximum;
}

function isSchema(value: unknown): value is OpenApiSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function formatPath(path: readonly (string | number)[]): string {
  return path.length === 0 ? '(root)' : path.join('.');
}

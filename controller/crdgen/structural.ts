// Checks the rules an API server applies to a CRD's openAPIV3Schema (apiextensions.k8s.io/v1
// "structural schema"), so a broken schema fails our tests instead of `kubectl apply`.
// See https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#specifying-a-structural-schema
import type { OpenApiSchema } from './openapi';

const FORBIDDEN = ['$ref', 'allOf', 'anyOf', 'oneOf', 'not', '$defs', 'definitions', 'id', '$schema'];

/** Returns every violation found, each naming the path of the offending node; [] when valid. */
export function structuralProblems(root: OpenApiSchema): string[] {
  const problems: string[] = [];
  if (root.type !== 'object') problems.push('(root): type must be object');
  const props = root.properties as Record<string, OpenApiSchema> | undefined;
  const metadata = props?.metadata;
  if (metadata && JSON.stringify(metadata) !== JSON.stringify({ type: 'object' }))
    problems.push('metadata: must be exactly {type: object}; the API server owns its schema');
  visit(root, '', problems, true);
  return problems;
}

function visit(node: OpenApiSchema, path: string, problems: string[], needsDescription: boolean): void {
  const at = path || '(root)';
  for (const key of FORBIDDEN) if (key in node) problems.push(`${at}: '${key}' is not allowed`);
  const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;
  if (typeof node.type !== 'string' || node.type === '')
    if (!preserve && node['x-kubernetes-int-or-string'] !== true) problems.push(`${at}: type is missing`);
  if (needsDescription && path !== 'metadata' && !isNonEmptyString(node.description))
    problems.push(`${at}: description is missing`);
  if (node.properties !== undefined && node.additionalProperties !== undefined)
    problems.push(`${at}: properties and additionalProperties are mutually exclusive`);
  if (node.additionalProperties === false) problems.push(`${at}: additionalProperties: false is not allowed`);
  if (node.type === 'array' && typeof node.items !== 'object') problems.push(`${at}: array without items`);
  if (node.type !== 'object' && (node.properties !== undefined || node.additionalProperties !== undefined))
    problems.push(`${at}: properties on a non-object node`);
  if (Array.isArray(node.required)) {
    for (const name of node.required as unknown[])
      if (typeof name !== 'string' || !hasProperty(node, name))
        problems.push(`${at}: required field '${String(name)}' is not a property`);
  }
  if (node.default !== undefined && path.startsWith('metadata'))
    problems.push(`${at}: defaults are not allowed in metadata`);
  for (const [name, child] of Object.entries((node.properties ?? {}) as Record<string, OpenApiSchema>))
    visit(child, path ? `${path}.${name}` : name, problems, true);
  if (isSchema(node.additionalProperties)) visit(node.additionalProperties, `${path}{*}`, problems, false);
  if (isSchema(node.items)) visit(node.items, `${path}[*]`, problems, false);
}

function hasProperty(node: OpenApiSchema, name: string): boolean {
  return isSchema(node.properties) && Object.hasOwn(node.properties, name);
}

function isSchema(value: unknown): value is OpenApiSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): boolean {
  return typeof value === 'string' && value.trim() !== '';
}

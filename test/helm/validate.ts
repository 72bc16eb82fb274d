// Validates a rendered or hand-written Kubernetes object the way the API server would:
// built-in kinds against the OpenAPI schemas shipped in `kubernetes-models`, Tollgate's kinds
// against the CRD schemas in crds/ (compiled with ajv, unknown fields refused as
// `kubectl --validate=strict` does), Gateway API kinds with the controller's own zod schemas
// (the Gateway API CRDs are not ours to ship), and a ServiceMonitor by its required shape.
// Returns a list of problems; empty means valid.
import fs from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import YAML from 'yaml';
import { KINDS, type KindInfo } from '../../controller/api';
import { repoRoot } from '../golden';

type Obj = Record<string, unknown>;

type ModelClass = new (data: unknown) => { validate(): void };

/**
 * The kubernetes-models class for a built-in kind. Only that group/version module is loaded
 * (the package index loads every schema, seconds per test file).
 */
function builtinModel(apiVersion: string, kind: string): ModelClass | undefined {
  const module = apiVersion.includes('/') ? apiVersion : `v1`;
  if (!/^[a-z0-9.]*\/?v[0-9a-z]+$/.test(module)) return undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- one module per group/version
    const exports = require(`kubernetes-models/${module}`) as Record<string, unknown>;
    return exports[kind] as ModelClass | undefined;
  } catch {
    return undefined;
  }
}

/**
 * A CRD's OpenAPI v3.0 schema as JSON Schema draft-07 for ajv: boolean exclusiveMinimum/Maximum
 * become numbers, and unknown fields are refused where the schema lists properties and does not
 * preserve unknowns (as `kubectl --validate=strict` does).
 */
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Obj = {};
  for (const [k, v] of Object.entries(schema as Obj)) out[k] = strict(v);
  for (const [exclusive, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof out[exclusive] !== 'boolean') continue;
    if (out[exclusive] === true) out[exclusive] = out[bound];
    else delete out[exclusive];
    if (out[exclusive] !== undefined) delete out[bound];
  }
  if (
    out.properties &&
    out.additionalProperties === undefined &&
    !out['x-kubernetes-preserve-unknown-fields']
  )
    out.additionalProperties = false;
  return out;
}

let crdValidators: Map<string, ValidateFunction> | undefined;

/** "group/version/Kind" -> validator, for every CRD in crds/. */
function crds(): Map<string, ValidateFunction> {
  if (crdValidators) return crdValidators;
  const ajv = new Ajv({ allErrors: true, strict: false, logger: false, validateFormats: false });
  crdValidators = new Map();
  const dir = path.join(repoRoot(), 'crds');
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    const crd = YAML.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as {
      spec: {
        group: string;
        names: { kind: string };
        versions: { name: string; schema: { openAPIV3Schema: Obj } }[];
      };
    };
    for (const v of crd.spec.versions) {
      const schema = strict(v.schema.openAPIV3Schema) as Obj;
      // metadata is validated by the API server itself, not by the CRD schema.
      const props = schema.properties as Obj;
      props.metadata = { type: 'object' };
      crdValidators.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, ajv.compile(schema));
    }
  }
  return crdValidators;
}

function metadataProblems(obj: Obj): string[] {
  const meta = obj.metadata as Obj | undefined;
  const name = meta?.name;
  if (typeof name !== 'string' || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) || name.length > 253)
    return [`metadata.name ${JSON.stringify(name)} is not a valid name`];
  return [];
}

function serviceMonitorProblems(obj: Obj): string[] {
  const spec = obj.spec as Obj | undefined;
  const endpoints = spec?.endpoints;
  const problems: string[] = [];
  if (!spec?.selector || typeof spec.selector !== 'object') problems.push('spec.selector is required');
  if (!Array.isArray(endpoints) || endpoints.length === 0) problems.push('spec.endpoints must not be empty');
  else
    for (const e of endpoints as Obj[])
      if (typeof e.port !== 'string' && typeof e.targetPort === 'undefined')
        problems.push('each endpoint needs port (a Service port name)');
  return problems;
}

/** Problems with one object, each prefixed with "Kind/name". */
export function validateObject(obj: Obj): string[] {
  const apiVersion = String(obj.apiVersion ?? '');
  const kind = String(obj.kind ?? '');
  const id = `${kind || '?'}/${String((obj.metadata as Obj | undefined)?.name ?? '?')}`;
  const problems = metadataProblems(obj);
  const group = apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
  const crd = crds().get(`${apiVersion}/${kind}`);
  const gatewayKind = (KINDS as Record<string, KindInfo | undefined>)[kind];
  const controllerKnows =
    gatewayKind !== undefined && apiVersion === `${gatewayKind.group}/${gatewayKind.version}`;
  if (crd && !crd(obj))
    problems.push(
      ...(crd.errors ?? []).map(
        (e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
      ),
    );
  if ((crd || group === 'gateway.networking.k8s.io') && controllerKnows) {
    // What the controller itself accepts at runtime (zod: CEL-like rules, cross-field checks).
    const r = gatewayKind.schema.safeParse(obj);
    if (!r.success) problems.push(r.error.message);
  }
  if (crd || group === 'gateway.networking.k8s.io') {
    if (!crd && !controllerKnows) problems.push(`no schema known for ${apiVersion} ${kind}`);
  } else if (apiVersion === 'monitoring.coreos.com/v1' && kind === 'ServiceMonitor') {
    problems.push(...serviceMonitorProblems(obj));
  } else {
    const Model = builtinModel(apiVersion, kind);
    if (!Model) problems.push(`no schema known for ${apiVersion} ${kind}`);
    else
      try {
        new Model(obj).validate();
      } catch (err) {
        problems.push(err instanceof Error ? err.message : String(err));
      }
  }
  return problems.map((p) => `${id}: ${p}`);
}

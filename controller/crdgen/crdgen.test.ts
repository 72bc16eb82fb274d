// Tests for the CRD generator: crds/ is up to date, every schema is structural and described,
// refinements become CEL, and the zod schemas behind them accept and reject what they should.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import YAML from 'yaml';
import { z } from 'zod';
import { BACKEND_SCHEMAS, CRD_KINDS } from '../api';
import { loadResources } from '../provider/files';
import { readManifestFiles } from '../provider/files-load';
import { addObject, emptyResources } from '../provider/resources';
import { repoRoot } from '../../test/golden';
import { generateCrds, openApiV3SchemaFor } from './generate';
import { validateAgainst } from './openapi-validate';
import { structuralProblems } from './structural';
import type { OpenApiSchema } from './openapi';

type Crd = {
  metadata: { name: string };
  spec: {
    names: { kind: string; plural: string; listKind: string; shortNames: string[] };
    scope: string;
    versions: Array<{
      name: string;
      subresources?: { status?: object };
      additionalPrinterColumns: Array<{ name: string; jsonPath: string }>;
      schema: { openAPIV3Schema: OpenApiSchema };
    }>;
  };
};

const crds = generateCrds();
const byKind = new Map(crds.map((c) => [(c.object as Crd).spec.names.kind, c.object as Crd]));

function versionOf(kind: string): Crd['spec']['versions'][number] {
  const version = byKind.get(kind)?.spec.versions[0];
  assert.ok(version, `no CRD for ${kind}`);
  return version;
}

function node(root: OpenApiSchema, dotted: string): OpenApiSchema {
  let current = root;
  for (const part of dotted.split('.')) {
    const next = (current.properties as Record<string, OpenApiSchema> | undefined)?.[part];
    assert.ok(next, `no property ${part} in ${dotted}`);
    current = next;
  }
  return current;
}

void describe('crds/', () => {
  void test('committed files equal freshly generated output', () => {
    const dir = path.join(repoRoot(), 'crds');
    for (const crd of crds) {
      const file = path.join(dir, crd.fileName);
      const committed = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
      assert.ok(committed === crd.yaml, `${file} is out of date with controller/api; run \`make gen\``);
    }
    const expected = new Set(crds.map((c) => c.fileName));
    const orphans = fs.readdirSync(dir).filter((f) => f.startsWith('tollgate.dev_') && !expected.has(f));
    assert.deepEqual(orphans, [], 'crds/ holds CRDs no kind generates; delete them');
  });

  void test('the YAML text parses back to the object', () => {
    for (const crd of crds) assert.deepEqual(YAML.parse(crd.yaml), JSON.parse(JSON.stringify(crd.object)));
  });
});

void describe('generateCrds', () => {
  void test('one namespaced v1alpha1 CRD per kind with names, short names and status subresource', () => {
    assert.deepEqual([...byKind.keys()], [...CRD_KINDS]);
    const route = byKind.get('AIRoute');
    assert.equal(route?.metadata.name, 'airoutes.tollgate.dev');
    assert.equal(route?.spec.scope, 'Namespaced');
    assert.deepEqual(route?.spec.names.shortNames, ['air']);
    assert.equal(route?.spec.names.listKind, 'AIRouteList');
    assert.deepEqual(byKind.get('AIBackend')?.spec.names.shortNames, ['aib']);
    for (const kind of CRD_KINDS) {
      assert.equal(versionOf(kind).name, 'v1alpha1');
      assert.deepEqual(versionOf(kind).subresources, { status: {} });
    }
  });

  void test('every schema node is structural and every field is described', () => {
    for (const kind of CRD_KINDS)
      assert.deepEqual(structuralProblems(versionOf(kind).schema.openAPIV3Schema), [], kind);
  });

  void test('printer columns', () => {
    const columns = (kind: string) => versionOf(kind).additionalPrinterColumns.map((c) => c.name);
    assert.deepEqual(columns('AIRoute'), ['Accepted', 'Age']);
    assert.deepEqual(columns('AIBackend'), ['Schema', 'Accepted', 'Age']);
    assert.match(versionOf('AIRoute').additionalPrinterColumns[0]?.jsonPath ?? '', /^\.status\.parents\[0\]/);
  });

  void test('defaults, enums, bounds, patterns and records survive', () => {
    const route = versionOf('AIRoute').schema.openAPIV3Schema;
    const ref = (node(route, 'spec.rules').items as OpenApiSchema).properties as Record<
      string,
      OpenApiSchema
    >;
    const weight = (ref.backendRefs?.items as OpenApiSchema).properties as Record<string, OpenApiSchema>;
    assert.deepEqual(weight.weight, {
      type: 'integer',
      description: 'Share of traffic among backends of the same priority.',
      default: 1,
      minimum: 0,
      maximum: 1_000_000,
    });
    assert.equal(node(ref.timeouts ?? {}, 'request').pattern, '^([0-9]{1,5}(h|m|s|ms)){1,4}$');
    assert.deepEqual(node(versionOf('AIBackend').schema.openAPIV3Schema, 'spec.schema').enum, [
      ...BACKEND_SCHEMAS,
    ]);
    assert.deepEqual(node(route, 'metadata'), { type: 'object' });
  });

  void test('the endpoint "exactly one of url and service" refine becomes a CEL rule', () => {
    const endpoint = node(versionOf('AIBackend').schema.openAPIV3Schema, 'spec.endpoint');
    assert.deepEqual(endpoint['x-kubernetes-validations'], [
      { rule: 'has(self.url) != has(self.service)', message: 'exactly one of url and service must be set' },
    ]);
  });
});

void describe('openApiV3SchemaFor', () => {
  const base = { apiVersion: z.string(), kind: z.string() };
  void test('fails on a field without a description, naming it', () => {
    const schema = z.object({ ...base, spec: z.object({ x: z.string() }).describe('Spec.') }).describe('K.');
    assert.throws(() => openApiV3SchemaFor('Bad', schema), /spec\.x: description is missing/);
  });

  void test('fails on a refine that has no CEL rule', () => {
    const spec = z
      .object({ a: z.string().optional().describe('A.') })
      .refine((s) => s.a !== 'x')
      .describe('Spec.');
    assert.throws(() => openApiV3SchemaFor('Bad', z.object({ ...base, spec }).describe('K.')), /no CEL rule/);
  });

  void test('records become additionalProperties alone; passthrough keeps unknown fields', () => {
    const spec = z
      .object({
        labels: z.record(z.string(), z.string()).describe('Labels.'),
        open: z
          .object({ a: z.string().describe('A.') })
          .passthrough()
          .describe('Open.'),
      })
      .describe('Spec.');
    const schema = openApiV3SchemaFor('Ok', z.object({ ...base, spec }).describe('K.'));
    assert.deepEqual(node(schema, 'spec.labels'), {
      type: 'object',
      description: 'Labels.',
      additionalProperties: { type: 'string' },
    });
    const open = node(schema, 'spec.open');
    assert.equal(open.additionalProperties, undefined);
    assert.equal(open['x-kubernetes-preserve-unknown-fields'], true);
  });
});

void describe('structuralProblems', () => {
  void test('names each violation with its path', () => {
    const problems = structuralProblems({
      type: 'object',
      description: 'Root.',
      properties: {
        metadata: { type: 'object', properties: {} },
        a: { description: 'No type.' },
        b: { type: 'string' },
        c: { type: 'object', description: 'Both.', properties: {}, additionalProperties: { type: 'string' } },
        d: { type: 'array', description: 'Ref.', items: { $ref: '#/defs/x' } },
      },
      required: ['missing'],
    });
    assert.deepEqual(problems, [
      'metadata: must be exactly {type: object}; the API server owns its schema',
      "(root): required field 'missing' is not a property",
      'a: type is missing',
      'b: description is missing',
      'c: properties and additionalProperties are mutually exclusive',
      "d[*]: '$ref' is not allowed",
      'd[*]: type is missing',
    ]);
  });
});

void describe('AIRoute zod schema', () => {
  const valid = {
    apiVersion: 'tollgate.dev/v1alpha1',
    kind: 'AIRoute',
    metadata: { name: 'chat', namespace: 'team-a' },
    spec: {
      parentRefs: [{ name: 'ai-gateway' }],
      rules: [{ matches: [{ model: { type: 'Prefix', value: 'gpt-' } }], backendRefs: [{ name: 'openai' }] }],
    },
  };

  void test('accepts a valid route and applies defaults', () => {
    const resources = emptyResources();
    addObject(resources, valid);
    assert.deepEqual(resources.invalid, []);
    const rule = resources.aiRoutes[0]?.spec.rules[0];
    assert.equal(rule?.backendRefs[0]?.weight, 1);
    assert.equal(rule?.timeouts.request, '120s');
  });

  void test('rejects an invalid route with a message naming the field', () => {
    const resources = emptyResources();
    const invalid = structuredClone(valid);
    invalid.spec.rules[0] = { matches: [], backendRefs: [] };
    addObject(resources, invalid);
    assert.equal(resources.aiRoutes.length, 0);
    assert.equal(resources.invalid[0]?.name, 'chat');
    assert.match(resources.invalid[0]?.message ?? '', /^spec\.rules\[0\]\.backendRefs: /);
  });
});

void describe('zod and the generated CRD schema agree', () => {
  const schemaOf = (kind: string) => versionOf(kind).schema.openAPIV3Schema;

  void test('every tollgate.dev object in examples/ is accepted by both', () => {
    const { resources, errors } = loadResources(path.join(repoRoot(), 'examples'));
    assert.deepEqual(errors, []);
    const ours = resources.invalid.filter((i) => (CRD_KINDS as readonly string[]).includes(i.kind));
    assert.deepEqual(ours, [], 'zod rejects an example');
    const docs = readManifestFiles(path.join(repoRoot(), 'examples')).files.flatMap((f) =>
      YAML.parseAllDocuments(f.text).map((d) => d.toJS() as { kind?: string } | null),
    );
    let checked = 0;
    for (const doc of docs) {
      if (!doc?.kind || !byKind.has(doc.kind)) continue;
      assert.deepEqual(validateAgainst(schemaOf(doc.kind), doc), [], `${doc.kind} in examples/`);
      checked++;
    }
    assert.ok(checked > 0, 'examples/ holds Tollgate objects');
  });

  void test('both reject the same mistakes, naming the same field', () => {
    const route = (rule: Record<string, unknown>, parentRefs: unknown[] = [{ name: 'gw' }]) => ({
      apiVersion: 'tollgate.dev/v1alpha1',
      kind: 'AIRoute',
      metadata: { name: 'r' },
      spec: { parentRefs, rules: [{ backendRefs: [{ name: 'b' }], ...rule }] },
    });
    assert.deepEqual(validateAgainst(schemaOf('AIRoute'), route({})), []);
    const mistakes: Array<[string, object]> = [
      ['spec.rules[0].backendRefs[0].weight', route({ backendRefs: [{ name: 'b', weight: -1 }] })],
      ['spec.rules[0].timeouts.request', route({ timeouts: { request: '2 minutes' } })],
      ['spec.rules[0].name', route({ name: 'Not_A_DNS_Label' })],
      ['spec.parentRefs', route({}, [])],
    ];
    for (const [field, object] of mistakes) {
      const crd = validateAgainst(schemaOf('AIRoute'), object);
      assert.ok(
        crd.some((p) => p.startsWith(`${field}:`)),
        `CRD schema misses ${field}: ${crd.join('; ')}`,
      );
      const resources = emptyResources();
      addObject(resources, object);
      assert.match(resources.invalid[0]?.message ?? '', new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')}: `));
    }
  });
});

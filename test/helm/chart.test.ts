// charts/tollgate rendered offline (test/helm/render.ts) for the default values and every
// example in charts/tollgate/ci/: output matches the goldens in testdata/golden
// (UPDATE_GOLDEN=1 rewrites them and deletes orphans), every object is valid for its schema
// and meets the chart's policies, and values that break values.schema.json are refused.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../golden';
import { CHART_DIR, ValuesSchemaError, checkValues, parseManifests, renderChart } from './render';
import { policyProblems } from './policy';
import { flagProblems, tollgateInvocations } from './cli-flags';
import { validateObject } from './validate';

type Obj = Record<string, unknown>;
const DATA = path.join(repoRoot(), 'test', 'helm', 'testdata');
const GOLDEN = path.join(DATA, 'golden');
const update = process.env.UPDATE_GOLDEN === '1';

const cases: { name: string; valuesFiles: string[] }[] = [
  { name: 'default', valuesFiles: [] },
  ...fs
    .readdirSync(path.join(CHART_DIR, 'ci'))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ name: f.replace(/\.yaml$/, ''), valuesFiles: [path.join(CHART_DIR, 'ci', f)] })),
];
// The ServiceMonitor example needs a cluster that has the Prometheus Operator's API.
const API_VERSIONS = ['monitoring.coreos.com/v1'];

function find(docs: Obj[], kind: string, nameSuffix: string): Obj | undefined {
  return docs.find((d) => d.kind === kind && String((d.metadata as Obj).name).endsWith(nameSuffix));
}
function container(deployment: Obj | undefined): { args: string[]; env: Obj[] } {
  const spec = ((deployment?.spec as Obj).template as Obj).spec as {
    containers: { args: string[]; env: Obj[] }[];
  };
  return spec.containers[0] as { args: string[]; env: Obj[] };
}

test('chart CRDs are byte-identical to crds/ (run `make gen` and copy them when this fails)', () => {
  const want = fs.readdirSync(path.join(repoRoot(), 'crds')).sort();
  const have = fs.readdirSync(path.join(CHART_DIR, 'crds')).sort();
  assert.deepEqual(have, want, 'cp crds/*.yaml charts/tollgate/crds/');
  for (const f of want)
    assert.ok(
      fs
        .readFileSync(path.join(repoRoot(), 'crds', f))
        .equals(fs.readFileSync(path.join(CHART_DIR, 'crds', f))),
      `charts/tollgate/crds/${f} differs from crds/${f}: cp crds/*.yaml charts/tollgate/crds/`,
    );
});

if (update) {
  fs.mkdirSync(GOLDEN, { recursive: true });
  const wanted = new Set(cases.map((c) => `${c.name}.yaml`));
  for (const f of fs.readdirSync(GOLDEN)) if (!wanted.has(f)) fs.rmSync(path.join(GOLDEN, f));
}

for (const c of cases) {
  test(`chart renders ${c.name}: golden, schemas, policies`, () => {
    const text = renderChart({ valuesFiles: c.valuesFiles, apiVersions: API_VERSIONS });
    const golden = path.join(GOLDEN, `${c.name}.yaml`);
    if (update) fs.writeFileSync(golden, text);
    else {
      assert.ok(fs.existsSync(golden), `${golden} is missing; run with UPDATE_GOLDEN=1`);
      assert.equal(text, fs.readFileSync(golden, 'utf8'), `${c.name}: output differs from the golden file`);
    }
    const docs = parseManifests(text);
    assert.ok(docs.length > 0);
    assert.deepEqual(docs.flatMap(validateObject), [], 'every object is valid for its schema');
    assert.deepEqual(docs.flatMap(policyProblems), [], 'every object meets the chart policies');
    assert.ok(tollgateInvocations(docs).some((i) => i.command === 'controller'));
    assert.deepEqual(flagProblems(docs), [], 'every tollgate flag is one the CLI parses');
  });
}

test('default values: sidecar extproc, two controller replicas, leader election in the release namespace', () => {
  const docs = parseManifests(renderChart());
  const controller =
    find(docs, 'Deployment', '-controller') ?? find(docs, 'Deployment', 'tollgate-controller');
  assert.equal((controller?.spec as Obj).replicas, 2);
  const { args } = container(controller);
  assert.deepEqual(args.slice(0, 4), [
    'controller',
    '--ads-listen=0.0.0.0:18000',
    '--extproc=unix:/var/run/tollgate/extproc.sock',
    '--lease-namespace=tollgate-system',
  ]);
  assert.equal(find(docs, 'Deployment', '-extproc'), undefined, 'no extproc Deployment in sidecar mode');
  assert.equal(find(docs, 'Deployment', '-redis'), undefined);
  const gc = docs.find((d) => d.kind === 'GatewayClass');
  assert.equal((gc?.spec as Obj).controllerName, 'tollgate.dev/gateway-controller');
  assert.deepEqual((gc?.spec as Obj).parametersRef, {
    group: 'tollgate.dev',
    kind: 'TollgateProxy',
    name: 'tollgate-proxy',
    namespace: 'tollgate-system',
  });
  const role = docs.find((d) => d.kind === 'Role') as {
    rules: { resources: string[]; resourceNames?: string[] }[];
  };
  assert.ok(
    role.rules.some(
      (r) => r.resources.includes('leases') && r.resourceNames?.includes('tollgate-controller'),
    ),
  );
});

test('extproc deployment mode: Envoy reaches the extproc Service, extproc subscribes to the controller, bundled Redis', () => {
  const docs = parseManifests(
    renderChart({ valuesFiles: [path.join(CHART_DIR, 'ci', 'extproc-deployment-bundled-redis.yaml')] }),
  );
  assert.ok(
    container(find(docs, 'Deployment', '-controller')).args.includes(
      '--extproc=tollgate-extproc.tollgate-system.svc:50051',
    ),
  );
  const extproc = container(find(docs, 'Deployment', '-extproc'));
  assert.ok(extproc.args.includes('--xds=tollgate-controller.tollgate-system.svc:18000'));
  assert.ok(extproc.args.includes('--listen=tcp:0.0.0.0:50051'));
  assert.deepEqual(
    extproc.env.find((e) => e.name === 'REDIS_URL'),
    { name: 'REDIS_URL', value: 'redis://tollgate-redis.tollgate-system.svc:6379' },
  );
  assert.ok(find(docs, 'Service', '-redis') && find(docs, 'Service', '-extproc'));
});

test('external Redis from a Secret, ServiceMonitor, 3 replicas', () => {
  const docs = parseManifests(
    renderChart({
      valuesFiles: [path.join(CHART_DIR, 'ci', 'external-redis-servicemonitor.yaml')],
      apiVersions: API_VERSIONS,
    }),
  );
  assert.equal((find(docs, 'Deployment', '-controller')?.spec as Obj).replicas, 3);
  const redisEnv = container(find(docs, 'Deployment', '-extproc')).env.find((e) => e.name === 'REDIS_URL');
  assert.deepEqual(redisEnv?.valueFrom, { secretKeyRef: { name: 'tollgate-redis', key: 'url' } });
  assert.ok(docs.some((d) => d.kind === 'ServiceMonitor'));
  assert.equal(find(docs, 'Deployment', '-redis'), undefined);
});

test('a ServiceMonitor with sidecar extproc is refused with a message', () => {
  const file = path.join(DATA, 'servicemonitor-sidecar.yaml');
  assert.throws(
    () => renderChart({ valuesFiles: [file] }),
    /serviceMonitor\.enabled needs extproc\.mode=deployment/,
  );
});

for (const f of fs.readdirSync(path.join(DATA, 'invalid-values')).sort()) {
  test(`values.schema.json refuses invalid-values/${f}`, () => {
    const valuesFiles = [path.join(DATA, 'invalid-values', f)];
    assert.throws(() => checkValues({ valuesFiles }), ValuesSchemaError);
    assert.throws(() => renderChart({ valuesFiles }), ValuesSchemaError);
  });
}

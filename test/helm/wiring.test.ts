// How the chart wires provisioning, control-plane mTLS, Redis and audit into the processes'
// flags, checked against the CLI itself: rendered args are parsed with the CLI's flag tables
// (an unknown flag is caught, see the first test), the server name extproc expects is one of
// the SANs the controller derives from the same flags, and combinations the controller cannot
// honour are refused with a reason instead of rendering a half-working install.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import YAML from 'yaml';
import { stringFlag } from '../../cli/args';
import { serviceSans } from '../../cli/commands/controller-security';
import { flagProblems, parseInvocation, tollgateInvocations } from './cli-flags';
import { CHART_DIR, parseManifests, renderChart } from './render';
import { repoRoot } from '../golden';

type Obj = Record<string, unknown>;
type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };

function render(values: Obj): Obj[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-chart-'));
  try {
    const file = path.join(dir, 'values.yaml');
    fs.writeFileSync(file, YAML.stringify(values));
    return parseManifests(renderChart({ valuesFiles: [file] }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
function invocation(docs: Obj[], command: string) {
  const found = tollgateInvocations(docs).find((i) => i.command === command);
  assert.ok(found, `a ${command} container`);
  return { ...found, flags: parseInvocation(found) };
}
function byKind(docs: Obj[], kind: string, nameSuffix = ''): Obj | undefined {
  return docs.find((d) => d.kind === kind && String((d.metadata as Obj).name).endsWith(nameSuffix));
}
function podSpec(doc: Obj | undefined): Obj {
  return ((doc?.spec as Obj).template as Obj).spec as Obj;
}
function container(doc: Obj | undefined): Obj {
  return (podSpec(doc).containers as Obj[])[0] as Obj;
}

test('an unknown flag in extraArgs is caught by the CLI flag check (it can fail)', () => {
  const docs = render({ controller: { extraArgs: ['--no-such-flag=1'] } });
  assert.match(
    flagProblems(docs).join('\n'),
    /Deployment\/tollgate-controller controller: unknown flag --no-such-flag/,
  );
  const extproc = render({ extproc: { mode: 'deployment', extraArgs: ['--audit-log'] } });
  assert.match(flagProblems(extproc).join('\n'), /flag --audit-log needs a value/);
});

test('defaults: provisioning with the chart image, mTLS from Secrets, the ADS Service named', () => {
  const docs = render({});
  const { flags, args } = invocation(docs, 'controller');
  assert.equal(flags.provision, true);
  assert.equal(stringFlag(flags, 'tollgate-image'), 'tollgate/tollgate:0.1.0');
  assert.equal(stringFlag(flags, 'tls-secret'), 'tollgate-controller-tls');
  assert.ok(!args.some((a) => a.startsWith('--envoy-image')), 'the controller default image');
  // --service-name names the Service that carries the ADS port (the proxies' default --proxy-ads).
  const service = byKind(docs, 'Service', '-controller') as { metadata: Obj; spec: { ports: Obj[] } };
  assert.equal(stringFlag(flags, 'service-name'), service.metadata.name);
  assert.ok(service.spec.ports.some((p) => p.port === 18000));
  const proxy = byKind(docs, 'TollgateProxy') as { spec: { extproc: Obj } };
  assert.equal(proxy.spec.extproc.mode, 'Sidecar');
  assert.equal(proxy.spec.extproc.redisUrlSecretRef, undefined);
  // No Redis: nothing for the usage writer, and no REDIS_URL.
  assert.ok(!args.some((a) => a.startsWith('--usage-interval')));
  assert.ok(
    !(container(byKind(docs, 'Deployment', '-controller')).env as Obj[]).some((e) => e.name === 'REDIS_URL'),
  );
});

test('deployment mode with mTLS: extproc mounts the client certificate and expects a SAN the controller issues', () => {
  const docs = render({ extproc: { mode: 'deployment', auditLog: 'stdout', auditIncludeBodies: true } });
  const controller = invocation(docs, 'controller');
  const extproc = invocation(docs, 'extproc');
  const sans = serviceSans(controller.flags, String(stringFlag(controller.flags, 'lease-namespace')));
  assert.ok(
    sans.includes(String(stringFlag(extproc.flags, 'xds-server-name'))),
    `${String(stringFlag(extproc.flags, 'xds-server-name'))} in ${sans.join(', ')}`,
  );
  assert.equal(
    String(stringFlag(extproc.flags, 'xds')).split(':')[0],
    stringFlag(extproc.flags, 'xds-server-name'),
  );
  assert.equal(stringFlag(extproc.flags, 'xds-ca'), '/etc/tollgate/xds-tls/ca.crt');
  assert.equal(stringFlag(extproc.flags, 'audit-log'), 'stdout');
  assert.equal(extproc.flags['audit-include-bodies'], true);
  const pod = podSpec(byKind(docs, 'Deployment', '-extproc'));
  assert.deepEqual(
    (pod.volumes as Obj[]).find((v) => v.name === 'xds-tls'),
    {
      name: 'xds-tls',
      secret: { secretName: 'tollgate-xds-client' },
    },
  );
  const proxy = byKind(docs, 'TollgateProxy') as { spec: { extproc: Obj } };
  assert.deepEqual(proxy.spec.extproc, { mode: 'Deployment' }, 'no sidecar when extproc is shared');
});

test('plaintext and no provisioning: no TLS or provisioning flags, no write RBAC for them', () => {
  const docs = render({
    provisioning: { enabled: false },
    controlPlaneTLS: { enabled: false },
    extproc: { mode: 'deployment' },
  });
  const { flags } = invocation(docs, 'controller');
  assert.equal(flags.provision, undefined);
  assert.equal(stringFlag(flags, 'tls-secret'), undefined);
  assert.equal(stringFlag(invocation(docs, 'extproc').flags, 'xds-ca'), undefined);
  assert.ok(
    !(podSpec(byKind(docs, 'Deployment', '-extproc')).volumes as Obj[]).some((v) => v.name === 'xds-tls'),
  );
  assert.equal(byKind(docs, 'TollgateProxy'), undefined);
  assert.equal((byKind(docs, 'GatewayClass')?.spec as Obj).parametersRef, undefined);
  const clusterRules = (byKind(docs, 'ClusterRole') as { rules: Rule[] }).rules;
  assert.ok(!clusterRules.some((r) => r.resources.includes('deployments')));
  assert.ok(!clusterRules.some((r) => r.resources.includes('secrets') && r.verbs.includes('create')));
  const roleRules = (byKind(docs, 'Role') as { rules: Rule[] }).rules;
  assert.ok(!roleRules.some((r) => r.resources.includes('secrets')));
});

test('provisioning RBAC: exactly the verbs the provisioner and certificate manager use', () => {
  const rules = (byKind(render({}), 'ClusterRole') as { rules: Rule[] }).rules;
  const verbs = (resource: string) =>
    [...new Set(rules.filter((r) => r.resources.includes(resource)).flatMap((r) => r.verbs))].sort();
  assert.deepEqual(verbs('deployments'), ['create', 'delete', 'get', 'list', 'update']);
  assert.deepEqual(verbs('configmaps'), ['create', 'delete', 'get', 'list', 'update']);
  assert.deepEqual(verbs('services'), ['create', 'delete', 'get', 'list', 'update', 'watch']);
  assert.deepEqual(verbs('secrets'), ['create', 'get', 'list', 'update', 'watch']);
  assert.deepEqual(verbs('tollgateproxies'), ['get', 'list', 'watch']);
});

test('sidecar Redis from an existing Secret: TollgateProxy reference, controller REDIS_URL and usage interval', () => {
  const docs = render({
    redis: { existingSecret: { name: 'shared-redis', key: 'uri' } },
    controller: { usageInterval: '1m' },
  });
  const proxy = byKind(docs, 'TollgateProxy') as { spec: { extproc: Obj } };
  assert.deepEqual(proxy.spec.extproc.redisUrlSecretRef, { name: 'shared-redis', key: 'uri' });
  const controller = byKind(docs, 'Deployment', '-controller');
  assert.deepEqual(
    (container(controller).env as Obj[]).find((e) => e.name === 'REDIS_URL'),
    {
      name: 'REDIS_URL',
      valueFrom: { secretKeyRef: { name: 'shared-redis', key: 'uri' } },
    },
  );
  assert.equal(stringFlag(invocation(docs, 'controller').flags, 'usage-interval'), '1m');
});

test('a namespaced controller also watches the release namespace, where its TollgateProxy is', () => {
  const { flags } = invocation(render({ controller: { watchNamespaces: ['team-a'] } }), 'controller');
  assert.deepEqual(flags.namespace, ['team-a', 'tollgate-system']);
  const plain = invocation(
    render({ controller: { watchNamespaces: ['team-a'] }, provisioning: { proxy: { create: false } } }),
    'controller',
  );
  assert.deepEqual(plain.flags.namespace, ['team-a']);
});

const refused: [string, Obj, RegExp][] = [
  ['sidecar with a Redis URL', { redis: { url: 'redis://r:6379' } }, /use redis\.existingSecret/],
  ['sidecar with the bundled Redis', { redis: { enabled: true } }, /use redis\.existingSecret/],
  ['sidecar with an audit log', { extproc: { auditLog: 'stdout' } }, /need extproc\.mode=deployment/],
  [
    'parametersRef next to the chart proxy',
    { gatewayClass: { parametersRef: 'mine' } },
    /provisioning\.proxy\.create=false/,
  ],
];
for (const [name, values, message] of refused)
  test(`refused with a reason: ${name}`, () => assert.throws(() => render(values), message));

test('values.schema.json lists the TollgateProxy spec fields of the CRD (extproc is the chart’s)', () => {
  type Props = { properties?: Record<string, Props> };
  const shape = (p: Props | undefined): unknown =>
    p?.properties
      ? Object.fromEntries(
          Object.keys(p.properties)
            .sort()
            .map((k) => [k, shape(p.properties?.[k])]),
        )
      : true;
  const crd = YAML.parse(
    fs.readFileSync(path.join(repoRoot(), 'crds', 'tollgate.dev_tollgateproxies.yaml'), 'utf8'),
  ) as { spec: { versions: { schema: { openAPIV3Schema: Props } }[] } };
  const crdSpec = crd.spec.versions[0]?.schema.openAPIV3Schema.properties?.spec;
  const values = JSON.parse(fs.readFileSync(path.join(CHART_DIR, 'values.schema.json'), 'utf8')) as Props;
  const chartSpec = values.properties?.provisioning?.properties?.proxy?.properties?.spec;
  const { extproc, ...crdWithoutExtproc } = shape(crdSpec) as Record<string, unknown>;
  assert.ok(extproc, 'the CRD has spec.extproc');
  // Resource quantities are maps in both; the values schema spells out requests/limits.
  assert.deepEqual(shape(chartSpec), crdWithoutExtproc);
});

// The objects desired for a Gateway: names (also long ones), owner references, labels and
// selectors, ports from the listeners, sidecar vs shared extproc, TollgateProxy settings, mTLS
// mounts, and the spec hash that keeps passes idempotent.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import YAML from 'yaml';
import type { KubeObject } from '../provider/kubernetes/lister';
import { desiredFor, specHashOf } from './desired';
import { gateway, gatewayClass, settings, tollgateProxy, world } from './fixtures';
import { MAX_NAME, boundedName } from './names';
import { ownedGateways } from './params';

type Container = {
  name: string;
  image: string;
  args: string[];
  ports?: { containerPort: number }[];
  volumeMounts: { mountPath: string }[];
};
type Deployment = KubeObject & {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string>; annotations: Record<string, string> };
      spec: { containers: Container[]; volumes: Record<string, unknown>[] };
    };
  };
};
type Service = KubeObject & {
  spec: {
    type: string;
    selector: Record<string, string>;
    ports: { name: string; port: number }[];
    externalTrafficPolicy?: string;
  };
};

function objects(...extra: unknown[]) {
  const owned = ownedGateways(world(gatewayClass(), gateway('edge'), ...extra), 'tollgate-system');
  assert.equal(owned.length, 1);
  const d = desiredFor(owned[0]!, settings, { clientCert: 'CERT' });
  const by = (kind: string) => d.objects.find((o) => o.kind === kind)!.object;
  return {
    d,
    deployment: by('Deployment') as Deployment,
    service: by('Service') as Service,
    configMap: by('ConfigMap'),
  };
}

void describe('desired objects', () => {
  test('names, namespace, owner reference and labels', () => {
    const { d, deployment, service, configMap } = objects();
    assert.equal(d.key, 'apps/edge');
    assert.deepEqual(
      d.objects.map((o) => o.kind),
      ['ConfigMap', 'Deployment', 'Service'],
    );
    for (const o of [deployment, service, configMap]) {
      assert.equal(o.metadata.name, 'tollgate-edge');
      assert.equal(o.metadata.namespace, 'apps');
      assert.deepEqual(o.metadata.ownerReferences, [
        {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'Gateway',
          name: 'edge',
          uid: 'uid-apps-edge',
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
      assert.equal((o.metadata.annotations as Record<string, string>)['tollgate.dev/gateway'], 'apps/edge');
    }
    const podLabels = deployment.spec.template.metadata.labels;
    for (const [k, v] of Object.entries(service.spec.selector)) assert.equal(podLabels[k], v);
    assert.deepEqual(deployment.spec.selector.matchLabels, service.spec.selector);
  });

  test('ports: one per distinct listener port; LoadBalancer by default; default replicas', () => {
    const { deployment, service } = objects();
    assert.equal(service.spec.type, 'LoadBalancer');
    assert.deepEqual(
      service.spec.ports.map((p) => [p.name, p.port]),
      [
        ['http-80', 80],
        ['https-443', 443],
      ],
    );
    const envoy = deployment.spec.template.spec.containers[0]!;
    assert.deepEqual(
      envoy.ports?.map((p) => p.containerPort),
      [80, 443],
    );
    assert.equal(deployment.spec.replicas, 2);
  });

  test('sidecar mode: extproc on a Unix socket in a shared emptyDir, mTLS flags and mounts', () => {
    const { deployment, configMap } = objects();
    const [envoy, extproc] = deployment.spec.template.spec.containers;
    assert.equal(extproc?.name, 'extproc');
    assert.equal(extproc?.image, settings.tollgateImage);
    const args = extproc!.args.join(' ');
    assert.match(
      args,
      /^extproc --listen unix:\/var\/run\/tollgate\/extproc.sock --xds tollgate-controller.tollgate-system.svc:18000/,
    );
    assert.match(
      args,
      /--xds-ca \/etc\/tollgate\/xds-tls\/ca.crt --xds-cert \S+tls.crt --xds-key \S+tls.key/,
    );
    for (const c of [envoy!, extproc!])
      assert.ok(
        c.volumeMounts.some((m) => m.mountPath === '/var/run/tollgate'),
        c.name,
      );
    const volumes = deployment.spec.template.spec.volumes;
    assert.ok(volumes.some((v) => JSON.stringify(v) === '{"name":"extproc-socket","emptyDir":{}}'));
    assert.ok(
      volumes.some(
        (v) => (v.secret as { secretName?: string } | undefined)?.secretName === 'tollgate-xds-client',
      ),
    );
    assert.ok(deployment.spec.template.metadata.annotations['tollgate.dev/xds-client-cert-hash']);
    // The bootstrap is the same rendering as `tollgate bootstrap`, with the mTLS xds cluster.
    const bootstrap = YAML.parse((configMap.data as Record<string, string>)['bootstrap.yaml']!) as {
      node: { cluster: string };
    };
    assert.equal(bootstrap.node.cluster, 'apps/edge');
    assert.match(JSON.stringify(bootstrap), /UpstreamTlsContext/);
    assert.equal(envoy!.args.slice(0, 2).join(' '), '-c /etc/envoy/bootstrap.yaml');
  });

  test('TollgateProxy: replicas, images, Service type/annotations, extproc Deployment mode', () => {
    const ref = { group: 'tollgate.dev', kind: 'TollgateProxy', name: 'big', namespace: 'tollgate-system' };
    const owned = ownedGateways(
      world(
        gatewayClass('tollgate', ref),
        gateway('edge'),
        tollgateProxy('big', {
          replicas: 5,
          envoy: { image: 'envoyproxy/envoy:v1.35.0', resources: { limits: { cpu: '2' } } },
          extproc: { mode: 'Deployment' },
          service: {
            type: 'ClusterIP',
            annotations: { 'example.com/lb': 'internal' },
            externalTrafficPolicy: 'Local',
          },
        }),
      ),
      'tollgate-system',
    );
    assert.equal(owned[0]?.params.problem, undefined);
    const d = desiredFor(owned[0]!, settings);
    const deployment = d.objects.find((o) => o.kind === 'Deployment')!.object as Deployment;
    const service = d.objects.find((o) => o.kind === 'Service')!.object as Service;
    assert.equal(deployment.spec.replicas, 5);
    assert.deepEqual(
      deployment.spec.template.spec.containers.map((c) => c.name),
      ['envoy'],
    );
    assert.equal(deployment.spec.template.spec.containers[0]?.image, 'envoyproxy/envoy:v1.35.0');
    assert.ok(!JSON.stringify(deployment).includes('emptyDir'));
    assert.equal(service.spec.type, 'ClusterIP');
    assert.equal(service.spec.externalTrafficPolicy, undefined, 'not valid on ClusterIP');
    assert.equal((service.metadata.annotations as Record<string, string>)['example.com/lb'], 'internal');
  });

  test('a missing TollgateProxy falls back to the defaults and says so', () => {
    const ref = { group: 'tollgate.dev', kind: 'TollgateProxy', name: 'nope' };
    const owned = ownedGateways(world(gatewayClass('tollgate', ref), gateway('edge')), 'tollgate-system');
    assert.match(owned[0]?.params.problem ?? '', /tollgate-system\/nope not found/);
  });

  test('only Gateways of our classes, not being deleted', () => {
    const foreign = {
      ...(gateway('other') as object),
      spec: { gatewayClassName: 'istio', listeners: [{ name: 'h', port: 80, protocol: 'HTTP' }] },
    };
    const deleting = gateway('gone', 'apps', { deletionTimestamp: '2026-01-01T00:00:00Z' });
    const owned = ownedGateways(world(gatewayClass(), gateway('edge'), foreign, deleting), 'tollgate-system');
    assert.deepEqual(
      owned.map((o) => o.gateway.metadata.name),
      ['edge'],
    );
  });

  test('long Gateway names are cut to 63 characters with a hash, distinct and stable', () => {
    const long = 'a'.repeat(80);
    const a = boundedName(`${long}-one`);
    const b = boundedName(`${long}-two`);
    assert.equal(a.length, MAX_NAME);
    assert.notEqual(a, b);
    assert.equal(a, boundedName(`${long}-one`));
    assert.match(a, /^tollgate-a+-[0-9a-f]{8}$/);
    assert.equal(boundedName('edge'), 'tollgate-edge');
    const owned = ownedGateways(world(gatewayClass(), gateway(`${long}-one`)), 'tollgate-system');
    const d = desiredFor(owned[0]!, settings);
    for (const o of d.objects) assert.equal(o.object.metadata.name, a);
  });

  test('the spec hash is stable and follows every change', () => {
    const one = objects().deployment;
    assert.equal(specHashOf(one), specHashOf(objects().deployment));
    const owned = ownedGateways(world(gatewayClass(), gateway('edge')), 'tollgate-system');
    const rotated = desiredFor(owned[0]!, settings, { clientCert: 'NEW CERT' });
    assert.notEqual(specHashOf(rotated.objects[1]!.object), specHashOf(one));
  });
});

// The control plane's certificate Secrets against the fake API server: the CA is created once,
// the server and client leaves chain to it with the right SANs, a second check writes nothing,
// a leaf is re-issued (Secret replaced) once less than a third of its life is left, and two
// managers racing converge on one CA.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { createLogger } from '../../lib/log';
import { startFakeApiServer, type FakeApiServer } from '../../test/fake-apiserver/server';
import { writeKubeconfig } from '../../test/fake-apiserver/kubeconfig';
import { KubeConfig } from '../provider/kubernetes/kubeconfig';
import { kubernetesObjectClient } from '../provider/kubernetes/objects';
import { CA_SECRET, CLIENT_SECRET, ControlPlaneCerts } from './manager';
import { sansOf } from './rotation';

const logger = createLogger('test', 'silent');
const SECRETS = { group: '', version: 'v1', plural: 'secrets' };
const DAY = 86_400_000;
const sans = [
  'tollgate-controller.tollgate-system.svc',
  'tollgate-controller.tollgate-system.svc.cluster.local',
];
let fake: FakeApiServer;
let clock = Date.parse('2026-01-01T00:00:00Z');

function manager(): ControlPlaneCerts {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(writeKubeconfig(fake.url));
  return new ControlPlaneCerts({
    client: kubernetesObjectClient(kubeConfig),
    namespace: 'tollgate-system',
    serverSecretName: 'tollgate-controller-tls',
    serverSans: sans,
    logger,
    now: () => new Date(clock),
  });
}

const writes = (): string[] =>
  fake.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);
const secretData = (ns: string, name: string, key: string): string =>
  Buffer.from(
    (fake.store.get(SECRETS, ns, name)?.data as Record<string, string>)[key] ?? '',
    'base64',
  ).toString();

beforeEach(async () => {
  fake = await startFakeApiServer();
  clock = Date.parse('2026-01-01T00:00:00Z');
});
afterEach(() => fake.close());

void describe('control plane certificates in Secrets', () => {
  test('CA, server and client Secrets are created once and chain to the CA', async () => {
    const certs = manager();
    const server = await certs.serverMaterial();
    const clientPem = await certs.clientCert('apps');
    assert.deepEqual(writes().sort(), [
      'POST /api/v1/namespaces/apps/secrets',
      'POST /api/v1/namespaces/tollgate-system/secrets',
      'POST /api/v1/namespaces/tollgate-system/secrets',
    ]);
    const ca = new X509Certificate(secretData('tollgate-system', CA_SECRET, 'tls.crt'));
    const serverCert = new X509Certificate(server.cert);
    assert.ok(serverCert.verify(ca.publicKey));
    assert.deepEqual(sansOf(serverCert), sans);
    assert.equal(secretData('apps', CLIENT_SECRET, 'ca.crt'), ca.toString());
    assert.ok(new X509Certificate(clientPem).verify(ca.publicKey));
    assert.equal(fake.store.get(SECRETS, 'apps', CLIENT_SECRET)?.type, 'kubernetes.io/tls');

    const before = writes().length;
    await certs.serverMaterial();
    await certs.clientCert('apps');
    assert.equal(writes().length, before, 'valid certificates are not re-issued');
  });

  test('rotation: re-issued once less than a third of the lifetime is left', async () => {
    const certs = manager();
    const first = await certs.clientCert('apps');
    clock += 59 * DAY;
    assert.equal(await certs.clientCert('apps'), first);
    clock += 2 * DAY;
    const rotated = await certs.clientCert('apps');
    assert.notEqual(rotated, first);
    assert.ok(writes().includes(`PUT /api/v1/namespaces/apps/secrets/${CLIENT_SECRET}`));
    assert.equal(secretData('apps', CLIENT_SECRET, 'tls.crt'), rotated);
    const validTo = Date.parse(new X509Certificate(rotated).validTo);
    assert.ok(Math.abs(validTo - (clock + 90 * DAY)) < 1000);
  });

  test('two replicas racing end up with one CA', async () => {
    const [a, b] = await Promise.all([manager().ca(), manager().ca()]);
    assert.equal(a.cert, b.cert);
    assert.equal(secretData('tollgate-system', CA_SECRET, 'tls.crt'), a.cert);
  });
});

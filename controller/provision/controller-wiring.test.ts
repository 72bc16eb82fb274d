// `tollgate controller --provision --tls-secret` end to end against the fake API server: the
// CA, server and client Secrets appear, a Gateway of our class gets its Envoy objects, the
// Gateway status is Programmed=False/Pending until the Deployment reports an available replica,
// then Programmed=True with the Service's address; the ADS port refuses a client without a
// certificate. Runs the built CLI as a child process, as a Pod would.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { startFakeApiServer, type FakeApiServer } from '../../test/fake-apiserver/server';
import { writeKubeconfig } from '../../test/fake-apiserver/kubeconfig';
import { until } from '../../test/fake-apiserver/testing';
import { gateway, gatewayClass } from './fixtures';

const SECRETS = { group: '', version: 'v1', plural: 'secrets' };
const DEPLOYMENTS = { group: 'apps', version: 'v1', plural: 'deployments' };
const SERVICES = { group: '', version: 'v1', plural: 'services' };
const GATEWAYS = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gateways' };
const CLASSES = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gatewayclasses' };

let fake: FakeApiServer;
let child: ChildProcess;
let output = '';

before(async () => {
  fake = await startFakeApiServer();
  fake.store.create(CLASSES, undefined, gatewayClass() as never);
  fake.store.create(GATEWAYS, 'apps', gateway('edge') as never);
  const main = path.join(__dirname, '..', '..', 'cli', 'main.js');
  child = spawn(
    process.execPath,
    [
      main,
      'controller',
      '--kubeconfig',
      writeKubeconfig(fake.url),
      '--ads-listen',
      '127.0.0.1:0',
      '--lease-namespace',
      'tollgate-system',
      '--renew-interval',
      '200ms',
      '--lease-duration',
      '2s',
      '--provision',
      '--tls-secret',
      'tollgate-controller-tls',
      '--tollgate-image',
      'tollgate:test',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TOLLGATE_LOG_LEVEL: 'info' } },
  );
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
});

after(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  await fake.close();
});

type GatewayStatus = {
  conditions?: { type: string; status: string; reason: string }[];
  addresses?: { value: string }[];
};
const gatewayStatus = (): GatewayStatus | undefined =>
  fake.store.get(GATEWAYS, 'apps', 'edge')?.status as GatewayStatus | undefined;
const programmed = () => gatewayStatus()?.conditions?.find((c) => c.type === 'Programmed');

void test('controller provisions Envoy, issues certificates and reports proxy status', async () => {
  const what = (w: string) => `${w}\n--- controller output ---\n${output.slice(-3000)}`;
  await until(
    () => Boolean(fake.store.get(SECRETS, 'tollgate-system', 'tollgate-ca')),
    what('CA Secret'),
    15_000,
  );
  await until(
    () => Boolean(fake.store.get(SECRETS, 'tollgate-system', 'tollgate-controller-tls')),
    what('server Secret'),
  );
  await until(
    () => Boolean(fake.store.get(SERVICES, 'apps', 'tollgate-edge')),
    what('Envoy Service'),
    15_000,
  );
  assert.ok(fake.store.get(DEPLOYMENTS, 'apps', 'tollgate-edge'), 'Envoy Deployment');
  assert.ok(fake.store.get(SECRETS, 'apps', 'tollgate-xds-client'), 'client Secret in the Gateway namespace');
  await until(() => programmed()?.reason === 'Pending', what('Programmed=False/Pending'));

  // Deployments are polled (requeue), Services watched: the Service update triggers the pass.
  const dep = fake.store.get(DEPLOYMENTS, 'apps', 'tollgate-edge')!;
  fake.store.replace(DEPLOYMENTS, 'apps', { ...dep, status: { availableReplicas: 2 } }, true);
  const svc = fake.store.get(SERVICES, 'apps', 'tollgate-edge')!;
  fake.store.replace(
    SERVICES,
    'apps',
    { ...svc, status: { loadBalancer: { ingress: [{ ip: '203.0.113.9' }] } } },
    true,
  );
  await until(() => programmed()?.status === 'True', what('Programmed=True'), 15_000);
  assert.deepEqual(
    gatewayStatus()?.addresses?.map((a) => a.value),
    ['203.0.113.9'],
  );

  const port = Number(/"port":(\d+)[^}]*ADS server listening/.exec(output)?.[1]);
  assert.ok(port > 0, what('ADS port in the log'));
  const insecure = await new Promise<string>((resolve) => {
    const channel = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    channel.waitForReady(Date.now() + 1500, (err) => {
      channel.close();
      resolve(err ? 'refused' : 'connected');
    });
  });
  assert.equal(insecure, 'refused', 'plaintext clients do not get in');
});

// StatusWriter against the fake API server: writes only changed status through /status,
// retries a 409 by re-reading, skips objects that are gone, writes nothing when not leader.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import pino from 'pino';
import { KINDS } from '../../api';
import { startFakeApiServer, type FakeApiServer } from '../../../test/fake-apiserver/server';
import { writeKubeconfig } from '../../../test/fake-apiserver/kubeconfig';
import { KubeConfig } from './kubeconfig';
import { StatusWriter, type StatusUpdate } from './status-writer';

const logger = pino({ level: 'silent' });
let fake: FakeApiServer;
let writer: StatusWriter;
let leader = true;

const accepted = (status: 'True' | 'False') => ({
  conditions: [
    { type: 'Accepted', status, reason: 'Accepted', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' },
  ],
});

beforeEach(async () => {
  fake = await startFakeApiServer();
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(writeKubeconfig(fake.url));
  leader = true;
  writer = new StatusWriter({ kubeConfig, logger, isLeader: () => leader, concurrency: 2 });
  fake.store.create(KINDS.AIRoute, 'team-a', {
    apiVersion: 'tollgate.dev/v1alpha1',
    kind: 'AIRoute',
    metadata: { name: 'r' },
    spec: { rules: [] },
  });
  fake.store.create(KINDS.GatewayClass, undefined, {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GatewayClass',
    metadata: { name: 'gc' },
    spec: { controllerName: 'x' },
  });
});
afterEach(async () => {
  writer.close();
  await fake.close();
});

const puts = () => fake.requests.filter((r) => r.method === 'PUT');

void describe('StatusWriter', () => {
  void it('writes through /status only when the status differs', async () => {
    const updates: StatusUpdate[] = [
      { kind: 'AIRoute', namespace: 'team-a', name: 'r', status: accepted('True') },
      { kind: 'GatewayClass', name: 'gc', status: accepted('True') },
    ];
    assert.deepEqual(await writer.write(updates), { written: 2, unchanged: 0, skipped: 0, failed: 0 });
    assert.deepEqual(
      puts()
        .map((r) => r.path)
        .sort(),
      [
        '/apis/gateway.networking.k8s.io/v1/gatewayclasses/gc/status',
        '/apis/tollgate.dev/v1alpha1/namespaces/team-a/airoutes/r/status',
      ],
    );
    const stored = fake.store.get(KINDS.AIRoute, 'team-a', 'r');
    assert.deepEqual(stored?.status, accepted('True'));
    assert.equal(stored?.metadata.generation, 1);

    // Same content with keys in another order is still "unchanged": no write, no watch event.
    const reordered = {
      conditions: [{ ...accepted('True').conditions[0], status: 'True' as const, type: 'Accepted' }],
    };
    assert.deepEqual(
      await writer.write([{ kind: 'AIRoute', namespace: 'team-a', name: 'r', status: reordered }]),
      {
        written: 0,
        unchanged: 1,
        skipped: 0,
        failed: 0,
      },
    );
    assert.equal(puts().length, 2);
  });

  void it('keeps the stored lastTransitionTime of a condition that kept its status', async () => {
    const at = (status: 'True' | 'False', time: string, message: string) => ({
      parents: [
        {
          parentRef: { name: 'gw' },
          conditions: [{ type: 'Accepted', status, reason: 'R', message, lastTransitionTime: time }],
        },
      ],
      conditions: [{ type: 'Accepted', status, reason: 'R', message, lastTransitionTime: time }],
    });
    const r = (status: unknown): StatusUpdate[] => [
      { kind: 'AIRoute', namespace: 'team-a', name: 'r', status },
    ];
    assert.equal((await writer.write(r(at('False', '2026-01-01T00:00:00Z', 'm')))).written, 1);
    // A fresh timestamp alone is no change: nothing is written (no watch event, no reconcile loop).
    assert.equal((await writer.write(r(at('False', '2026-01-02T00:00:00Z', 'm')))).unchanged, 1);
    // Another message with the same status is written, with the original transition time.
    assert.equal((await writer.write(r(at('False', '2026-01-03T00:00:00Z', 'm2')))).written, 1);
    assert.deepEqual(
      fake.store.get(KINDS.AIRoute, 'team-a', 'r')?.status,
      at('False', '2026-01-01T00:00:00Z', 'm2'),
    );
    // A status flip takes the new time.
    assert.equal((await writer.write(r(at('True', '2026-01-04T00:00:00Z', 'm2')))).written, 1);
    assert.deepEqual(
      fake.store.get(KINDS.AIRoute, 'team-a', 'r')?.status,
      at('True', '2026-01-04T00:00:00Z', 'm2'),
    );
  });

  void it('retries a 409 Conflict by re-reading the object', async () => {
    fake.failNext(2, 409, (r) => r.method === 'PUT');
    const result = await writer.write([
      { kind: 'AIRoute', namespace: 'team-a', name: 'r', status: accepted('False') },
    ]);
    assert.equal(result.written, 1);
    assert.equal(puts().length, 3);
    assert.equal(fake.requests.filter((r) => r.method === 'GET').length, 3, 'one read per attempt');
    assert.deepEqual(fake.store.get(KINDS.AIRoute, 'team-a', 'r')?.status, accepted('False'));
  });

  void it('skips objects that no longer exist and kinds without status', async () => {
    const result = await writer.write([
      { kind: 'AIRoute', namespace: 'team-a', name: 'gone', status: accepted('True') },
      { kind: 'Secret', namespace: 'team-a', name: 's', status: {} },
    ]);
    assert.deepEqual(result, { written: 0, unchanged: 0, skipped: 2, failed: 0 });
  });

  void it('reports failures without throwing', async () => {
    fake.failNext(1, 500);
    const result = await writer.write([
      { kind: 'AIRoute', namespace: 'team-a', name: 'r', status: accepted('True') },
    ]);
    assert.equal(result.failed, 1);
  });

  void it('writes nothing when this replica is not the leader', async () => {
    leader = false;
    const result = await writer.write([
      { kind: 'AIRoute', namespace: 'team-a', name: 'r', status: accepted('True') },
    ]);
    assert.deepEqual(result, { written: 0, unchanged: 0, skipped: 1, failed: 0 });
    assert.equal(fake.requests.length, 0);
  });
});

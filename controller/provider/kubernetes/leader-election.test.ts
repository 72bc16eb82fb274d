// Leader election against the fake API server: two candidates, exactly one leads; the Lease
// names it; handover when the leader closes; stepping down when renewals fail; taking over an
// abandoned Lease; and a follower's StatusWriter writes nothing.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import pino from 'pino';
import { KINDS } from '../../api';
import { startFakeApiServer, type FakeApiServer } from '../../../test/fake-apiserver/server';
import { writeKubeconfig } from '../../../test/fake-apiserver/kubeconfig';
import { until } from '../../../test/fake-apiserver/testing';
import { KubeConfig } from './kubeconfig';
import { startLeaderElection, type LeaderElection } from './leader-election';
import { StatusWriter } from './status-writer';

const logger = pino({ level: 'silent' });
const LEASES = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases' };
let fake: FakeApiServer;
let kubeConfig: KubeConfig;
const open: LeaderElection[] = [];
const events: string[] = [];

function elect(identity: string): LeaderElection {
  const election = startLeaderElection({
    kubeConfig,
    namespace: 'tollgate-system',
    name: 'controller',
    identity,
    leaseDurationMs: 600,
    renewMs: 100,
    logger,
    onStartedLeading: () => events.push(`${identity} started`),
    onStoppedLeading: () => events.push(`${identity} stopped`),
  });
  open.push(election);
  return election;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseTransitions?: number;
  leaseDurationSeconds?: number;
  renewTime?: string;
}
const lease = () => fake.store.get(LEASES, 'tollgate-system', 'controller')?.spec as LeaseSpec | undefined;

beforeEach(async () => {
  fake = await startFakeApiServer();
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(writeKubeconfig(fake.url));
  events.length = 0;
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
  await fake.close();
});

void describe('leader election', () => {
  void it('elects exactly one of two candidates, hands over on close, and gates status writes', async () => {
    const a = elect('a');
    const b = elect('b');
    await until(() => a.isLeader() || b.isLeader(), 'a leader');
    const [leader, follower, leaderId, followerId] = a.isLeader() ? [a, b, 'a', 'b'] : [b, a, 'b', 'a'];
    // Sample over several renew periods: never two leaders, and the Lease names the leader.
    for (let i = 0; i < 5; i++) {
      assert.equal(a.isLeader() && b.isLeader(), false);
      assert.equal(lease()?.holderIdentity, leaderId);
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
    assert.equal(follower.isLeader(), false);

    fake.store.create(KINDS.AIRoute, 'team-a', {
      apiVersion: 'tollgate.dev/v1alpha1',
      kind: 'AIRoute',
      metadata: { name: 'r' },
      spec: { rules: [] },
    });
    const followerWriter = new StatusWriter({ kubeConfig, logger, isLeader: () => follower.isLeader() });
    const status = { conditions: [] };
    const update = [{ kind: 'AIRoute' as const, namespace: 'team-a', name: 'r', status }];
    assert.equal((await followerWriter.write(update)).written, 0);
    assert.equal(fake.store.get(KINDS.AIRoute, 'team-a', 'r')?.status, undefined);
    followerWriter.close();

    await leader.close();
    assert.equal(leader.isLeader(), false);
    await until(() => follower.isLeader(), 'handover to the follower');
    assert.equal(lease()?.holderIdentity, followerId);
    assert.equal(lease()?.leaseTransitions, 1);
    assert.deepEqual(events, [`${leaderId} started`, `${leaderId} stopped`, `${followerId} started`]);
  });

  void it('steps down when it cannot renew past the deadline', async () => {
    const solo = elect('solo');
    await until(() => solo.isLeader(), 'leadership');
    fake.failNext(10_000, 500, (r) => r.path.includes('/leases/'));
    await until(() => events.includes('solo stopped'), 'stepping down');
    assert.equal(solo.isLeader(), false);
  });

  void it('takes over a Lease whose holder stopped renewing', async () => {
    fake.store.create(LEASES, 'tollgate-system', {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'controller' },
      spec: {
        holderIdentity: 'ghost',
        leaseDurationSeconds: 1,
        renewTime: '2026-01-01T00:00:00.000000Z',
        leaseTransitions: 4,
      },
    });
    const heir = elect('heir');
    await until(() => heir.isLeader(), 'takeover after the lease duration');
    assert.equal(lease()?.holderIdentity, 'heir');
    assert.equal(lease()?.leaseTransitions, 5);
    assert.equal(lease()?.leaseDurationSeconds, 1);
  });
});

// Leader election on a coordination.k8s.io/v1 Lease, the way client-go does it: every write
// carries the Lease's resourceVersion (optimistic concurrency, so two candidates cannot both
// win); a Lease is taken over only when its record has not changed for leaseDurationSeconds as
// observed on OUR clock (no trust in other replicas' clocks); the leader renews every renewMs,
// steps down when it could not renew for renewDeadlineMs, and releases the Lease on close so a
// successor takes over at once.
import type { Logger } from '../../../lib/log';
import { describeError, k8s, statusOf, type ClientNode } from './k8s';
import { requireLoaded, type KubeConfig } from './kubeconfig';

export interface LeaderElectionOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewMs?: number;
  /** Step down when renewals have failed for this long; must lie between renewMs and leaseDurationMs. */
  renewDeadlineMs?: number;
  onStartedLeading?: () => void;
  onStoppedLeading?: () => void;
  logger?: Logger;
}

export interface LeaderElection {
  close(): Promise<void>;
  isLeader(): boolean;
}

type Lease = ClientNode.V1Lease;
type LeaseSpec = ClientNode.V1LeaseSpec;

/** MicroTime: RFC 3339 with microseconds, as the API server stores Lease times. */
function microTime(date = new Date()): ClientNode.V1MicroTime {
  return new k8s.V1MicroTime(date.getTime());
}

export function startLeaderElection(options: LeaderElectionOptions): LeaderElection {
  const leaseDurationMs = options.leaseDurationMs ?? 15_000;
  const renewMs = options.renewMs ?? 2_000;
  const renewDeadlineMs = options.renewDeadlineMs ?? Math.round((leaseDurationMs * 2) / 3);
  if (!(renewMs < renewDeadlineMs && renewDeadlineMs <= leaseDurationMs))
    throw new Error('leader election: need renewMs < renewDeadlineMs <= leaseDurationMs');
  const api = requireLoaded(options.kubeConfig).makeApiClient(k8s.CoordinationV1Api);
  const { name, namespace } = options;
  const me = options.identity;
  let leading = false;
  let lastRenew = 0;
  let observed: { record: string; at: number } | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let tick: Promise<void> = Promise.resolve();

  const spec = (previous: LeaseSpec | undefined, now: Date): LeaseSpec => {
    const renewing = previous?.holderIdentity === me;
    return {
      holderIdentity: me,
      leaseDurationSeconds: Math.max(1, Math.ceil(leaseDurationMs / 1000)),
      acquireTime: renewing ? previous?.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: (previous?.leaseTransitions ?? 0) + (renewing || !previous ? 0 : 1),
    };
  };

  /** One attempt to acquire or renew; true when we hold the Lease afterwards. */
  const tryAcquireOrRenew = async (): Promise<boolean> => {
    const now = new Date();
    let lease: Lease;
    try {
      lease = await api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
      const body: Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace },
        spec: spec(undefined, now),
      };
      await api.createNamespacedLease({ namespace, body });
      return true;
    }
    const record = JSON.stringify(lease.spec ?? {});
    if (observed?.record !== record) observed = { record, at: Date.now() };
    const holder = lease.spec?.holderIdentity;
    const durationMs = (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
    const expired = !holder || Date.now() >= observed.at + durationMs;
    if (holder !== me && !expired) return false;
    await api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec: spec(lease.spec, now) } });
    return true;
  };

  const setLeading = (value: boolean): void => {
    if (value === leading) return;
    leading = value;
    options.logger?.info(
      { lease: `${namespace}/${name}`, identity: me },
      value ? 'acquired leadership' : 'lost leadership',
    );
    (value ? options.onStartedLeading : options.onStoppedLeading)?.();
  };

  const step = async (): Promise<void> => {
    try {
      if (await tryAcquireOrRenew()) {
        lastRenew = Date.now();
        setLeading(true);
      } else setLeading(false);
    } catch (err) {
      // 409: another candidate wrote first; anything else: the API server is unreachable.
      if (statusOf(err) !== 409)
        options.logger?.warn({ err: describeError(err) }, 'leader election: lease update failed');
      if (leading && Date.now() - lastRenew >= renewDeadlineMs) setLeading(false);
    }
  };

  const loop = (): void => {
    if (closed) return;
    tick = step().finally(() => {
      if (!closed) timer = setTimeout(loop, renewMs);
    });
  };
  loop();

  return {
    isLeader: () => leading && Date.now() - lastRenew < leaseDurationMs,
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      await tick;
      if (leading) {
        try {
          // Release: an empty holder lets the next candidate take over without waiting out the lease.
          const lease = await api.readNamespacedLease({ name, namespace });
          if (lease.spec?.holderIdentity === me)
            await api.replaceNamespacedLease({
              name,
              namespace,
              body: {
                ...lease,
                spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime() },
              },
            });
        } catch (err) {
          options.logger?.warn({ err: describeError(err) }, 'leader election: could not release the lease');
        }
        setLeading(false);
      }
    },
  };
}

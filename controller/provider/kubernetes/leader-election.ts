// Leader election on a coordination.k8s.io/v1 Lease, the way client-go does it: every write
// carries the Lease's resourceVersion (optimistic concurrency, so two candidates cannot both
// win); a Lease is taken over only when its record has not changed for leaseDurationSeconds as
// observed on OUR clock (no trust in other replicas' clocks); the leader renews every renewMs,
// steps down when it could not renew for renewDeadlineMs, and releases the Lease on close so a
// successor takes over at once.
import type { Logger } from '../../../lib/log';
import { KubeApiError, KubeClient, resourcePath } from './client';
import type { KubeConfig } from './kubeconfig';

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

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}
interface Lease {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

const LEASES = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases' };

/** MicroTime: RFC 3339 with microseconds, as the API server stores Lease times. */
function microTime(date = new Date()): string {
  return date.toISOString().replace(/Z$/, '000Z');
}

export function startLeaderElection(options: LeaderElectionOptions): LeaderElection {
  const leaseDurationMs = options.leaseDurationMs ?? 15_000;
  const renewMs = options.renewMs ?? 2_000;
  const renewDeadlineMs = options.renewDeadlineMs ?? Math.round((leaseDurationMs * 2) / 3);
  if (!(renewMs < renewDeadlineMs && renewDeadlineMs <= leaseDurationMs))
    throw new Error('leader election: need renewMs < renewDeadlineMs <= leaseDurationMs');
  const client = new KubeClient(options.kubeConfig);
  const path = resourcePath(LEASES, options.namespace, options.name);
  const collection = resourcePath(LEASES, options.namespace);
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
      lease = await client.request<Lease>('GET', path);
    } catch (err) {
      if (!(err instanceof KubeApiError && err.status === 404)) throw err;
      const body: Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: options.name, namespace: options.namespace },
        spec: spec(undefined, now),
      };
      await client.request('POST', collection, { body });
      return true;
    }
    const record = JSON.stringify(lease.spec ?? {});
    if (observed?.record !== record) observed = { record, at: Date.now() };
    const holder = lease.spec?.holderIdentity;
    const durationMs = (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
    const expired = !holder || Date.now() >= observed.at + durationMs;
    if (holder !== me && !expired) return false;
    await client.request('PUT', path, { body: { ...lease, spec: spec(lease.spec, now) } });
    return true;
  };

  const setLeading = (value: boolean): void => {
    if (value === leading) return;
    leading = value;
    options.logger?.info(
      { lease: `${options.namespace}/${options.name}`, identity: me },
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
      if (!(err instanceof KubeApiError && err.status === 409))
        options.logger?.warn({ err: String(err) }, 'leader election: lease update failed');
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
          const lease = await client.request<Lease>('GET', path);
          if (lease.spec?.holderIdentity === me)
            await client.request('PUT', path, {
              body: {
                ...lease,
                spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime() },
              },
            });
        } catch (err) {
          options.logger?.warn({ err: String(err) }, 'leader election: could not release the lease');
        }
        setLeading(false);
      }
      client.close();
    },
  };
}

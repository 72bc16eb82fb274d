// `tollgate controller`: the in-cluster (or kubeconfig) controller. Watches Gateway API
// resources and Tollgate's CRDs, serves Envoy and extproc over ADS, and writes status
// conditions while it holds the leader Lease (every replica serves xDS; one writes status).
// With --provision the leader also provisions Envoy per Gateway; --tls-* serve ADS over mTLS
// (see controller-security.ts). With a Redis URL the leader also writes AIBudget status.usage
// from the budget counters extproc keeps there (controller/budgets/usage-writer.ts).
import os from 'node:os';
import { parseFlags, stringFlag, type FlagSpec } from '../args';
import { createLogger } from '../../lib/log';
import { Reconciler } from '../../controller/reconciler';
import { SnapshotCache } from '../../controller/server/snapshot';
import { AdsServer } from '../../controller/server/ads';
import {
  KubeConfig,
  StatusWriter,
  startKubernetesProvider,
  startLeaderElection,
  type StatusUpdate,
} from '../../controller/provider/kubernetes';
import { extprocTarget } from './translate';
import { kubernetesObjectClient } from '../../controller/provider/kubernetes';
import { Provisioner } from '../../controller/provision/provisioner';
import { withProxyStatus } from '../../controller/translate/gateway-status';
import { SECURITY_FLAGS, SECURITY_HELP, provisionSettings, serverSecurity } from './controller-security';
import { Registry } from 'prom-client';
import { createBudgetService } from '../../extproc/budgets/service';
import { UsageStatusWriter } from '../../controller/budgets/usage-writer';

/** The flags `tollgate controller` parses (exported so the Helm chart test checks its args). */
export const FLAGS: FlagSpec = {
  help: { type: 'boolean', alias: 'h' },
  kubeconfig: { type: 'string' },
  namespace: { type: 'list' },
  'ads-listen': { type: 'string', default: '0.0.0.0:18000' },
  extproc: { type: 'string', default: 'unix:/var/run/tollgate/extproc.sock' },
  'lease-namespace': { type: 'string', default: process.env.POD_NAMESPACE ?? 'tollgate-system' },
  'lease-name': { type: 'string', default: 'tollgate-controller' },
  identity: { type: 'string', default: process.env.POD_NAME ?? os.hostname() },
  'lease-duration': { type: 'string', default: '15s' },
  'renew-interval': { type: 'string', default: '2s' },
  'redis-url': { type: 'string' },
  'usage-interval': { type: 'string', default: '30s' },
  ...SECURITY_FLAGS,
};

const HELP = `usage: tollgate controller [options]

  --kubeconfig FILE        kubeconfig to use (default: KUBECONFIG, ~/.kube/config or in-cluster)
  --namespace NS           watch only this namespace (repeatable; default: all namespaces)
  --ads-listen ADDR        ADS server address, host:port or unix:/path (default 0.0.0.0:18000;
                           port 0 picks a free port, logged as "ADS server listening")
  --extproc ADDR           where Envoy reaches extproc, unix:/path or host:port
                           (default unix:/var/run/tollgate/extproc.sock)
  --lease-namespace NS     namespace of the leader-election Lease (default $POD_NAMESPACE or tollgate-system)
  --lease-name NAME        name of the Lease (default tollgate-controller)
  --identity ID            this replica's Lease holder identity (default $POD_NAME or the hostname)
  --lease-duration DUR     how long a Lease that is not renewed blocks other replicas (default 15s)
  --renew-interval DUR     how often the leader renews the Lease (default 2s); a leader that cannot
                           renew for 2/3 of the lease duration stops writing status
                           DUR: a number with unit ms, s or m, e.g. 500ms, 15s, 1m
  --redis-url URL          the Redis extproc keeps budget counters in (default $REDIS_URL); with it
                           the leader writes AIBudget status.usage (top 10 subjects per budget)
  --usage-interval DUR     how often status.usage is refreshed (default 30s; only changes are written)
${SECURITY_HELP}`;

/** "500ms", "15s", "1m" -> milliseconds; anything else is a clear error naming the flag. */
export function parseDurationFlag(name: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(value.trim());
  const ms = m ? Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2] as 'ms' | 's' | 'm'] : NaN;
  if (!Number.isFinite(ms) || ms <= 0)
    throw new Error(`--${name}: bad duration ${JSON.stringify(value)}: want e.g. 500ms, 15s or 1m`);
  return Math.round(ms);
}

/**
 * Serializes status writes and keeps only the newest pending batch: two overlapping writes of
 * different reconcile passes could otherwise finish out of order and leave an older status
 * stored (each write reads the object and PUTs; the older one may read after the newer wrote).
 */
function latestWinsWriter(write: (updates: StatusUpdate[]) => Promise<unknown>) {
  let pending: StatusUpdate[] | undefined;
  let running: Promise<void> | undefined;
  const drain = async (): Promise<void> => {
    for (let next = pending; next; next = pending) {
      pending = undefined;
      await write(next).catch(() => undefined); // StatusWriter logs its own failures
    }
    running = undefined;
  };
  return {
    submit(updates: StatusUpdate[]): void {
      pending = updates;
      running ??= drain();
    },
    idle: (): Promise<void> => running ?? Promise.resolve(),
  };
}

export async function run(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, FLAGS);
  if (flags.help === true) {
    process.stdout.write(HELP);
    return 0;
  }
  // Installed first, so a SIGTERM during startup still ends in an orderly shutdown (exit 0).
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });

  const leaseDurationMs = parseDurationFlag('lease-duration', stringFlag(flags, 'lease-duration') ?? '15s');
  const renewMs = parseDurationFlag('renew-interval', stringFlag(flags, 'renew-interval') ?? '2s');
  const usageIntervalMs = parseDurationFlag('usage-interval', stringFlag(flags, 'usage-interval') ?? '30s');
  const redisUrl = stringFlag(flags, 'redis-url') ?? (process.env.REDIS_URL || undefined);
  if (renewMs * 1.5 >= leaseDurationMs)
    throw new Error('--renew-interval must be well below --lease-duration (at most 2/3 of it)');
  const logger = createLogger('controller');
  const kubeConfig = new KubeConfig();
  const kubeconfigPath = stringFlag(flags, 'kubeconfig');
  if (kubeconfigPath) kubeConfig.loadFromFile(kubeconfigPath);
  else kubeConfig.loadFromDefault();

  const controllerNamespace = stringFlag(flags, 'lease-namespace') ?? 'tollgate-system';
  const objects = kubernetesObjectClient(kubeConfig);
  const security = await serverSecurity(flags, { namespace: controllerNamespace, client: objects, logger });
  const cache = new SnapshotCache();
  const ads = new AdsServer({ cache, logger, credentials: security.credentials });
  const port = await ads.listen(stringFlag(flags, 'ads-listen') ?? '0.0.0.0:18000');
  logger.info({ port, mtls: Boolean(security.credentials) }, 'ADS server listening');

  const statusWriter = new StatusWriter({ kubeConfig, logger });
  const statuses = latestWinsWriter((updates) => statusWriter.write(updates));
  const namespaces = flags.namespace as string[];
  let leading = (): boolean => false;
  let lastStatuses: StatusUpdate[] = [];
  const provisioner =
    flags.provision === true
      ? new Provisioner({
          client: objects,
          settings: provisionSettings(flags, {
            namespace: controllerNamespace,
            adsPort: port,
            extproc: stringFlag(flags, 'extproc'),
            tls: Boolean(security.credentials),
            logger,
          }),
          logger,
          namespaces: namespaces.length > 0 ? namespaces : undefined,
          isLeader: () => leading(),
          clientCertFor: security.certs ? (ns) => security.certs!.clientCert(ns) : undefined,
          onObserved: () => statuses.submit(withProxies(lastStatuses)),
        })
      : undefined;
  // Gateway status completed with the provisioned proxies' addresses and readiness.
  const withProxies = (updates: StatusUpdate[]): StatusUpdate[] => {
    if (!provisioner) return updates;
    const now = new Date().toISOString();
    const observed = provisioner.observed();
    return updates.map((u) => withProxyStatus(u, observed.get(`${u.namespace}/${u.name}`), now));
  };
  const reconciler = new Reconciler({
    cache,
    logger,
    extproc: extprocTarget(stringFlag(flags, 'extproc')),
    onStatuses: (updates) => {
      lastStatuses = updates;
      statuses.submit(withProxies(updates));
    },
  });
  const election = startLeaderElection({
    kubeConfig,
    namespace: stringFlag(flags, 'lease-namespace') ?? 'tollgate-system',
    name: stringFlag(flags, 'lease-name') ?? 'tollgate-controller',
    identity: stringFlag(flags, 'identity') ?? os.hostname(),
    leaseDurationMs,
    renewMs,
    onStartedLeading: () => {
      logger.info('became leader; writing status');
      const last = reconciler.last;
      if (last) statuses.submit(withProxies(last.statuses));
      provisioner?.kick();
    },
    onStoppedLeading: () => logger.warn('lost leadership; no longer writing status'),
    logger,
  });
  statusWriter.setLeaderCheck(() => election.isLeader());
  leading = () => election.isLeader();
  // Same default key prefix as extproc's createBudgetService, so both see the same counters.
  const budgetEngine = redisUrl
    ? createBudgetService({ redisUrl, logger, registry: new Registry(), commandTimeoutMs: 2000 })
    : undefined;
  const usageWriter = budgetEngine
    ? new UsageStatusWriter({
        budgets: () => {
          const budgets = reconciler.last?.ir.processor.budgets;
          return budgets ? Object.values(budgets) : undefined;
        },
        usage: (budget, subject, limit) => budgetEngine.usage(budget, subject, limit),
        write: (updates) => statusWriter.writeEach(updates),
        isLeader: () => election.isLeader(),
        logger,
        intervalMs: usageIntervalMs,
      })
    : undefined;
  usageWriter?.start();
  if (!usageWriter) logger.info('no --redis-url: AIBudget status.usage is not written');
  const provider = startKubernetesProvider({
    kubeConfig,
    namespaces: namespaces.length > 0 ? namespaces : undefined,
    logger,
    onChange: (resources) => {
      reconciler.update(resources);
      provisioner?.update(resources);
    },
  });

  await stopped;
  logger.info('shutting down');
  provider.close();
  reconciler.close();
  provisioner?.close();
  await provisioner?.idle();
  security.close();
  await usageWriter?.close();
  await budgetEngine?.close();
  await statuses.idle();
  statusWriter.close();
  await election.close();
  await ads.close();
  logger.info('stopped');
  return 0;
}

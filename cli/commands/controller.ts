// `tollgate controller`: the in-cluster (or kubeconfig) controller. Watches Gateway API
// resources and Tollgate's CRDs, serves Envoy and extproc over ADS, and writes status
// conditions while it holds the leader Lease (every replica serves xDS; one writes status).
import os from 'node:os';
import { parseFlags, stringFlag } from '../args';
import { createLogger } from '../../lib/log';
import { Reconciler } from '../../controller/reconciler';
import { SnapshotCache } from '../../controller/server/snapshot';
import { AdsServer } from '../../controller/server/ads';
import {
  KubeConfig,
  StatusWriter,
  startKubernetesProvider,
  startLeaderElection,
} from '../../controller/provider/kubernetes';
import { extprocTarget } from './translate';

export async function run(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, {
    kubeconfig: { type: 'string' },
    namespace: { type: 'list' },
    'ads-listen': { type: 'string', default: '0.0.0.0:18000' },
    extproc: { type: 'string', default: 'unix:/var/run/tollgate/extproc.sock' },
    'lease-namespace': { type: 'string', default: process.env.POD_NAMESPACE ?? 'tollgate-system' },
    'lease-name': { type: 'string', default: 'tollgate-controller' },
    identity: { type: 'string', default: process.env.POD_NAME ?? os.hostname() },
  });
  const logger = createLogger('controller');
  const kubeConfig = new KubeConfig();
  const kubeconfigPath = stringFlag(flags, 'kubeconfig');
  if (kubeconfigPath) kubeConfig.loadFromFile(kubeconfigPath);
  else kubeConfig.loadFromDefault();

  const cache = new SnapshotCache();
  const ads = new AdsServer({ cache, logger });
  const port = await ads.listen(stringFlag(flags, 'ads-listen') ?? '0.0.0.0:18000');
  logger.info({ port }, 'ADS server listening');

  const statusWriter = new StatusWriter({ kubeConfig, logger, isLeader: () => election.isLeader() });
  const reconciler = new Reconciler({
    cache,
    logger,
    extproc: extprocTarget(stringFlag(flags, 'extproc')),
    onStatuses: (updates) => void statusWriter.write(updates),
  });
  const election = startLeaderElection({
    kubeConfig,
    namespace: stringFlag(flags, 'lease-namespace') ?? 'tollgate-system',
    name: stringFlag(flags, 'lease-name') ?? 'tollgate-controller',
    identity: stringFlag(flags, 'identity') ?? os.hostname(),
    onStartedLeading: () => {
      logger.info('became leader; writing status');
      const last = reconciler.last;
      if (last) void statusWriter.write(last.statuses);
    },
    onStoppedLeading: () => logger.warn('lost leadership; no longer writing status'),
    logger,
  });
  const namespaces = flags.namespace as string[];
  const provider = startKubernetesProvider({
    kubeConfig,
    namespaces: namespaces.length > 0 ? namespaces : undefined,
    logger,
    onChange: (resources) => reconciler.update(resources),
  });

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  logger.info('shutting down');
  provider.close();
  statusWriter.close();
  reconciler.close();
  await election.close();
  await ads.close();
  return 0;
}

// `tollgate extproc`: the ext_proc gRPC service Envoy calls. Its config comes either from a
// static file (--config) or from the controller's ADS server (--xds); the admin server serves
// /metrics, /healthz and /readyz. SIGINT/SIGTERM stop intake, let open streams finish, then exit.
// --xds-ca/--xds-cert/--xds-key make the config stream mTLS (files re-read every minute).
// Budget counters live in Redis with --redis-url (default $REDIS_URL; two or more replicas need
// it), in memory otherwise. --audit-log stdout|FILE writes one audit record per request.
import { parseFlags, stringFlag, type FlagSpec } from '../args';
import { createLogger } from '../../lib/log';
import { startAdminServer } from '../../extproc/admin';
import { loadProcessorConfigFile, subscribeProcessorConfig } from '../../extproc/config/client';
import { EXTPROC_NODE_CLUSTER } from '../../extproc/config/schema';
import { ConfigStore } from '../../extproc/config/store';
import { ExtprocServer } from '../../extproc/server';
import { ExtprocMetrics } from '../../extproc/metrics';
import { countTokensOffThread } from '../../extproc/tokens/async';
import { createBudgetService } from '../../extproc/budgets/service';
import { createGuardrailService } from '../../extproc/guardrails';
import { createAuditSink, type AuditTarget } from '../../extproc/audit/sink';
import { clientTlsFromFlags } from '../../controller/certs/grpc-tls';

/** The flags `tollgate extproc` parses (exported so the Helm chart test checks its args). */
export const EXTPROC_FLAGS: FlagSpec = {
  listen: { type: 'string', default: 'tcp:127.0.0.1:50051' },
  'admin-port': { type: 'string', default: '9102' },
  'admin-host': { type: 'string', default: '127.0.0.1' },
  config: { type: 'string' },
  xds: { type: 'string' },
  'node-id': { type: 'string' },
  'xds-ca': { type: 'string' },
  'xds-cert': { type: 'string' },
  'xds-key': { type: 'string' },
  'xds-server-name': { type: 'string' },
  'redis-url': { type: 'string' },
  'audit-log': { type: 'string', default: 'off' },
  'audit-include-bodies': { type: 'boolean' },
};

export async function run(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, EXTPROC_FLAGS);
  const configFile = stringFlag(flags, 'config');
  const xds = stringFlag(flags, 'xds');
  if ((configFile === undefined) === (xds === undefined)) {
    throw new Error('give exactly one of --config FILE or --xds HOST:PORT');
  }
  const adminPort = Number(stringFlag(flags, 'admin-port'));
  if (!Number.isInteger(adminPort) || adminPort < 0 || adminPort > 65535) {
    throw new Error(`--admin-port must be a port number, got ${stringFlag(flags, 'admin-port')}`);
  }
  const logger = createLogger('extproc');
  const store = new ConfigStore();
  const metrics = new ExtprocMetrics();
  const redisUrl = stringFlag(flags, 'redis-url') ?? (process.env.REDIS_URL || undefined);
  const budgets = createBudgetService({ redisUrl, logger, registry: metrics.registry });
  const auditFlag = stringFlag(flags, 'audit-log') ?? 'off';
  const auditTarget: AuditTarget =
    auditFlag === 'stdout' || auditFlag === 'off' ? auditFlag : { file: auditFlag };
  const audit = createAuditSink({
    target: auditTarget,
    includeBodies: flags['audit-include-bodies'] === true,
    registry: metrics.registry,
    logger,
  });
  const services = {
    budgets,
    guardrails: createGuardrailService({ logger, registry: metrics.registry }),
    audit: auditFlag === 'off' ? undefined : audit,
  };
  logger.info(
    {
      budgetStore: redisUrl ? 'redis' : 'memory',
      audit: typeof auditTarget === 'string' ? auditTarget : 'file',
    },
    'request services',
  );
  const server = new ExtprocServer({ store, logger, metrics, services });
  store.onChange((config) => {
    server.metrics.setConfigVersion(config.version);
    logger.info({ version: config.version, routes: Object.keys(config.routes).length }, 'config in use');
    // Budgets and token limits count prompts: load the tokenizer now, not on the first request
    // (loading its ranks takes longer than Envoy's message timeout on a busy machine).
    if (Object.keys(config.budgets).length > 0 || Object.keys(config.guardrails).length > 0)
      countTokensOffThread(['warm up']).catch((err: unknown) =>
        logger.warn({ err }, 'tokenizer warm-up failed'),
      );
  });

  let subscription: { close(): void } | undefined;
  if (configFile !== undefined) store.set(loadProcessorConfigFile(configFile));
  else if (xds !== undefined) {
    subscription = subscribeProcessorConfig({
      target: xds,
      nodeId: stringFlag(flags, 'node-id') ?? `extproc-${process.pid}`,
      onConfig: (config) => store.set(config),
      logger,
      credentials: clientTlsFromFlags({
        ca: stringFlag(flags, 'xds-ca'),
        cert: stringFlag(flags, 'xds-cert'),
        key: stringFlag(flags, 'xds-key'),
      }),
      serverName: stringFlag(flags, 'xds-server-name'),
    });
  }

  const address = await server.listen(stringFlag(flags, 'listen') ?? 'tcp:127.0.0.1:50051');
  const admin = await startAdminServer({
    host: stringFlag(flags, 'admin-host'),
    port: adminPort,
    store,
    metrics: server.metrics,
    budgets,
  });
  logger.info({ address, adminPort: admin.port, nodeCluster: EXTPROC_NODE_CLUSTER }, 'extproc serving');

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  logger.info({ openStreams: server.activeStreams }, 'draining');
  subscription?.close();
  await server.close(10_000);
  await admin.close();
  await budgets.close();
  await audit.close();
  return 0;
}

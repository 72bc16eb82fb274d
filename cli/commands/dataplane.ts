// `tollgate dataplane`: the built-in Envoy subset (dataplane/) for one Gateway. It subscribes
// to the controller's ADS with node.cluster = the Gateway key, exactly as an Envoy would.
// --xds-ca/--xds-cert/--xds-key make the ADS stream mTLS, as for extproc.
import { parseFlags, requireFlag, stringFlag } from '../args';
import { createLogger } from '../../lib/log';
import { startDataplane } from '../../dataplane';
import { createExtProcSession } from '../../dataplane/ext-proc/session';
import { clientTlsFromFlags } from '../../controller/certs/grpc-tls';

export async function run(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, {
    ads: { type: 'string', default: '127.0.0.1:18000' },
    gateway: { type: 'string' },
    'node-id': { type: 'string' },
    bind: { type: 'string' },
    'xds-ca': { type: 'string' },
    'xds-cert': { type: 'string' },
    'xds-key': { type: 'string' },
    'xds-server-name': { type: 'string' },
  });
  const gatewayKey = requireFlag(flags, 'gateway');
  const logger = createLogger('dataplane').child({ gateway: gatewayKey });
  const dataplane = await startDataplane({
    ads: stringFlag(flags, 'ads') ?? '127.0.0.1:18000',
    nodeId: stringFlag(flags, 'node-id') ?? `dataplane-${process.pid}`,
    gatewayKey,
    bindAddress: stringFlag(flags, 'bind'),
    extProcFactory: createExtProcSession,
    logger,
    adsCredentials: clientTlsFromFlags({
      ca: stringFlag(flags, 'xds-ca'),
      cert: stringFlag(flags, 'xds-cert'),
      key: stringFlag(flags, 'xds-key'),
    }),
    adsServerName: stringFlag(flags, 'xds-server-name'),
  });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  logger.info('draining');
  await dataplane.close();
  return 0;
}

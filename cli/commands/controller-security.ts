// The `tollgate controller` flags for control-plane mTLS and Envoy provisioning, and what they
// build: the ADS server credentials (from files, re-read every minute; or from Secrets the
// controller issues and rotates itself) and the provisioner's settings.
import type { Logger } from '../../lib/log';
import { parseAddress, stringFlag, type FlagSpec, type Flags } from '../args';
import { ControlPlaneCerts } from '../../controller/certs/manager';
import { ReloadableServerCredentials, serverCredentialsFromFiles } from '../../controller/certs/grpc-tls';
import type { ObjectClient } from '../../controller/provider/kubernetes';
import { DEFAULT_ENVOY_IMAGE, type ProvisionSettings } from '../../controller/provision/settings';

export const SECURITY_FLAGS: FlagSpec = {
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-client-ca': { type: 'string' },
  'tls-secret': { type: 'string' },
  'tls-san': { type: 'list' },
  'service-name': { type: 'string', default: 'tollgate-controller' },
  'cert-check-interval': { type: 'string', default: '1h' },
  provision: { type: 'boolean' },
  'proxy-ads': { type: 'string' },
  'envoy-image': { type: 'string', default: DEFAULT_ENVOY_IMAGE },
  'tollgate-image': { type: 'string', default: process.env.TOLLGATE_IMAGE ?? 'tollgate:latest' },
  'proxy-replicas': { type: 'string', default: '2' },
};

export const SECURITY_HELP = `
  mTLS for ADS (the extproc config carries upstream credentials; use one of):
  --tls-cert F --tls-key F --tls-client-ca F   server certificate, key and the CA client certificates
                           must chain to (files, re-read every minute)
  --tls-secret NAME        issue and rotate everything in Secrets: CA "tollgate-ca", the server
                           certificate in NAME (both in --lease-namespace), and a client certificate
                           "tollgate-xds-client" in the controller namespace and every Gateway namespace
  --tls-san NAME           server certificate SANs (repeatable; default: the --service-name DNS names)
  --service-name NAME      the controller's Service (default tollgate-controller)
  --cert-check-interval D  how often certificates are checked for rotation (default 1h; e.g. 30m)

  Envoy provisioning (one Deployment + Service + bootstrap ConfigMap per Gateway of our classes):
  --provision              turn it on
  --proxy-ads HOST:PORT    where the proxies reach ADS (default SERVICE.NAMESPACE.svc:ADS-PORT)
  --envoy-image IMAGE      default Envoy image (default ${DEFAULT_ENVOY_IMAGE})
  --tollgate-image IMAGE   image of the extproc sidecar (default $TOLLGATE_IMAGE)
  --proxy-replicas N       replicas when the TollgateProxy says nothing (default 2)
`;

/** "30s", "30m", "1h" -> ms. */
export function parseInterval(name: string, value: string): number {
  const m = /^(\d+)(s|m|h)$/.exec(value.trim());
  if (!m) throw new Error(`--${name}: bad interval ${JSON.stringify(value)}: want e.g. 30m or 1h`);
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 's' | 'm' | 'h'];
}

export function serviceSans(flags: Flags, namespace: string): string[] {
  const given = flags['tls-san'] as string[];
  if (given.length > 0) return given;
  const service = stringFlag(flags, 'service-name') ?? 'tollgate-controller';
  return [
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.cluster.local`,
    `${service}.${namespace}`,
    service,
  ];
}

export interface ServerSecurity {
  credentials?: ReloadableServerCredentials;
  certs?: ControlPlaneCerts;
  close(): void;
}

export async function serverSecurity(
  flags: Flags,
  options: { namespace: string; client: ObjectClient; logger: Logger },
): Promise<ServerSecurity> {
  const files = ['tls-cert', 'tls-key', 'tls-client-ca'].map((f) => stringFlag(flags, f));
  const secret = stringFlag(flags, 'tls-secret');
  const filesGiven = files.filter((f) => f !== undefined).length;
  if (filesGiven > 0 && secret)
    throw new Error('give --tls-secret or --tls-cert/--tls-key/--tls-client-ca, not both');
  if (filesGiven > 0) {
    const [cert, key, ca] = files;
    if (!cert || !key || !ca) throw new Error('--tls-cert, --tls-key and --tls-client-ca go together');
    const reloading = serverCredentialsFromFiles({ cert, key, ca });
    return { credentials: reloading.credentials, close: reloading.close };
  }
  if (!secret) return { close: () => undefined };
  const certs = new ControlPlaneCerts({
    client: options.client,
    namespace: options.namespace,
    serverSecretName: secret,
    serverSans: serviceSans(flags, options.namespace),
    logger: options.logger,
  });
  const credentials = new ReloadableServerCredentials(await certs.serverMaterial());
  await certs.clientCert(options.namespace); // for a shared extproc Deployment
  const check = async (): Promise<void> => {
    try {
      if (credentials.update(await certs.serverMaterial()))
        options.logger.info('ADS server certificate reloaded (new connections use it)');
      await certs.clientCert(options.namespace);
    } catch (err) {
      options.logger.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'certificate check failed',
      );
    }
  };
  const timer = setInterval(
    () => void check(),
    parseInterval('cert-check-interval', stringFlag(flags, 'cert-check-interval') ?? '1h'),
  );
  timer.unref();
  return { credentials, certs, close: () => clearInterval(timer) };
}

export function provisionSettings(
  flags: Flags,
  options: { namespace: string; adsPort: number; extproc: string | undefined; tls: boolean; logger: Logger },
): ProvisionSettings {
  const service = stringFlag(flags, 'service-name') ?? 'tollgate-controller';
  const adsFlag = stringFlag(flags, 'proxy-ads') ?? `${service}.${options.namespace}.svc:${options.adsPort}`;
  const ads = parseAddress(adsFlag);
  if (ads.kind !== 'tcp') throw new Error('--proxy-ads must be host:port');
  const extproc = options.extproc ?? 'unix:/var/run/tollgate/extproc.sock';
  if (!extproc.startsWith('unix:'))
    options.logger.warn(
      { extproc },
      'extproc is not a Unix socket: TollgateProxies in Sidecar mode will not be reached',
    );
  const replicas = Number(stringFlag(flags, 'proxy-replicas'));
  if (!Number.isInteger(replicas) || replicas < 0) throw new Error('--proxy-replicas must be a whole number');
  return {
    controllerNamespace: options.namespace,
    ads: { host: ads.address, port: ads.port },
    xdsTls: options.tls ? { serverName: ads.address, clientSecretName: 'tollgate-xds-client' } : undefined,
    envoyImage: stringFlag(flags, 'envoy-image') ?? DEFAULT_ENVOY_IMAGE,
    tollgateImage: stringFlag(flags, 'tollgate-image') ?? 'tollgate:latest',
    extprocSocket: extproc.startsWith('unix:') ? extproc.slice(5) : '/var/run/tollgate/extproc.sock',
    defaultReplicas: replicas,
  };
}

// `tollgate bootstrap --gateway ns/name --ads host:port|unix:/path`: prints the Envoy bootstrap
// for one Gateway's proxies (node.cluster = the Gateway key, one ADS stream to the controller),
// for running a real Envoy against `tollgate controller` until the Helm chart provisions it.
// Printed in the proto3 JSON mapping Envoy reads files with (durations as "5s").
// `--xds-tls-dir DIR` makes the xds cluster mTLS (DIR/ca.crt, tls.crt, tls.key); the server's
// certificate must carry `--xds-server-name` (default: the --ads host) as a DNS SAN.
import { parseAddress, parseFlags, requireFlag, stringFlag } from '../args';
import { envoyBootstrap } from '../../controller/xds';
import { toYaml } from '../../lib/yaml';
import { toProto3Json } from '../../lib/proto-json';

export async function run(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, {
    gateway: { type: 'string' },
    ads: { type: 'string', default: '127.0.0.1:18000' },
    'node-id': { type: 'string' },
    'admin-port': { type: 'string' },
    output: { type: 'string', alias: 'o', default: 'yaml' },
    'xds-tls-dir': { type: 'string' },
    'xds-server-name': { type: 'string' },
  });
  const gatewayKey = requireFlag(flags, 'gateway');
  const ads = parseAddress(stringFlag(flags, 'ads') ?? '127.0.0.1:18000');
  const adminPort = stringFlag(flags, 'admin-port');
  const tlsDir = stringFlag(flags, 'xds-tls-dir');
  const serverName = stringFlag(flags, 'xds-server-name') ?? (ads.kind === 'tcp' ? ads.address : undefined);
  if (tlsDir !== undefined && !serverName)
    throw new Error('--xds-tls-dir with a unix: ADS address needs --xds-server-name');
  const bootstrap = toProto3Json(
    'envoy.config.bootstrap.v3.Bootstrap',
    envoyBootstrap({
      nodeId: stringFlag(flags, 'node-id') ?? `envoy-${gatewayKey.replace('/', '-')}`,
      gatewayKey,
      adsAddress: ads.kind === 'uds' ? { path: ads.path } : { host: ads.address, port: ads.port },
      adminPort: adminPort === undefined ? undefined : Number(adminPort),
      xdsTls: tlsDir === undefined || !serverName ? undefined : { dir: tlsDir, serverName },
    }),
  );
  const format = stringFlag(flags, 'output');
  if (format !== 'yaml' && format !== 'json') throw new Error(`--output must be yaml or json, got ${format}`);
  process.stdout.write(format === 'json' ? `${JSON.stringify(bootstrap, null, 2)}\n` : toYaml(bootstrap));
  return 0;
}

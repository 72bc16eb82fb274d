// `tollgate bootstrap --xds-tls-dir DIR`: the printed xds cluster is mTLS with DIR's files and
// pins the ADS host (or --xds-server-name) as the SAN.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import YAML from 'yaml';

const CLI = path.join(__dirname, '..', 'main.js');
const run = (...args: string[]): string =>
  execFileSync(process.execPath, [CLI, 'bootstrap', '--gateway', 'apps/edge', ...args], {
    encoding: 'utf8',
    stdio: 'pipe',
  });

test('tollgate bootstrap --xds-tls-dir renders an UpstreamTlsContext for the xds cluster', () => {
  const out = run(
    '--ads',
    'tollgate-controller.tollgate-system.svc:18000',
    '--xds-tls-dir',
    '/etc/tollgate/xds-tls',
  );
  const bootstrap = YAML.parse(out) as {
    static_resources: { clusters: { transport_socket?: { typed_config: Record<string, unknown> } }[] };
  };
  const tls = bootstrap.static_resources.clusters[0]?.transport_socket?.typed_config;
  assert.equal(
    tls?.['@type'],
    'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
  );
  assert.equal(tls?.sni, 'tollgate-controller.tollgate-system.svc');
  assert.match(out, /filename: \/etc\/tollgate\/xds-tls\/tls.key/);
  const named = run('--ads', '10.0.0.5:18000', '--xds-tls-dir', '/tls', '--xds-server-name', 'ctl.example');
  assert.match(named, /exact: ctl.example/);
  assert.doesNotMatch(run('--ads', '10.0.0.5:18000'), /transport_socket/);
  assert.throws(() => run('--ads', 'unix:/run/xds.sock', '--xds-tls-dir', '/tls'), /xds-server-name/);
});

// Controller performance: translate + render for 1,000 and 10,000 AIRoutes (wall time per
// stage, peak RSS; a cold pass into an empty cache, then a pass with one AIRoute changed into
// the warm cache), and the time from one changed AIRoute to the new snapshot arriving at a
// subscribed xDS client at 10,000 routes. Usage: node dist/bench/controller.js [--sizes 1000,10000]
import { addObject, emptyResources, type Resources } from '../controller/provider/resources';
import { translate } from '../controller/translate';
import {
  toXds,
  xdsSnapshotFor,
  CLUSTER_TYPE_URL,
  LISTENER_TYPE_URL,
  ROUTE_TYPE_URL,
} from '../controller/xds';
import { SnapshotCache } from '../controller/server/snapshot';
import { AdsServer } from '../controller/server/ads';
import { Reconciler } from '../controller/reconciler';
import { adsClient, openSotw } from '../controller/server/ads-test-client';
import { createLogger } from '../lib/log';
import type { ExtprocTarget } from '../controller/ir/types';
import { machine, round } from './lib/load';

const EXTPROC: ExtprocTarget = { kind: 'uds', path: '/tmp/extproc.sock', messageTimeoutMs: 1000 };
const BACKENDS = 10;

function world(routes: number, variant = 0): Resources {
  const r = emptyResources();
  const meta = (name: string) => ({
    name,
    namespace: 'default',
    creationTimestamp: '2026-01-01T00:00:00Z',
    generation: 1,
  });
  addObject(r, {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GatewayClass',
    metadata: { name: 'tollgate' },
    spec: { controllerName: 'tollgate.dev/gateway-controller' },
  });
  addObject(r, {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: meta('gw'),
    spec: { gatewayClassName: 'tollgate', listeners: [{ name: 'http', port: 8080, protocol: 'HTTP' }] },
  });
  for (let b = 0; b < BACKENDS; b++) {
    addObject(r, {
      apiVersion: 'tollgate.dev/v1alpha1',
      kind: 'AIBackend',
      metadata: meta(`backend-${b}`),
      spec: { schema: 'OpenAI', endpoint: { url: `http://10.0.0.${b + 1}:8000/v1` }, models: [] },
    });
  }
  for (let i = 0; i < routes; i++) {
    addObject(r, {
      apiVersion: 'tollgate.dev/v1alpha1',
      kind: 'AIRoute',
      metadata: meta(`route-${i}`),
      spec: {
        parentRefs: [{ name: 'gw' }],
        rules: [
          {
            matches: [{ model: { type: 'Exact', value: `model-${i}` } }],
            backendRefs: [
              { name: `backend-${i % BACKENDS}` },
              { name: `backend-${(i + 1) % BACKENDS}`, priority: 1 },
            ],
            timeouts: { request: i === 0 ? `${60 + variant}s` : '60s' },
          },
        ],
      },
    });
  }
  return r;
}

function measureBuild(routes: number, report = true): void {
  const resources = world(routes);
  const t0 = performance.now();
  const { ir } = translate(resources, { extproc: EXTPROC, now: new Date(0).toISOString() });
  const t1 = performance.now();
  const xds = toXds(ir);
  const t2 = performance.now();
  const cache = new SnapshotCache();
  for (const [key, res] of xds) cache.setSnapshot(key, xdsSnapshotFor(res));
  const t3 = performance.now();
  const maxRssMiB = process.resourceUsage().maxRSS / 1024;
  // The same pass again with one AIRoute changed: what a reconcile costs once the cache is warm.
  const changed = world(routes, 1);
  const u0 = performance.now();
  const next = translate(changed, { extproc: EXTPROC, now: new Date(0).toISOString() });
  const u1 = performance.now();
  const nextXds = toXds(next.ir);
  const u2 = performance.now();
  for (const [key, res] of nextXds) cache.setSnapshot(key, xdsSnapshotFor(res));
  const u3 = performance.now();
  if (!report) return;
  console.log(
    `| ${routes} | cold | ${round(t1 - t0)} | ${round(t2 - t1)} | ${round(t3 - t2)} | ${round(t3 - t0)} | ${Math.round(maxRssMiB)} |`,
  );
  console.log(
    `| ${routes} | 1 changed | ${round(u1 - u0)} | ${round(u2 - u1)} | ${round(u3 - u2)} | ${round(u3 - u0)} | |`,
  );
}

async function measurePropagation(routes: number, samples: number): Promise<void> {
  const logger = createLogger('bench', 'warn');
  const cache = new SnapshotCache();
  const ads = new AdsServer({ cache, logger });
  const port = await ads.listen('127.0.0.1:0');
  const reconciler = new Reconciler({ cache, extproc: EXTPROC, logger, debounceMs: 0 });
  reconciler.update(world(routes));
  reconciler.reconcileNow();
  const client = adsClient(`127.0.0.1:${port}`);
  const stream = openSotw(client);
  const node = { id: 'bench', cluster: 'default/gw' };
  const ack = (res: { version_info?: string; nonce?: string; type_url?: string }, names: string[] = []) =>
    stream.send({
      node,
      type_url: res.type_url,
      version_info: res.version_info,
      response_nonce: res.nonce,
      resource_names: names,
    });
  stream.send({ node, type_url: CLUSTER_TYPE_URL, resource_names: [] });
  ack(await stream.next(30_000));
  stream.send({ node, type_url: LISTENER_TYPE_URL, resource_names: [] });
  ack(await stream.next(30_000));
  stream.send({ node, type_url: ROUTE_TYPE_URL, resource_names: ['default/gw/8080'] });
  ack(await stream.next(30_000), ['default/gw/8080']);
  const times: number[] = [];
  for (let s = 1; s <= samples; s++) {
    const next = world(routes, s);
    const t0 = performance.now();
    reconciler.update(next);
    const res = await stream.next(30_000);
    times.push(performance.now() - t0);
    ack(res, ['default/gw/8080']);
    if (res.type_url !== ROUTE_TYPE_URL) throw new Error(`expected RDS, got ${res.type_url}`);
  }
  times.sort((a, b) => a - b);
  console.log(
    `one changed AIRoute -> RDS at the client, ${routes} routes, ${samples} samples: p50 ${round(times[Math.floor(times.length / 2)] ?? NaN)} ms, max ${round(times.at(-1) ?? NaN)} ms (debounce 0; world rebuilt outside the timer)`,
  );
  stream.close();
  client.close();
  reconciler.close();
  await ads.close();
}

async function main(): Promise<void> {
  const sizesArg = process.argv.indexOf('--sizes');
  const sizes = (sizesArg >= 0 ? (process.argv[sizesArg + 1] ?? '') : '1000,10000').split(',').map(Number);
  console.log(`# controller — ${new Date().toISOString()} — ${machine()}`);
  console.log('| AIRoutes | pass | translate ms | toXds ms | encode (cache) ms | total ms | peak RSS MiB |');
  console.log('|---|---|---|---|---|---|---|');
  measureBuild(100, false); // warm-up (JIT)
  for (const n of sizes) measureBuild(n);
  await measurePropagation(sizes.at(-1) ?? 10000, 5);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

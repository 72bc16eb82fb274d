// `tollgate run -f DIR`: Tollgate on one machine. One process tree: this process runs the
// controller on the files provider and the ADS server; it supervises an extproc child and one
// data plane child per Gateway (a real `envoy` when one is on PATH or given with --envoy,
// the built-in dataplane/ otherwise). Optional built-in mock upstreams make it work offline.
// Files in DIR are watched: a change is reconciled and pushed over ADS without restarts.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseFlags, requireFlag, stringFlag } from '../args';
import { SupervisedChild } from '../child';
import { createLogger } from '../../lib/log';
import { loadResources, watchResources } from '../../controller/provider/files';
import { Reconciler } from '../../controller/reconciler';
import { SnapshotCache } from '../../controller/server/snapshot';
import { AdsServer } from '../../controller/server/ads';
import { envoyBootstrap } from '../../controller/xds/bootstrap';
import { toProto3Json } from '../../lib/proto-json';
import type { IR } from '../../controller/ir/types';
import { startMockLlm } from '../../test/fakes/mock-llm';

export async function run(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, {
    file: { type: 'string', alias: 'f' },
    'mock-llm': { type: 'list' },
    bind: { type: 'string', default: '127.0.0.1' },
    'ads-port': { type: 'string', default: '0' },
    'admin-port': { type: 'string', default: '9090' },
    envoy: { type: 'string' },
    'redis-url': { type: 'string' },
    'audit-log': { type: 'string' },
    'audit-include-bodies': { type: 'boolean' },
  });
  const dir = requireFlag(flags, 'file');
  const bind = stringFlag(flags, 'bind') ?? '127.0.0.1';
  const logger = createLogger('run');
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-run-'));
  const socket = path.join(workDir, 'extproc.sock');

  const mocks = await Promise.all(
    (flags['mock-llm'] as string[]).map((spec) => {
      const [name, port] = spec.split('=');
      if (!name || !port || !Number.isInteger(Number(port)))
        throw new Error(`--mock-llm wants name=port, got ${spec}`);
      return startMockLlm({ name, port: Number(port), host: bind });
    }),
  );

  const cache = new SnapshotCache();
  const ads = new AdsServer({ cache, logger });
  const adsPort = await ads.listen(`127.0.0.1:${stringFlag(flags, 'ads-port') ?? '0'}`);
  const adsAddress = `127.0.0.1:${adsPort}`;

  const envoyPath = stringFlag(flags, 'envoy') ?? findOnPath('envoy');
  const adminPort = stringFlag(flags, 'admin-port') ?? '9090';
  // Budget counters, audit records: extproc's own settings, passed through.
  const extprocArgs = [
    'extproc',
    '--listen',
    `unix:${socket}`,
    '--xds',
    adsAddress,
    '--admin-port',
    adminPort,
  ];
  const redisUrl = stringFlag(flags, 'redis-url');
  if (redisUrl) extprocArgs.push('--redis-url', redisUrl);
  const auditLog = stringFlag(flags, 'audit-log');
  if (auditLog) extprocArgs.push('--audit-log', auditLog);
  if (flags['audit-include-bodies'] === true) extprocArgs.push('--audit-include-bodies');
  const extproc = new SupervisedChild({ name: 'extproc', args: extprocArgs, logger });

  const dataplanes = new Map<string, SupervisedChild>();
  const ensureDataplanes = (ir: IR) => {
    const wanted = new Set(ir.gateways.map((g) => g.key));
    for (const key of wanted) {
      if (dataplanes.has(key)) continue;
      dataplanes.set(key, startDataplaneChild(key, { adsPort, bind, envoyPath, workDir, logger }));
    }
    for (const [key, child] of dataplanes) {
      if (!wanted.has(key)) {
        dataplanes.delete(key);
        void child.stop();
      }
    }
  };
  if (!envoyPath) logger.info('no envoy binary on PATH: using the built-in data plane (dataplane/)');

  const reconciler = new Reconciler({
    cache,
    logger,
    extproc: { kind: 'uds', path: socket, messageTimeoutMs: 1000 },
    onIR: ensureDataplanes,
    onStatuses: (updates) => reportStatuses(updates, logger),
  });
  const initial = loadResources(dir);
  for (const e of initial.errors) logger.warn(e);
  reconciler.update(initial.resources);
  const first = reconciler.reconcileNow();
  const watcher = watchResources(dir, (resources) => reconciler.update(resources));

  const listeners = (first?.ir.gateways ?? []).flatMap((g) =>
    g.listeners.map((l) => ({ gateway: g.key, port: l.port, protocol: l.protocol })),
  );
  await Promise.all([
    ...listeners.map((l) => waitForPort(bind, l.port)),
    waitForHttp(`http://127.0.0.1:${adminPort}/readyz`),
  ]);
  const first_ = listeners[0];
  const base = first_
    ? `${first_.protocol === 'HTTPS' ? 'https' : 'http'}://${bind}:${first_.port}`
    : undefined;
  process.stdout.write(
    [
      '',
      'Tollgate is ready.',
      ...listeners.map((l) => `  gateway ${l.gateway}: ${l.protocol.toLowerCase()}://${bind}:${l.port}`),
      `  extproc metrics: http://127.0.0.1:${adminPort}/metrics   ADS: ${adsAddress}`,
      ...mocks.map((m) => `  mock upstream: ${m.url}`),
      ...(base
        ? [
            '',
            'Try:',
            `  curl -s ${base}/v1/chat/completions -H 'content-type: application/json' \\`,
            `    -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello"}]}'`,
          ]
        : []),
      '',
    ].join('\n') + '\n',
  );

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  logger.info('shutting down: draining data planes, then extproc');
  watcher.close();
  reconciler.close();
  await Promise.all([...dataplanes.values()].map((c) => c.stop()));
  await extproc.stop();
  await ads.close();
  await Promise.all(mocks.map((m) => m.close()));
  fs.rmSync(workDir, { recursive: true, force: true });
  return 0;
}

interface DataplaneContext {
  adsPort: number;
  bind: string;
  envoyPath: string | undefined;
  workDir: string;
  logger: ReturnType<typeof createLogger>;
}

function startDataplaneChild(gatewayKey: string, ctx: DataplaneContext): SupervisedChild {
  if (ctx.envoyPath) {
    const file = path.join(ctx.workDir, `envoy-${gatewayKey.replace('/', '_')}.json`);
    const bootstrap = envoyBootstrap({
      nodeId: `run-${gatewayKey}`,
      gatewayKey,
      adsAddress: { host: '127.0.0.1', port: ctx.adsPort },
    });
    fs.writeFileSync(file, JSON.stringify(toProto3Json('envoy.config.bootstrap.v3.Bootstrap', bootstrap)));
    return new SupervisedChild({
      name: `envoy ${gatewayKey}`,
      command: ctx.envoyPath,
      args: ['-c', file, '--base-id', String(process.pid % 60000)],
      logger: ctx.logger,
    });
  }
  return new SupervisedChild({
    name: `dataplane ${gatewayKey}`,
    args: ['dataplane', '--ads', `127.0.0.1:${ctx.adsPort}`, '--gateway', gatewayKey, '--bind', ctx.bind],
    logger: ctx.logger,
  });
}

const lastReported = new Map<string, string>();

/** Local mode has no API server to write status to: conditions that are not True are logged once. */
function reportStatuses(
  updates: { kind: string; namespace?: string; name: string; status: object }[],
  logger: ReturnType<typeof createLogger>,
): void {
  for (const u of updates) {
    const problems = collectProblems(u.status);
    const id = `${u.kind} ${u.namespace ? `${u.namespace}/` : ''}${u.name}`;
    const text = problems.join('; ');
    if (lastReported.get(id) === text) continue;
    lastReported.set(id, text);
    if (problems.length > 0) logger.warn({ object: id, problems }, 'status');
  }
}

function collectProblems(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) collectProblems(v, out);
  else if (value && typeof value === 'object') {
    const c = value as { type?: unknown; status?: unknown; reason?: unknown; message?: unknown };
    const bad = c.type === 'Conflicted' ? 'True' : 'False'; // Conflicted is the one negative-polarity type
    if (typeof c.type === 'string' && (c.status === bad || c.status === 'Unknown'))
      out.push(`${c.type}=${String(c.status)} ${String(c.reason)}: ${String(c.message)}`);
    for (const v of Object.values(value)) if (v && typeof v === 'object') collectProblems(v, out);
  }
  return out;
}

function findOnPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, binary);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function waitForPort(host: string, port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
}

async function waitForHttp(url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms`);
}

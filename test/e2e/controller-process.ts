// Helpers for driving the real `tollgate controller` process in tests: spawn it against a
// kubeconfig, read its JSON log lines (the ADS port, leadership, status writes), stop it with a
// signal and see how it exited; plus seeding the fake API server with manifests and a small
// state-of-the-world xDS watcher that ACKs every response, as Envoy does.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { KINDS, type Kind } from '../../controller/api';
import { isKnownKind } from '../../controller/provider/resources';
import type { FakeApiServer } from '../fake-apiserver/server';
import type { KubeObject } from '../fake-apiserver/selectors';
import { decodeMessage } from '../../lib/protos';
import { CLI_PATH } from '../../cli/child';
import type { TestStream } from '../../controller/server/ads-test-client';
import type { DiscoveryRequest } from '../../gen/protos/envoy/service/discovery/v3/DiscoveryRequest';
import type { DiscoveryResponse__Output } from '../../gen/protos/envoy/service/discovery/v3/DiscoveryResponse';

export type LogLine = { msg?: string; level?: number; [key: string]: unknown };

export interface ControllerProcess {
  readonly identity: string;
  readonly child: ChildProcess;
  readonly logs: LogLine[];
  /** The ADS port the process reported after binding 127.0.0.1:0. */
  adsPort: number;
  /** Resolves with how the process ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Anything written to stderr (startup errors); kept for failure messages. */
  stderr(): string;
  /** SIGCONT + SIGTERM (SIGKILL after killAfterMs) and wait for the exit. */
  stop(killAfterMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Polls `check` every 25 ms until it returns a value other than undefined/false; throws after timeoutMs. */
export async function eventually<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function startControllerProcess(kubeconfig: string, identity: string, extraArgs: string[] = []) {
  const args = [
    CLI_PATH,
    'controller',
    '--kubeconfig',
    kubeconfig,
    '--ads-listen',
    '127.0.0.1:0',
    '--extproc',
    'tcp:127.0.0.1:50051',
    '--identity',
    identity,
    '--lease-namespace',
    'tollgate-system',
    ...extraArgs,
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: LogLine[] = [];
  let stderr = '';
  let buffered = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) logs.push(JSON.parse(line) as LogLine);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const proc: ControllerProcess = {
    identity,
    child,
    logs,
    adsPort: 0,
    exited,
    stderr: () => stderr,
    async stop(killAfterMs = 10_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT'); // a test may have frozen it (SIGSTOP); a no-op otherwise
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        await exited;
        clearTimeout(timer);
      }
      return exited;
    },
  };
  const exitedEarly = exited.then((how) => {
    throw new Error(`controller ${identity} exited during startup (${JSON.stringify(how)}): ${stderr}`);
  });
  exitedEarly.catch(() => undefined);
  const listening = eventually(() => logs.find((l) => l.msg === 'ADS server listening'), 'ADS port');
  const line = await Promise.race([listening, exitedEarly]).catch(async (err: unknown) => {
    await proc.stop();
    throw err;
  });
  proc.adsPort = Number(line.port);
  return proc;
}

export interface RecordingProxy {
  url: string;
  /** Every request that went through, in order. */
  requests: { method: string; path: string }[];
  close(): Promise<void>;
}

/**
 * A loopback HTTP proxy in front of the fake API server: give each replica its own, and the
 * requests it records are exactly that replica's (the fake's own log cannot tell callers apart).
 */
export async function startRecordingProxy(targetUrl: string): Promise<RecordingProxy> {
  const target = new URL(targetUrl);
  const requests: RecordingProxy['requests'] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? 'GET', path: (req.url ?? '/').split('?')[0] ?? '/' });
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Creates every object of the YAML files in `dir` in the fake API server's store. */
export function seedFromManifests(server: FakeApiServer, dir: string): KubeObject[] {
  const created: KubeObject[] = [];
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'))) {
      const obj = doc.toJS() as KubeObject | null;
      if (obj) created.push(createObject(server, obj));
    }
  }
  return created;
}

export function createObject(server: FakeApiServer, obj: KubeObject): KubeObject {
  const info = kindInfo(obj.kind);
  const namespace = info.namespaced ? (obj.metadata.namespace ?? 'default') : undefined;
  return server.store.create(info, namespace, obj);
}

export function kindInfo(kind: unknown): (typeof KINDS)[Kind] {
  if (!isKnownKind(kind)) throw new Error(`not a kind the controller watches: ${String(kind)}`);
  return KINDS[kind];
}

type Stream = TestStream<DiscoveryRequest, DiscoveryResponse__Output>;

/**
 * Reads responses of `typeUrl` from a SotW stream (ACKing each, as Envoy would) until one
 * whose decoded resources satisfy `accept`; returns those resources.
 */
export async function awaitXds(
  stream: Stream,
  node: { id: string; cluster: string },
  typeUrl: string,
  accept: (resources: Record<string, unknown>[]) => boolean,
  timeoutMs = 15_000,
): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no acceptable ${typeUrl} response within ${timeoutMs} ms`);
    const res = await stream.next(left);
    if (res.type_url !== typeUrl) continue;
    stream.send({ node, type_url: typeUrl, version_info: res.version_info, response_nonce: res.nonce });
    const resources = (res.resources ?? []).map((r) => decodeMessage(typeUrl, r.value ?? Buffer.alloc(0)));
    if (accept(resources)) return resources;
  }
}

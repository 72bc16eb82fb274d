// Starts `tollgate run` as a real process tree (controller + ADS, extproc child, data plane
// child, mock upstreams) on a private copy of an example folder with free ports, for the
// end-to-end tests. The copy can be edited by a test to exercise hot reload.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../golden';

export interface LocalTollgate {
  dir: string;
  baseURL: string;
  adminURL: string;
  output: () => string;
  /** Pids of the supervised children (from `ps`), for fault tests. */
  childPids: (match: string) => number[];
  stop: () => Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface StartOptions {
  /** The Gateway listener port written in the example (replaced by a free one). */
  gatewayPort: number;
  /** Upstream ports written in the example -> the ports of the test's own mock upstreams. */
  upstreamPorts: Record<number, number>;
  /** Edits a manifest's text before start. */
  transform?: (file: string, text: string) => string;
  /** More `tollgate run` flags (e.g. --redis-url, --audit-log). */
  extraArgs?: string[];
  /** More environment for the process tree. */
  env?: Record<string, string>;
}

/** Copies examples/NAME into a temp dir with the test's ports and starts `tollgate run` on it. */
export async function startLocalTollgate(example: string, options: StartOptions): Promise<LocalTollgate> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tollgate-e2e-${example}-`));
  const gatewayPort = await freePort();
  const adminPort = await freePort();
  const src = path.join(repoRoot(), 'examples', example);
  for (const f of fs.readdirSync(src)) {
    let text = fs.readFileSync(path.join(src, f), 'utf8');
    text = text.replaceAll(`port: ${options.gatewayPort}`, `port: ${gatewayPort}`);
    for (const [from, to] of Object.entries(options.upstreamPorts))
      text = text.replaceAll(`:${from}/`, `:${to}/`);
    fs.writeFileSync(path.join(dir, f), options.transform ? options.transform(f, text) : text);
  }
  const args = [
    path.join(repoRoot(), 'dist/cli/main.js'),
    'run',
    '-f',
    dir,
    '--admin-port',
    String(adminPort),
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TOLLGATE_LOG_LEVEL: 'info', ...options.env },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(
    child,
    () => out.includes('Tollgate is ready.'),
    () => out,
    30_000,
  );
  return {
    dir,
    baseURL: `http://127.0.0.1:${gatewayPort}/v1`,
    adminURL: `http://127.0.0.1:${adminPort}`,
    output: () => out,
    childPids: (match) => descendants(child.pid ?? 0).filter((p) => readCmdline(p).includes(match)),
    stop: async () => {
      if (child.exitCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      fs.rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

async function waitFor(
  child: ChildProcess,
  ok: () => boolean,
  output: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (child.exitCode !== null) throw new Error(`tollgate run exited with ${child.exitCode}:\n${output()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`tollgate run not ready after ${timeoutMs} ms:\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function descendants(pid: number): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry), ...descendants(Number(entry)));
    } catch {
      // process went away
    }
  }
  return out;
}

function readCmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

// A small Kubernetes REST client over node:http(s): JSON requests that fail with a typed
// KubeApiError (status code and reason from the server's Status body), and watch streams read
// as newline-delimited JSON events. Keep-alive agents, so informers and writers share sockets.
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import type { ClusterConnection, KubeConfig } from './kubeconfig';

export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

export interface ResourceInfo {
  group: string;
  version: string;
  plural: string;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Record<string, unknown>;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
}

const REQUEST_TIMEOUT_MS = 30_000;

/** /api/v1/namespaces/ns/secrets/name/status and friends. */
export function resourcePath(
  info: ResourceInfo,
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  let p = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
  if (namespace !== undefined) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${info.plural}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  if (subresource !== undefined) p += `/${subresource}`;
  return p;
}

export class KubeClient {
  private readonly conn: ClusterConnection;
  private readonly base: URL;
  private readonly agent: http.Agent;

  constructor(config: KubeConfig) {
    this.conn = config.connection();
    this.base = new URL(this.conn.server);
    const tls = this.base.protocol === 'https:';
    this.agent = tls
      ? new https.Agent({
          keepAlive: true,
          ca: this.conn.ca,
          cert: this.conn.cert,
          key: this.conn.key,
          rejectUnauthorized: !this.conn.insecureSkipTlsVerify,
          servername: this.conn.tlsServerName,
        })
      : new http.Agent({ keepAlive: true });
  }

  get defaultNamespace(): string {
    return this.conn.namespace;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.open(method, path, options, REQUEST_TIMEOUT_MS);
    const text = await readAll(res);
    if ((res.statusCode ?? 0) >= 300) throw errorFrom(res.statusCode ?? 0, text);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /**
   * Streams one watch: resolves when the server ends it (timeout, restart), rejects on a
   * transport or HTTP error. ERROR events are delivered like any other: the caller decides.
   */
  async watch(
    path: string,
    query: RequestOptions['query'],
    onEvent: (e: WatchEvent) => void,
    signal: AbortSignal,
  ) {
    // A half-open connection would hang a watch forever: give up when nothing (not even a
    // bookmark) arrived for longer than the server-side timeout we asked for, plus slack.
    const serverTimeout = Number(query?.timeoutSeconds ?? 0);
    const idleMs = serverTimeout > 0 ? (serverTimeout + 60) * 1000 : undefined;
    const res = await this.open('GET', path, { query: { ...query, watch: 1 }, signal }, idleMs);
    if ((res.statusCode ?? 0) >= 300) throw errorFrom(res.statusCode ?? 0, await readAll(res));
    res.setEncoding('utf8');
    let buffered = '';
    await new Promise<void>((resolve, reject) => {
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (!line) continue;
          try {
            onEvent(JSON.parse(line) as WatchEvent);
          } catch (err) {
            res.destroy(err instanceof Error ? err : new Error(String(err)));
            return;
          }
        }
      });
      res.on('end', resolve);
      res.on('error', reject);
      res.on('close', () =>
        res.complete ? resolve() : reject(new Error('watch stream closed before its end')),
      );
    });
  }

  close(): void {
    this.agent.destroy();
  }

  private open(
    method: string,
    path: string,
    { query, body, contentType, signal }: RequestOptions,
    timeoutMs: number | undefined,
  ): Promise<http.IncomingMessage> {
    const url = new URL(this.base.pathname.replace(/\/$/, '') + path, this.base);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = this.conn.tokenFile ? readFileSync(this.conn.tokenFile, 'utf8').trim() : this.conn.token;
    if (token) headers.authorization = `Bearer ${token}`;
    if (payload !== undefined) {
      headers['content-type'] = contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const lib = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = lib.request(url, { method, headers, agent: this.agent, signal }, resolve);
      req.on('error', reject);
      if (timeoutMs !== undefined)
        req.setTimeout(timeoutMs, () =>
          req.destroy(new Error(`${method} ${path}: timed out after ${timeoutMs} ms`)),
        );
      req.end(payload);
    });
  }
}

function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

function errorFrom(status: number, text: string): KubeApiError {
  let reason = 'Unknown';
  let message = text.slice(0, 500);
  try {
    const body = JSON.parse(text) as { reason?: unknown; message?: unknown };
    if (typeof body.reason === 'string') reason = body.reason;
    if (typeof body.message === 'string') message = body.message;
  } catch {
    // Not a Status body (a proxy in between, say): keep the raw text.
  }
  return new KubeApiError(status, reason, `${status} ${reason}: ${message}`);
}

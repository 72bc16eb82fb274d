// A fake Kubernetes API server for tests (node:http on 127.0.0.1, ephemeral port). It serves any
// group/version/plural, namespaced or cluster-scoped: list, watch, get, create, replace, patch,
// delete and the /status subresource, with the real server's resourceVersion, generation and
// conflict semantics (see store.ts, watch.ts). Test controls: compact(), closeWatches(),
// failNext(), direct store access and a request log.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { jsonPatch, mergePatch, PatchError } from './patch';
import { parseFieldSelector, parseLabelSelector, SelectorError, type KubeObject } from './selectors';
import { reasonFor, statusBody } from './status';
import { parseJson, parseObject, parseTarget, readBody, validObject, type Target } from './request';
import { ApiStatusError, ObjectStore, type ResourceRef } from './store';
import { serveWatch } from './watch';

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
  status: number;
}

export interface FakeApiServerOptions {
  /** How often a watch with allowWatchBookmarks=true gets a BOOKMARK (real servers: ~1 min). */
  bookmarkIntervalMs?: number;
}

interface Failure {
  status: number;
  match: (req: LoggedRequest) => boolean;
}

export class FakeApiServer {
  readonly store = new ObjectStore();
  readonly requests: LoggedRequest[] = [];
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  private readonly watches = new Set<{ end: () => void }>();
  private failures: Failure[] = [];
  url = '';

  constructor(private readonly options: FakeApiServerOptions = {}) {}

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    this.closeWatches();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Makes every resourceVersion before now expire: later watches from them get 410 Gone. */
  compact(): void {
    this.store.compact();
  }

  /** Ends every open watch response, as a server restart or a load balancer timeout would. */
  closeWatches(): void {
    for (const watch of [...this.watches]) watch.end();
  }

  /** The next `count` requests that `match` (default: any) fail with `status`. */
  failNext(count: number, status: number, match: (req: LoggedRequest) => boolean = () => true): void {
    for (let i = 0; i < count; i++) this.failures.push({ status, match });
  }

  openWatchCount(): number {
    return this.watches.size;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const entry: LoggedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      contentType: req.headers['content-type']?.split(';')[0],
      status: 200,
    };
    this.requests.push(entry);
    const reply = (status: number, body: unknown): void => {
      entry.status = status;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    try {
      const raw = await readBody(req);
      const failure = this.failures.findIndex((f) => f.match(entry));
      if (failure >= 0) {
        const { status } = this.failures.splice(failure, 1)[0] as Failure;
        throw new ApiStatusError(status, reasonFor(status), `injected failure (${status})`);
      }
      const target = parseTarget(url.pathname);
      if (!target)
        throw new ApiStatusError(404, 'NotFound', `the server could not find the requested resource`);
      const result = this.dispatch(entry, target, raw, url.searchParams, res);
      if (result !== undefined) reply(result.status, result.body);
    } catch (err) {
      if (err instanceof ApiStatusError) reply(err.code, statusBody(err.code, err.reason, err.message));
      else if (err instanceof PatchError) reply(422, statusBody(422, 'Invalid', err.message));
      else if (err instanceof SelectorError) reply(400, statusBody(400, 'BadRequest', err.message));
      else reply(500, statusBody(500, 'InternalError', err instanceof Error ? err.message : String(err)));
    }
  }

  /** Returns the reply, or undefined when a watch took over the response. */
  private dispatch(
    entry: LoggedRequest,
    { ref, namespace, name, subresource }: Target,
    raw: string,
    query: URLSearchParams,
    res: http.ServerResponse,
  ): { status: number; body: unknown } | undefined {
    if (subresource !== undefined && subresource !== 'status')
      throw new ApiStatusError(404, 'NotFound', `subresource ${subresource} not supported`);
    const isStatus = subresource === 'status';
    switch (entry.method) {
      case 'GET': {
        if (name !== undefined) return { status: 200, body: this.mustGet(ref, namespace, name) };
        const labels = parseLabelSelector(query.get('labelSelector') ?? undefined);
        const fields = parseFieldSelector(query.get('fieldSelector') ?? undefined);
        const matches = (o: KubeObject): boolean => labels(o) && fields(o);
        if (query.get('watch') === '1' || query.get('watch') === 'true') {
          const timeout = query.get('timeoutSeconds');
          // Registered before serving: a watch may end at once (410 Expired) and unregister itself.
          const handle = { end: (): void => undefined };
          this.watches.add(handle);
          handle.end = serveWatch(
            this.store,
            {
              ref,
              namespace,
              matches,
              resourceVersion: query.get('resourceVersion') ?? undefined,
              bookmarks: query.get('allowWatchBookmarks') === 'true',
              bookmarkIntervalMs: this.options.bookmarkIntervalMs ?? 1000,
              timeoutMs: timeout === null ? undefined : Number(timeout) * 1000,
            },
            res,
            () => this.watches.delete(handle),
          );
          return undefined;
        }
        const items = this.store.list(ref, namespace).filter(matches);
        const kind = items[0]?.kind;
        return {
          status: 200,
          body: {
            kind: kind ? `${kind}List` : 'List',
            apiVersion: ref.group ? `${ref.group}/${ref.version}` : ref.version,
            metadata: { resourceVersion: String(this.store.currentRv()) },
            items,
          },
        };
      }
      case 'POST': {
        if (name !== undefined) throw new ApiStatusError(405, 'MethodNotAllowed', 'POST to a named object');
        const body = parseObject(raw, namespace);
        return { status: 201, body: this.store.create(ref, namespace, body) };
      }
      case 'PUT': {
        if (name === undefined) throw new ApiStatusError(405, 'MethodNotAllowed', 'PUT needs an object name');
        const body = parseObject(raw, namespace);
        if (body.metadata.name !== name)
          throw new ApiStatusError(
            400,
            'BadRequest',
            'the name of the object does not match the name on the URL',
          );
        return { status: 200, body: this.store.replace(ref, namespace, body, isStatus) };
      }
      case 'PATCH': {
        if (name === undefined)
          throw new ApiStatusError(405, 'MethodNotAllowed', 'PATCH needs an object name');
        const current = this.mustGet(ref, namespace, name);
        const patch = parseJson(raw);
        let patched: unknown;
        if (entry.contentType === 'application/json-patch+json') patched = jsonPatch(current, patch);
        else if (
          entry.contentType === 'application/merge-patch+json' ||
          entry.contentType === 'application/strategic-merge-patch+json'
        )
          patched = mergePatch(current, patch);
        else
          throw new ApiStatusError(
            415,
            'UnsupportedMediaType',
            `unsupported patch type ${entry.contentType}`,
          );
        const next = validObject(patched, namespace);
        // A patch that does not name a resourceVersion applies to whatever is current.
        const rvInPatch = JSON.stringify(patch).includes('"resourceVersion"');
        if (!rvInPatch) next.metadata.resourceVersion = current.metadata.resourceVersion;
        next.metadata.name = name;
        return { status: 200, body: this.store.replace(ref, namespace, next, isStatus) };
      }
      case 'DELETE': {
        if (name === undefined)
          throw new ApiStatusError(405, 'MethodNotAllowed', 'collection DELETE not supported');
        return { status: 200, body: this.store.delete(ref, namespace, name) };
      }
      default:
        throw new ApiStatusError(405, 'MethodNotAllowed', `method ${entry.method} not allowed`);
    }
  }

  private mustGet(ref: ResourceRef, namespace: string | undefined, name: string): KubeObject {
    const found = this.store.get(ref, namespace, name);
    if (!found) throw new ApiStatusError(404, 'NotFound', `${ref.plural} "${name}" not found`);
    return found;
  }
}

export async function startFakeApiServer(options?: FakeApiServerOptions): Promise<FakeApiServer> {
  const server = new FakeApiServer(options);
  await server.listen();
  return server;
}

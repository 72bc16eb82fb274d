// One HTTP stream through the HttpConnectionManager: request headers and (buffered) body, the
// router-level ext_proc filter when configured and not disabled for the route, route matching
// (again after clear_route_cache), direct responses, the router, route header mutations, the
// route timeout and the stream idle timeout, and the response streamed back with backpressure.
// https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/http/http_connection_management
// https://www.envoyproxy.io/docs/envoy/latest/faq/configuration/timeouts#stream-timeouts
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ListenerConfig, Route, RouteTable } from '../config/types';
import type { ExtProcSession, HeaderList } from '../ext-proc/types';
import { continuedHeaders, decisionReply, filterResponse } from './ext-proc-filter';
import {
  applyHeaderOptions,
  getHeader,
  removeHeaders,
  requestHeaderList,
  setHeader,
  statusOf,
  toFlatResponseHeaders,
} from './headers';
import { LOCAL_REPLY, type ResponseSource } from './response';
import { matchRoute } from './route-match';
import { routeUpstream, type RouterContext } from './router';
import { StreamTimers } from './timers';

/** Bodies are buffered (ext_proc BUFFERED and retries need them); past this, 413 as Envoy's buffer limit. */
const MAX_REQUEST_BODY = 32 * 1024 * 1024;

export interface StreamContext extends RouterContext {
  routeTable(listener: ListenerConfig): RouteTable;
}

export async function handleStream(
  ctx: StreamContext,
  listener: ListenerConfig,
  scheme: 'http' | 'https',
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const hcm = listener.hcm;
  const abort = new AbortController();
  let session: ExtProcSession | undefined;
  let source: ResponseSource | undefined;
  abort.signal.addEventListener('abort', () => {
    session?.close();
    source?.abort();
  });
  const timers = new StreamTimers(hcm.streamIdleTimeoutMs, (which) => onTimeout(which));
  res.on('close', () => {
    timers.clear();
    if (!res.writableFinished) abort.abort(new Error('client disconnected'));
  });
  function onTimeout(which: 'idle' | 'route'): void {
    // Before the response started: a local reply; after: reset the stream.
    if (!res.headersSent)
      writeLocal(
        res,
        which === 'idle' ? LOCAL_REPLY.streamIdleTimeout() : LOCAL_REPLY.upstreamTimeout(),
        hcm.serverName,
      );
    else res.destroy();
    abort.abort(new Error(`${which} timeout`));
  }
  try {
    let headers = requestHeaders(listener, req, scheme);
    let body = await readBody(req, timers, abort.signal);
    if (abort.signal.aborted) return;
    if (body === undefined) return writeLocal(res, LOCAL_REPLY.bodyTooLarge(), hcm.serverName);
    const table = ctx.routeTable(listener);
    let route = matchRoute(table, headers);
    if (hcm.extProc && route?.extProcPerRoute?.disabled !== true) {
      session = ctx.extProcFactory({
        config: hcm.extProc,
        perRoute: route?.extProcPerRoute,
        resolveCluster: (n) => ctx.resolveCluster(n),
        attributes: {},
      });
      let d = await session.requestHeaders(headers, body.length === 0);
      if (d.kind === 'continue' && body.length > 0 && session.requestBodyMode() !== 'NONE') {
        headers = continuedHeaders(d, headers);
        if (d.clearRouteCache) route = matchRoute(table, headers);
        d = await session.requestBody(body);
        if (d.kind === 'continue') body = d.body ?? body;
      }
      if (d.kind === 'immediate') {
        session.close();
        return await writeResponse(res, decisionReply(d), hcm.serverName, timers, abort.signal);
      }
      headers = continuedHeaders(d, headers);
      if (d.clearRouteCache) route = matchRoute(table, headers);
    }
    if (abort.signal.aborted) return;
    source = await respond(ctx, route, headers, body, timers, abort.signal);
    if (abort.signal.aborted) return source.abort();
    if (session) source = await filterResponse(session, source);
    if (abort.signal.aborted) return source.abort();
    await writeResponse(res, source, hcm.serverName, timers, abort.signal);
  } catch (err) {
    if (abort.signal.aborted) return;
    ctx.logger.warn({ listener: listener.name, err: (err as Error).message }, 'stream failed');
    if (!res.headersSent && !res.destroyed) writeLocal(res, LOCAL_REPLY.filterError(), hcm.serverName);
    else res.destroy();
    abort.abort(err);
  } finally {
    session?.close();
    timers.clear();
  }
}

/** The response of the matched route, with the route's response header mutations applied. */
async function respond(
  ctx: StreamContext,
  route: Route | undefined,
  headers: HeaderList,
  body: Buffer,
  timers: StreamTimers,
  signal: AbortSignal,
): Promise<ResponseSource> {
  if (!route) return LOCAL_REPLY.noRoute();
  const action = route.action;
  let source: ResponseSource;
  if (action.kind === 'direct') {
    source = directReply(action.status, action.body);
  } else {
    if (action.idleTimeoutMs !== undefined) timers.setIdleTimeout(action.idleTimeoutMs);
    // The route timeout spans from the end of the request to the end of the response.
    timers.startRouteTimeout(action.timeoutMs);
    const upstreamHeaders = applyHeaderOptions(
      removeHeaders(headers, route.requestHeadersToRemove),
      route.requestHeadersToAdd,
    );
    source = await routeUpstream(ctx, action, upstreamHeaders, body, signal);
  }
  const mutated = applyHeaderOptions(
    removeHeaders(source.headers, route.responseHeadersToRemove),
    route.responseHeadersToAdd,
  );
  return { ...source, headers: mutated };
}

function directReply(status: number, body: string): ResponseSource {
  const bytes = Buffer.from(body);
  return {
    headers: [
      [':status', String(status)],
      ...(bytes.length ? ([['content-type', 'text/plain']] as HeaderList) : []),
      ['content-length', String(bytes.length)],
    ],
    body: bytes.length ? [bytes] : [],
    endOfStream: bytes.length === 0,
    abort: () => undefined,
    details: 'direct_response',
  };
}

function requestHeaders(
  listener: ListenerConfig,
  req: IncomingMessage,
  scheme: 'http' | 'https',
): HeaderList {
  let headers = requestHeaderList(req.method ?? 'GET', req.url ?? '/', scheme, req.rawHeaders);
  const hcm = listener.hcm;
  if (hcm.stripAnyHostPort)
    headers = setHeader(headers, ':authority', (getHeader(headers, ':authority') ?? '').replace(/:\d+$/, ''));
  if (hcm.useRemoteAddress) {
    const remote = req.socket.remoteAddress ?? '';
    const prior = getHeader(headers, 'x-forwarded-for');
    headers = setHeader(headers, 'x-forwarded-for', prior ? `${prior},${remote}` : remote);
    headers = setHeader(headers, 'x-forwarded-proto', scheme);
  } else if (getHeader(headers, 'x-forwarded-proto') === undefined)
    headers = [...headers, ['x-forwarded-proto', scheme]];
  if (getHeader(headers, 'x-request-id') === undefined)
    headers = [...headers, ['x-request-id', randomUUID()]];
  return headers;
}

async function readBody(
  req: IncomingMessage,
  timers: StreamTimers,
  signal: AbortSignal,
): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      timers.touch();
      size += (chunk as Buffer).length;
      if (size > MAX_REQUEST_BODY) return undefined;
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  }
  return Buffer.concat(chunks);
}

function writeLocal(res: ServerResponse, source: ResponseSource, serverName: string): void {
  if (res.headersSent || res.destroyed) return;
  const body = Array.isArray(source.body) ? Buffer.concat(source.body as Buffer[]) : Buffer.alloc(0);
  res.writeHead(statusOf(source.headers), responseHead(source.headers, serverName));
  res.end(body);
}

/** Envoy overwrites the server header with the HCM's server_name (server_header_transformation OVERWRITE). */
function responseHead(headers: HeaderList, serverName: string): string[] {
  return [...toFlatResponseHeaders(headers.filter(([n]) => n !== 'server')), 'server', serverName];
}

/** Writes headers, then pulls body chunks only as fast as the client takes them. */
async function writeResponse(
  res: ServerResponse,
  source: ResponseSource,
  serverName: string,
  timers: StreamTimers,
  signal: AbortSignal,
): Promise<void> {
  if (res.headersSent || res.destroyed) return source.abort();
  res.writeHead(statusOf(source.headers), responseHead(source.headers, serverName));
  timers.touch();
  try {
    for await (const chunk of source.body) {
      if (signal.aborted) break;
      timers.touch();
      if (chunk.length === 0) continue;
      if (!res.write(chunk)) await drained(res);
    }
  } catch (err) {
    // The upstream went away mid-body: Envoy resets the downstream stream too.
    res.destroy();
    if (!signal.aborted) throw err;
    return;
  }
  if (!signal.aborted) res.end();
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

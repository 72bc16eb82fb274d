// One HTTP stream through the HttpConnectionManager: request headers and (buffered) body, the
// jwt_authn filter (dynamic metadata for ext_proc), the router-level ext_proc filter when
// configured and not disabled for the route (with connection attributes), route matching
// (again after clear_route_cache), direct responses, the router, route header mutations, the
// route timeout and the stream idle timeout, and the response streamed back with backpressure.
// https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/http/http_connection_management
// https://www.envoyproxy.io/docs/envoy/latest/faq/configuration/timeouts#stream-timeouts
import type { IncomingMessage, ServerResponse } from 'node:http';
import { JWT_METADATA_NAMESPACE } from '../../lib/headers';
import type { ListenerConfig, Route, RouteTable } from '../config/types';
import type { ExtProcSession, HeaderList } from '../ext-proc/types';
import { authenticateJwt } from '../jwt/authenticate';
import type { KeySets } from '../jwt/key-sets';
import { connectionAttributes } from './connection-attributes';
import { filterRequest, filterResponse } from './ext-proc-filter';
import { readBody, requestHeaders, writeLocal, writeResponse } from './downstream';
import { applyHeaderOptions, getHeader, removeHeaders, setHeader } from './headers';
import { normalizeRequestPath } from './path-normalize';
import { LOCAL_REPLY, type ResponseSource } from './response';
import { matchRoute } from './route-match';
import { routeUpstream, type RouterContext } from './router';
import { StreamTimers } from './timers';

export interface StreamContext extends RouterContext {
  routeTable(listener: ListenerConfig): RouteTable;
  /** JWKS of the jwt_authn providers, kept across listener updates. */
  keySets: KeySets;
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
    // normalize_path / merge_slashes: before any filter or route sees the path (upstream too).
    const path = normalizeRequestPath(getHeader(headers, ':path') ?? '/', hcm);
    if (path === undefined) return writeLocal(res, LOCAL_REPLY.badPath(), hcm.serverName);
    headers = setHeader(headers, ':path', path);
    let body = await readBody(req, timers, abort.signal, listener.bufferLimitBytes);
    if (abort.signal.aborted) return;
    if (body === undefined) return writeLocal(res, LOCAL_REPLY.bodyTooLarge(), hcm.serverName);
    // Dynamic metadata of this stream, by namespace, as filters write it.
    const dynamicMetadata: Record<string, Record<string, unknown>> = {};
    if (hcm.jwtAuthn) {
      const jwt = await authenticateJwt(hcm.jwtAuthn, headers, ctx.keySets);
      if (abort.signal.aborted) return;
      headers = jwt.headers;
      if (Object.keys(jwt.metadata).length > 0) dynamicMetadata[JWT_METADATA_NAMESPACE] = jwt.metadata;
    }
    const table = ctx.routeTable(listener);
    let route = matchRoute(table, headers);
    if (hcm.extProc && route?.extProcPerRoute?.disabled !== true) {
      session = ctx.extProcFactory({
        config: hcm.extProc,
        perRoute: route?.extProcPerRoute,
        resolveCluster: (n) => ctx.resolveCluster(n),
        attributes: connectionAttributes(req.socket),
        dynamicMetadata,
      });
      const outcome = await filterRequest(session, headers, body, listener.bufferLimitBytes);
      if (outcome.kind === 'immediate') {
        session.close();
        return await writeResponse(res, outcome.reply, hcm.serverName, timers, abort.signal);
      }
      ({ headers, body } = outcome);
      // clear_route_cache: the route is matched again on the mutated headers.
      if (outcome.clearRouteCache) route = matchRoute(table, headers);
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
  let mutated = applyHeaderOptions(
    removeHeaders(source.headers, route.responseHeadersToRemove),
    route.responseHeadersToAdd,
  );
  // Like Envoy's local replies, a body gets text/plain only when the route set no content-type.
  if (action.kind === 'direct' && action.body && !mutated.some(([n]) => n === 'content-type'))
    mutated = [...mutated, ['content-type', 'text/plain']];
  return { ...source, headers: mutated };
}

function directReply(status: number, body: string): ResponseSource {
  const bytes = Buffer.from(body);
  return {
    headers: [
      [':status', String(status)],
      ['content-length', String(bytes.length)],
    ],
    body: bytes.length ? [bytes] : [],
    endOfStream: bytes.length === 0,
    abort: () => undefined,
    details: 'direct_response',
  };
}

// The downstream side of a stream: the request as the filters see it (pseudo-headers, the
// x-forwarded-* and x-request-id headers Envoy adds, the buffered body) and the response
// written back to the client, pulled chunk by chunk so the client's pace reaches the upstream.
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ListenerConfig } from '../config/types';
import type { HeaderList } from '../ext-proc/types';
import { getHeader, requestHeaderList, setHeader, statusOf, toFlatResponseHeaders } from './headers';
import type { ResponseSource } from './response';
import type { StreamTimers } from './timers';

/**
 * The data plane buffers every body (retries need it; Envoy streams where no filter buffers), so
 * it has a cap of its own: a listener's per_connection_buffer_limit_bytes when larger. Where a
 * filter buffers (ext_proc BUFFERED), the listener's limit applies, as in Envoy.
 */
const MAX_REQUEST_BODY = 32 * 1024 * 1024;

export function requestHeaders(
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

export async function readBody(
  req: IncomingMessage,
  timers: StreamTimers,
  signal: AbortSignal,
  bufferLimitBytes = 0,
): Promise<Buffer | undefined> {
  const max = Math.max(MAX_REQUEST_BODY, bufferLimitBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      timers.touch();
      size += (chunk as Buffer).length;
      if (size > max) return undefined;
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  }
  return Buffer.concat(chunks);
}

export function writeLocal(res: ServerResponse, source: ResponseSource, serverName: string): void {
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
export async function writeResponse(
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
      // The last chunk goes out with the end of the response in one write.
      if (source.bodyComplete?.()) {
        res.end(chunk);
        continue;
      }
      if (!res.write(chunk)) await drained(res);
    }
  } catch (err) {
    // The upstream went away mid-body: Envoy resets the downstream stream too.
    res.destroy();
    if (!signal.aborted) throw err;
    return;
  }
  if (!signal.aborted && !res.writableEnded) res.end();
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

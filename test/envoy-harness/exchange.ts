// Drives one whole HTTP request through extproc the way Envoy does with Tollgate's rendered
// config: router level (request headers, buffered body), then an upstream-level stream for the
// attempt (with the chosen endpoint's metadata as an attribute), a fake upstream, and the
// response back through the upstream level and then the router level (streamed body).
import { xdsRoot } from '../../lib/protos';
import type { ProcessingResponse__Output } from '../../gen/protos/envoy/service/ext_proc/v3/ProcessingResponse';
import type { CommonResponse__Output } from '../../gen/protos/envoy/service/ext_proc/v3/CommonResponse';
import {
  applyHeaderMutation,
  headerMap,
  upstreamHostAttributes,
  type ExtProcClient,
  type ExtProcStream,
  type HeaderMap,
} from './ext-proc-client';

export interface FakeUpstreamResponse {
  status: number;
  headers?: Record<string, string>;
  chunks: Array<string | Buffer>;
}

export interface ExchangeOptions {
  gateway: string;
  /** Client request headers, pseudo-headers included (:method, :path, :authority). */
  headers: Record<string, string>;
  body?: string | Buffer;
  /** The AIBackend key of the endpoint the load balancer picks. */
  backend: string;
  attributeShape?: 'text' | 'struct';
  upstream(req: { headers: HeaderMap; body: Buffer }): FakeUpstreamResponse;
  /** Reset the router-level stream after this many response chunks (client disconnect). */
  disconnectAfterChunks?: number;
}

export interface ExchangeResult {
  status: number;
  headers: HeaderMap;
  body: Buffer;
  immediate?: { level: 'router' | 'upstream'; details: string };
  clearRouteCache: boolean;
  /** What the provider received. */
  upstreamRequest?: { headers: HeaderMap; body: Buffer };
  /** The upstream level's response body mode after its mode_override. */
  upstreamResponseBodyMode: string;
  /** Router-level request headers after mutation (what Envoy routes on). */
  routedHeaders: HeaderMap;
}

let statusCodes: Map<string, number> | undefined;

/** ImmediateResponse.status.code arrives as the enum name (enums: String); map it back. */
export function statusNumber(code: string | number | undefined): number {
  if (typeof code === 'number') return code;
  statusCodes ??= new Map(Object.entries(xdsRoot().lookupEnum('envoy.type.v3.StatusCode').values));
  return statusCodes.get(code ?? '') ?? 0;
}

function common(r: ProcessingResponse__Output): CommonResponse__Output | undefined {
  const phase = r.request_headers ?? r.request_body ?? r.response_headers ?? r.response_body;
  return phase?.response ?? undefined;
}

function immediate(
  r: ProcessingResponse__Output,
  level: 'router' | 'upstream',
  routed: HeaderMap,
): ExchangeResult {
  const i = r.immediate_response;
  const headers: HeaderMap = new Map();
  applyHeaderMutation(headers, i?.headers);
  return {
    status: statusNumber(i?.status?.code),
    headers,
    body: i?.body ?? Buffer.alloc(0),
    immediate: { level, details: i?.details ?? '' },
    clearRouteCache: false,
    upstreamResponseBodyMode: 'STREAMED',
    routedHeaders: routed,
  };
}

async function sendBody(
  stream: ExtProcStream,
  headers: HeaderMap,
  body: Buffer,
): Promise<ProcessingResponse__Output> {
  const r = await stream.send({ request_body: { body, end_of_stream: true } });
  applyHeaderMutation(headers, common(r)?.header_mutation);
  return r;
}

export async function exchange(client: ExtProcClient, o: ExchangeOptions): Promise<ExchangeResult> {
  const reqHeaders: HeaderMap = new Map(Object.entries(o.headers));
  let body: Buffer | undefined = o.body === undefined ? undefined : Buffer.from(o.body);
  const router = client.open('router', o.gateway);
  try {
    let r = await router.send({
      request_headers: { ...headerMap(reqHeaders), end_of_stream: body === undefined },
    });
    if (r.immediate_response) return immediate(r, 'router', reqHeaders);
    applyHeaderMutation(reqHeaders, common(r)?.header_mutation);
    let clearRouteCache = false;
    if (body !== undefined) {
      r = await sendBody(router, reqHeaders, body);
      if (r.immediate_response) return immediate(r, 'router', reqHeaders);
      body = common(r)?.body_mutation?.body ?? body;
      clearRouteCache = common(r)?.clear_route_cache === true;
    }
    const routed = new Map(reqHeaders);

    // The attempt: upstream-level ext_proc sees the routed request.
    const upstream = client.open('upstream');
    const upHeaders = new Map(reqHeaders);
    let u = await upstream.send({
      request_headers: { ...headerMap(upHeaders), end_of_stream: body === undefined },
      attributes: upstreamHostAttributes(o.backend, o.attributeShape),
    });
    if (u.immediate_response) {
      upstream.end();
      return immediate(u, 'upstream', routed);
    }
    applyHeaderMutation(upHeaders, common(u)?.header_mutation);
    let upBody: Buffer = body ?? Buffer.alloc(0);
    if (body !== undefined) {
      u = await sendBody(upstream, upHeaders, upBody);
      if (u.immediate_response) {
        upstream.end();
        return immediate(u, 'upstream', routed);
      }
      upBody = common(u)?.body_mutation?.body ?? upBody;
    }
    const upstreamRequest = { headers: upHeaders, body: upBody };
    const reply = o.upstream(upstreamRequest);
    const chunks: Buffer[] = reply.chunks.map((c) => Buffer.from(c));
    const respHeaders: HeaderMap = new Map([
      [':status', String(reply.status)],
      ...Object.entries(reply.headers ?? {}),
    ]);
    u = await upstream.send({
      response_headers: { ...headerMap(respHeaders), end_of_stream: chunks.length === 0 },
    });
    applyHeaderMutation(respHeaders, common(u)?.header_mutation);
    const upstreamResponseBodyMode = u.mode_override?.response_body_mode ?? 'STREAMED';
    if (upstreamResponseBodyMode === 'STREAMED') {
      for (let i = 0; i < chunks.length; i++) {
        u = await upstream.send({
          response_body: { body: chunks[i], end_of_stream: i === chunks.length - 1 },
        });
        chunks[i] = common(u)?.body_mutation?.body ?? (chunks[i] as Buffer);
      }
    }
    upstream.end();

    // Back through the router level.
    r = await router.send({
      response_headers: { ...headerMap(respHeaders), end_of_stream: chunks.length === 0 },
    });
    applyHeaderMutation(respHeaders, common(r)?.header_mutation);
    const out: Buffer[] = [];
    for (let i = 0; i < chunks.length; i++) {
      if (o.disconnectAfterChunks !== undefined && i >= o.disconnectAfterChunks) {
        router.cancel();
        break;
      }
      r = await router.send({ response_body: { body: chunks[i], end_of_stream: i === chunks.length - 1 } });
      const mutation = common(r)?.body_mutation;
      out.push(mutation?.body ?? (mutation?.clear_body ? Buffer.alloc(0) : (chunks[i] as Buffer)));
    }
    return {
      status: reply.status,
      headers: respHeaders,
      body: Buffer.concat(out),
      clearRouteCache,
      upstreamRequest,
      upstreamResponseBodyMode,
      routedHeaders: routed,
    };
  } finally {
    router.end();
  }
}

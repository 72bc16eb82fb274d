// Small builders and readers for ext_proc ProcessingRequest/ProcessingResponse messages, so the
// per-phase processors speak in headers and bodies instead of proto plumbing. Header values are
// written as raw_value bytes, as Envoy prefers (value and raw_value are mutually exclusive).
import type { ProcessingRequest__Output } from '../gen/protos/envoy/service/ext_proc/v3/ProcessingRequest';
import type { ProcessingResponse } from '../gen/protos/envoy/service/ext_proc/v3/ProcessingResponse';
import type { HeaderMap__Output } from '../gen/protos/envoy/config/core/v3/HeaderMap';
import type { HeaderMutation } from '../gen/protos/envoy/service/ext_proc/v3/HeaderMutation';
import type { ProcessingMode } from '../gen/protos/envoy/extensions/filters/http/ext_proc/v3/ProcessingMode';
import { GatewayError } from '../lib/errors';
import type { StatusCode } from '../gen/protos/envoy/type/v3/StatusCode';

export type { ProcessingRequest__Output as ProcessingRequest, ProcessingResponse };

/** Lowercase header name -> value (repeated headers joined with ","; Envoy sends lowercase). */
export type Headers = Map<string, string>;

export function readHeaders(map: HeaderMap__Output | undefined): Headers {
  const headers: Headers = new Map();
  for (const h of map?.headers ?? []) {
    const name = (h.key ?? '').toLowerCase();
    const value = h.raw_value && h.raw_value.length > 0 ? h.raw_value.toString('utf8') : (h.value ?? '');
    const prior = headers.get(name);
    headers.set(name, prior === undefined ? value : `${prior},${value}`);
  }
  return headers;
}

/** Accumulates header changes for one response. */
export class Mutation {
  readonly set: Array<[string, string]> = [];
  readonly remove: string[] = [];

  setHeader(name: string, value: string): this {
    this.set.push([name, value]);
    return this;
  }

  removeHeader(name: string): this {
    this.remove.push(name);
    return this;
  }

  get empty(): boolean {
    return this.set.length === 0 && this.remove.length === 0;
  }

  toProto(): HeaderMutation | undefined {
    if (this.empty) return undefined;
    return {
      set_headers: this.set.map(([key, value]) => ({
        header: { key, raw_value: Buffer.from(value) },
        append_action: 'OVERWRITE_IF_EXISTS_OR_ADD',
      })),
      remove_headers: this.remove,
    };
  }
}

export type Phase = 'request_headers' | 'request_body' | 'response_headers' | 'response_body';

export interface ContinueOptions {
  mutation?: Mutation;
  body?: Buffer;
  clearRouteCache?: boolean;
  modeOverride?: ProcessingMode;
}

/** A CONTINUE answer to the message of `phase` (trailers get TrailersResponse elsewhere). */
export function continueResponse(phase: Phase, options: ContinueOptions = {}): ProcessingResponse {
  const common = {
    status: 'CONTINUE' as const,
    header_mutation: options.mutation?.toProto(),
    body_mutation: options.body ? { body: options.body } : undefined,
    clear_route_cache: options.clearRouteCache === true ? true : undefined,
  };
  const response: ProcessingResponse = { [phase]: { response: common } };
  if (options.modeOverride) response.mode_override = options.modeOverride;
  return response;
}

/** Ends the HTTP exchange with this status and body (Envoy answers the client itself). */
export function immediateResponse(status: number, body: string, details: string): ProcessingResponse {
  return {
    immediate_response: {
      // The generated enum type lists only known codes; Envoy accepts any HTTP status number.
      status: { code: status as StatusCode },
      headers: new Mutation().setHeader('content-type', 'application/json').toProto(),
      body: Buffer.from(body),
      details,
    },
  };
}

export function errorResponse(error: GatewayError): ProcessingResponse {
  const response = immediateResponse(error.status, error.toBody(), `tollgate_${error.code}`);
  const extra = Object.entries(error.headers);
  if (extra.length > 0 && response.immediate_response?.headers?.set_headers) {
    for (const [key, value] of extra) {
      response.immediate_response.headers.set_headers.push({
        header: { key, raw_value: Buffer.from(value) },
        append_action: 'OVERWRITE_IF_EXISTS_OR_ADD',
      });
    }
  }
  return response;
}

/** Which message a request carries (proto-loader's oneof virtual field, with a fallback). */
export function messageKind(req: ProcessingRequest__Output): ProcessingRequest__Output['request'] {
  if (req.request) return req.request;
  if (req.request_headers) return 'request_headers';
  if (req.request_body) return 'request_body';
  if (req.response_headers) return 'response_headers';
  if (req.response_body) return 'response_body';
  if (req.request_trailers) return 'request_trailers';
  if (req.response_trailers) return 'response_trailers';
  return undefined;
}

/** An answer now, or later (the router level waits on budgets, webhooks and the tokenizer). */
export type Reply = ProcessingResponse | Promise<ProcessingResponse>;

/** The four phases a processor answers; trailers pass through (Tollgate never asks for them). */
export interface PhaseHandlers<R extends Reply = ProcessingResponse> {
  requestHeaders(req: ProcessingRequest__Output): R;
  requestBody(chunk: Buffer, endOfStream: boolean, req: ProcessingRequest__Output): R;
  responseHeaders(req: ProcessingRequest__Output): R;
  responseBody(chunk: Buffer, endOfStream: boolean): R;
}

/** Routes one ext_proc message to its phase; an empty message throws (internal_error). */
export function dispatchPhase<R extends Reply>(
  req: ProcessingRequest__Output,
  handlers: PhaseHandlers<R>,
): R | ProcessingResponse {
  const kind = messageKind(req);
  switch (kind) {
    case 'request_headers':
      return handlers.requestHeaders(req);
    case 'request_body':
      return handlers.requestBody(
        req.request_body?.body ?? Buffer.alloc(0),
        req.request_body?.end_of_stream === true,
        req,
      );
    case 'response_headers':
      return handlers.responseHeaders(req);
    case 'response_body':
      return handlers.responseBody(
        req.response_body?.body ?? Buffer.alloc(0),
        req.response_body?.end_of_stream === true,
      );
    case 'request_trailers':
    case 'response_trailers':
      return passThrough(kind);
    case undefined:
      throw new GatewayError('internal_error', 'Empty ext_proc message.');
  }
}

/** The answer that lets a message through unchanged (used for trailers and unexpected phases). */
export function passThrough(kind: NonNullable<ProcessingRequest__Output['request']>): ProcessingResponse {
  switch (kind) {
    case 'request_trailers':
    case 'response_trailers':
      return { [kind]: {} };
    case 'request_headers':
    case 'request_body':
    case 'response_headers':
    case 'response_body':
      return continueResponse(kind);
  }
}

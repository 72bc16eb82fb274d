// Router-level processing of one client request (docs/architecture.md, "How a request finds
// its backend"): strip client-supplied x-tollgate-* headers, parse the buffered body once,
// pick the AIRoute rule and set the routing header (or answer /v1/models and every error
// itself), then watch the response go by: read and remove the upstream level's headers, pass
// the streamed body through (minus the usage chunk the client did not ask for), count usage.
import { GatewayError } from '../../lib/errors';
import { BACKEND_HEADER, ROUTE_HEADER, UPSTREAM_MODEL_HEADER, isInternalHeader } from '../../lib/headers';
import { JsonCollector } from '../json-collector';
import {
  Mutation,
  continueResponse,
  errorResponse,
  immediateResponse,
  dispatchPhase,
  type PhaseHandlers,
  readHeaders,
  type Headers,
  type ProcessingRequest,
  type ProcessingResponse,
} from '../messages';
import { OPERATION_NAME, checkContentType, endpointOf, parseRequest, type Endpoint } from '../request';
import { listModels, selectRoute } from '../routing';
import { SseScanner } from '../sse';
import { RequestRecord } from './accounting';
import type { EndReason, StreamContext, StreamProcessor } from './types';

export class RouterProcessor implements StreamProcessor {
  private readonly record: RequestRecord;
  private headers: Headers = new Map();
  private endpoint: Endpoint | undefined;
  private bodyChunks: Buffer[] = [];
  private bodySize = 0;
  private dropUsageChunk = false;
  private sse: SseScanner | undefined;
  private json: JsonCollector | undefined;

  constructor(private readonly ctx: StreamContext) {
    this.record = new RequestRecord(ctx);
  }

  private readonly phases: PhaseHandlers = {
    requestHeaders: (req) => this.onRequestHeaders(req),
    requestBody: (chunk, end) => this.onRequestBody(chunk, end),
    responseHeaders: (req) => this.onResponseHeaders(req),
    responseBody: (chunk, end) => this.onResponseBody(chunk, end),
  };

  process(req: ProcessingRequest): ProcessingResponse {
    try {
      return dispatchPhase(req, this.phases);
    } catch (err) {
      return this.refuse(err instanceof GatewayError ? err : this.internal(err));
    }
  }

  end(reason: EndReason): void {
    // Envoy keeps the stream open until the response has ended, so a stream that ends (even by
    // a plain half-close) before the response did means the client went away.
    if (!this.record.finished)
      this.record.errorType ||= reason === 'error' ? 'stream_error' : 'client_disconnected';
    this.finishResponse();
  }

  private onRequestHeaders(req: ProcessingRequest): ProcessingResponse {
    this.headers = readHeaders(req.request_headers?.headers);
    const config = this.ctx.config;
    if (!config) throw new GatewayError('processor_unavailable', 'The gateway has no configuration yet.');
    const path = this.headers.get(':path') ?? '';
    const method = this.headers.get(':method') ?? 'GET';
    this.endpoint = endpointOf(path);
    if (!this.endpoint) throw new GatewayError('route_not_found', `Unknown API path ${path.split('?')[0]}.`);
    this.record.operation = OPERATION_NAME[this.endpoint];
    if (this.endpoint === 'models') {
      if (method !== 'GET') throw new GatewayError('invalid_request', 'Use GET to list models.');
      const ids = listModels(config, this.ctx.gateway ?? '', this.authority(), this.headers);
      const data = ids.map((id) => ({ id, object: 'model', created: 0, owned_by: 'tollgate' }));
      this.record.status = 200;
      return immediateResponse(200, JSON.stringify({ object: 'list', data }), 'tollgate_models');
    }
    if (method !== 'POST') throw new GatewayError('invalid_request', `Use POST for ${path.split('?')[0]}.`);
    checkContentType(this.headers.get('content-type'));
    const length = Number(this.headers.get('content-length') ?? '0');
    if (length > config.limits.maxRequestBodyBytes) throw this.tooLarge();
    if (req.request_headers?.end_of_stream)
      throw new GatewayError('invalid_json', 'The request has no body.');
    const mutation = new Mutation();
    for (const name of this.headers.keys()) if (isInternalHeader(name)) mutation.removeHeader(name);
    return continueResponse('request_headers', { mutation });
  }

  private onRequestBody(chunk: Buffer, endOfStream: boolean | undefined): ProcessingResponse {
    const config = this.ctx.config;
    if (!config || !this.endpoint) throw new GatewayError('internal_error', 'Request body before headers.');
    this.bodySize += chunk.length;
    if (this.bodySize > config.limits.maxRequestBodyBytes) throw this.tooLarge();
    if (chunk.length > 0) this.bodyChunks.push(chunk);
    if (!endOfStream) return continueResponse('request_body');
    const raw =
      this.bodyChunks.length === 1 ? (this.bodyChunks[0] as Buffer) : Buffer.concat(this.bodyChunks);
    this.bodyChunks = [];
    const parsed = parseRequest(this.endpoint, raw);
    this.record.requestModel = parsed.model;
    this.record.streamed = parsed.stream;
    this.record.requestBody = parsed.body;
    this.dropUsageChunk = parsed.stream && !parsed.clientIncludeUsage;
    const route = selectRoute(config, this.ctx.gateway ?? '', this.authority(), parsed.model, this.headers);
    if (!route) {
      throw new GatewayError(
        'model_not_found',
        `The model \`${parsed.model}\` does not exist or you do not have access to it.`,
        'model',
      );
    }
    this.record.route = route.key;
    const mutation = new Mutation().setHeader(ROUTE_HEADER, route.key);
    return continueResponse('request_body', { mutation, clearRouteCache: true });
  }

  private onResponseHeaders(req: ProcessingRequest): ProcessingResponse {
    const headers = readHeaders(req.response_headers?.headers);
    this.record.status = Number(headers.get(':status') ?? '0');
    this.record.backend = headers.get(BACKEND_HEADER) ?? '';
    this.record.responseModel = headers.get(UPSTREAM_MODEL_HEADER) ?? '';
    const mutation = new Mutation();
    for (const name of headers.keys()) if (isInternalHeader(name)) mutation.removeHeader(name);
    const contentType = headers.get('content-type') ?? '';
    if (contentType.startsWith('text/event-stream')) {
      this.sse = new SseScanner(this.dropUsageChunk);
      // Dropping a chunk changes the length; streams rarely carry one, but never send a wrong one.
      if (this.dropUsageChunk && headers.has('content-length')) mutation.removeHeader('content-length');
    } else {
      this.json = new JsonCollector();
    }
    if (req.response_headers?.end_of_stream) this.finishResponse();
    return continueResponse('response_headers', { mutation });
  }

  private onResponseBody(chunk: Buffer, endOfStream: boolean | undefined): ProcessingResponse {
    if (this.record.firstChunkAt === undefined && chunk.length > 0) this.record.firstChunkAt = this.ctx.now();
    let replacement: Buffer | undefined;
    if (this.sse) replacement = this.sse.push(chunk, endOfStream === true).replacement;
    else this.json?.push(chunk);
    if (endOfStream) this.finishResponse();
    return continueResponse('response_body', { body: replacement });
  }

  /** Reads usage from what the response carried, then records the request (once). */
  private finishResponse(): void {
    if (this.sse) {
      this.record.usage = this.sse.usage;
      this.record.responseModel ||= this.sse.model ?? '';
      this.record.completionText = this.sse.text;
      this.sse = undefined;
    } else if (this.json) {
      const { usage, model, text } = this.json.finish();
      this.record.usage = usage;
      this.record.responseModel ||= model ?? '';
      this.record.completionText = text;
      this.json = undefined;
    }
    this.record.finish();
  }

  private refuse(error: GatewayError): ProcessingResponse {
    this.record.status = error.status;
    this.record.errorType = error.code;
    this.bodyChunks = [];
    this.record.finish();
    return errorResponse(error);
  }

  private internal(err: unknown): GatewayError {
    this.ctx.logger.error({ err }, 'router-level processing failed');
    return new GatewayError('internal_error', 'The gateway failed to process the request.');
  }

  private tooLarge(): GatewayError {
    const limit = this.ctx.config?.limits.maxRequestBodyBytes ?? 0;
    return new GatewayError('body_too_large', `The request body exceeds the limit of ${limit} bytes.`);
  }

  private authority(): string {
    return this.headers.get(':authority') ?? this.headers.get('host') ?? '';
  }
}

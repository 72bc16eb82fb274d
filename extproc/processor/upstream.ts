// Upstream-level processing of one attempt (docs/architecture.md): the rule comes from the
// routing header, the backend from the chosen endpoint's metadata; the backend's Translator
// rewrites path, Host, credentials and body. Every x-tollgate-* header and the client's own
// credentials are removed before the provider sees the request; the response tells the router
// level which backend and model served it. When the backend's schema is not OpenAI's, the
// response body stays STREAMED through this level and is translated chunk by chunk. The body
// phase may answer asynchronously: SigV4 signing and OAuth token fetches happen there, over the
// final body. Parameters the backend cannot honour follow the route's unsupportedParameters
// policy: rejected with a 400 by the translator, or dropped and named in the tollgate-warning
// response header set here (the router level passes it to the client).
import { GatewayError } from '../../lib/errors';
import {
  BACKEND_HEADER,
  RESPONSE_HEADER,
  ROUTE_HEADER,
  UPSTREAM_MODEL_HEADER,
  isInternalHeader,
} from '../../lib/headers';
import type { BackendConfig, RouteConfig } from '../config/schema';
import {
  Mutation,
  continueResponse,
  errorResponse,
  dispatchPhase,
  type PhaseHandlers,
  passThrough,
  type Reply,
  readHeaders,
  type ProcessingRequest,
  type ProcessingResponse,
} from '../messages';
import { translatorFor } from '../providers';
import type { RequestTranslation, ResponseTranslator } from '../providers/translator';
import { UnsupportedParameters } from '../providers/unsupported';
import { endpointOf, parseRequest, type Endpoint } from '../request';
import { upstreamBackendKey } from '../upstream-host';
import type { EndReason, StreamContext, StreamProcessor } from './types';

/** Client credentials that must never reach a provider (we inject the backend's own). */
const CLIENT_AUTH_HEADERS = ['authorization', 'api-key', 'x-api-key'];

export class UpstreamProcessor implements StreamProcessor {
  private backend: BackendConfig | undefined;
  private modelOverride: string | undefined;
  private endpoint: Endpoint | undefined;
  private upstreamModel = '';
  private bodyChunks: Buffer[] = [];
  private clientPath = '';
  private responseTranslator: ResponseTranslator | undefined;
  private unsupported = new UnsupportedParameters();

  constructor(private readonly ctx: StreamContext) {}

  private readonly phases: PhaseHandlers<Reply> = {
    requestHeaders: (req) => this.onRequestHeaders(req),
    requestBody: (chunk, end) => this.onRequestBody(chunk, end),
    responseHeaders: (req) => this.onResponseHeaders(req),
    responseBody: (chunk, end) => this.onResponseBody(chunk, end),
  };

  process(req: ProcessingRequest): Reply {
    try {
      const reply = dispatchPhase(req, this.phases);
      return reply instanceof Promise ? reply.catch((err: unknown) => this.failed(err)) : reply;
    } catch (err) {
      return this.failed(err);
    }
  }

  private failed(err: unknown): ProcessingResponse {
    if (err instanceof GatewayError) return errorResponse(err);
    this.ctx.logger.error({ err }, 'upstream-level processing failed');
    return errorResponse(
      new GatewayError('internal_error', 'The gateway failed to prepare the upstream request.'),
    );
  }

  end(_reason: EndReason): void {
    this.bodyChunks = [];
    this.responseTranslator = undefined;
  }

  private onRequestHeaders(req: ProcessingRequest): ProcessingResponse {
    const config = this.ctx.config;
    if (!config) throw new GatewayError('processor_unavailable', 'The gateway has no configuration yet.');
    const headers = readHeaders(req.request_headers?.headers);
    const route: RouteConfig | undefined = config.routes[headers.get(ROUTE_HEADER) ?? ''];
    if (!route)
      throw new GatewayError('internal_error', 'The request reached an AI backend without a known route.');
    const backendKey = upstreamBackendKey(req);
    const ref = route.backends.find((b) => b.backend === backendKey);
    const backend = backendKey === undefined ? undefined : config.backends[backendKey];
    if (!ref || !backend) {
      this.ctx.logger.error(
        { route: route.key, backend: backendKey },
        'attempt to an endpoint without a known backend',
      );
      throw new GatewayError('no_healthy_upstream', 'No backend is available for this route.');
    }
    this.backend = backend;
    this.modelOverride = ref.modelOverride;
    this.unsupported = new UnsupportedParameters(route.unsupportedParameters);
    const path = headers.get(':path') ?? '';
    this.endpoint = endpointOf(path);
    this.clientPath = path;
    const upstream = translatorFor(backend.schema).requestHeaders(path, backend);
    const mutation = new Mutation();
    for (const name of headers.keys()) {
      if (isInternalHeader(name) || CLIENT_AUTH_HEADERS.includes(name)) mutation.removeHeader(name);
    }
    mutation.setHeader(':path', upstream.path).setHeader(':authority', backend.host);
    for (const [name, value] of upstream.headers) mutation.setHeader(name, value);
    return continueResponse('request_headers', { mutation });
  }

  private onRequestBody(chunk: Buffer, endOfStream: boolean | undefined): Reply {
    if (!this.backend) throw new GatewayError('internal_error', 'Request body before headers.');
    if (chunk.length > 0) this.bodyChunks.push(chunk);
    if (!endOfStream) return continueResponse('request_body');
    const raw =
      this.bodyChunks.length === 1 ? (this.bodyChunks[0] as Buffer) : Buffer.concat(this.bodyChunks);
    this.bodyChunks = [];
    if (!this.endpoint || this.endpoint === 'models') return continueResponse('request_body');
    const parsed = parseRequest(this.endpoint, raw);
    this.upstreamModel = this.modelOverride ?? parsed.model;
    const translator = translatorFor(this.backend.schema);
    const translation = translator.requestBody(
      parsed,
      this.upstreamModel,
      this.clientPath,
      this.backend,
      this.unsupported,
    );
    this.responseTranslator = translator.responseTranslator(parsed);
    return translation instanceof Promise
      ? translation.then((t) => this.bodyResponse(t))
      : this.bodyResponse(translation);
  }

  private bodyResponse({ body, path, headers }: RequestTranslation): ProcessingResponse {
    const mutation = new Mutation();
    if (path !== undefined) mutation.setHeader(':path', path);
    if (body) mutation.setHeader('content-length', String(body.length));
    for (const [name, value] of headers ?? []) mutation.setHeader(name, value);
    return continueResponse('request_body', { mutation, body });
  }

  private onResponseHeaders(req: ProcessingRequest): ProcessingResponse {
    const mutation = new Mutation().setHeader(BACKEND_HEADER, this.backend?.key ?? '');
    if (this.upstreamModel) mutation.setHeader(UPSTREAM_MODEL_HEADER, this.upstreamModel);
    const headers = readHeaders(req.response_headers?.headers);
    // Ours replaces any the provider sent: only the gateway speaks in tollgate-warning.
    const warning = this.unsupported.warning();
    if (warning !== undefined) mutation.setHeader(RESPONSE_HEADER.warning, warning);
    if (this.responseTranslator && !req.response_headers?.end_of_stream) {
      const status = Number(headers.get(':status') ?? '200');
      const contentType = this.responseTranslator.headers(status, headers.get('content-type') ?? '');
      // The translated body has another length; streamed bodies go without one.
      mutation.setHeader('content-type', contentType).removeHeader('content-length');
      return continueResponse('response_headers', { mutation });
    }
    this.responseTranslator = undefined;
    // This level has nothing to do with the response body: ask Envoy not to send it.
    const modeOverride = { response_body_mode: 'NONE' as const, response_trailer_mode: 'SKIP' as const };
    return continueResponse('response_headers', { mutation, modeOverride });
  }

  private onResponseBody(chunk: Buffer, endOfStream: boolean): ProcessingResponse {
    if (!this.responseTranslator) return passThrough('response_body');
    // Possibly empty (the translator waits for more): an empty body still replaces the chunk.
    return continueResponse('response_body', { body: this.responseTranslator.body(chunk, endOfStream) });
  }
}

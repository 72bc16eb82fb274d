// Router-level processing of one client request (docs/architecture.md, "Request pipeline"):
// strip client-supplied x-tollgate-* headers, authenticate the caller with the Gateway's
// AIClientPolicy, parse the buffered body once, pick the AIRoute rule, admit the request
// (access, request guardrails, budget reservation: admission.ts) and set the routing header (or
// answer /v1/models and every error itself); then watch the response go by: read and remove the
// upstream level's headers, run response guardrails, pass the streamed body through (minus the
// usage chunk the client did not ask for), count usage, settle the budget. Clients of Anthropic's
// /v1/messages are converted at the edges (extproc/clients/anthropic): their body becomes a chat
// body before routing, and the response is converted last: upstream bytes -> response guardrails
// -> usage scan -> Anthropic conversion -> client.
import { randomUUID } from 'node:crypto';
import { GatewayError } from '../../lib/errors';
import {
  BACKEND_HEADER,
  RESPONSE_HEADER,
  ROUTE_HEADER,
  UPSTREAM_MODEL_HEADER,
  isInternalHeader,
} from '../../lib/headers';
import { AnthropicClient, CHAT_PATH } from '../clients/anthropic/client';
import type { ProcessorConfig, RouteConfig } from '../config/schema';
import { mayUse } from '../identity/access';
import { authenticate } from '../identity/authenticate';
import { identityInputOf } from '../identity/input';
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
  type Reply,
} from '../messages';
import { OPERATION_NAME, checkContentType, endpointOf, parseRequest, type Endpoint } from '../request';
import { listModels, selectRoute } from '../routing';
import type { Identity, IdentityInput, ResponseFilter } from '../services';
import { ResponseWatcher } from './response';
import { RequestRecord } from './accounting';
import { admit, authorizeFor, firedOf, policyOf, type Admitted } from './admission';
import type { EndReason, StreamContext, StreamProcessor } from './types';

export class RouterProcessor implements StreamProcessor {
  private readonly record: RequestRecord;
  private headers: Headers = new Map();
  private endpoint: Endpoint | undefined;
  private bodyChunks: Buffer[] = [];
  private bodySize = 0;
  private dropUsageChunk = false;
  private response: ResponseWatcher | undefined;
  private identityInput: IdentityInput = { headers: new Map() };
  private admitted: Admitted | undefined;
  /** Set for /v1/messages: converts the request in and the response (and errors) out. */
  private anthropic: AnthropicClient | undefined;
  private ended = false;

  constructor(private readonly ctx: StreamContext) {
    this.record = new RequestRecord(ctx);
  }

  private readonly phases: PhaseHandlers<Reply> = {
    requestHeaders: (req) => this.onRequestHeaders(req),
    requestBody: (chunk, end) => this.onRequestBody(chunk, end),
    responseHeaders: (req) => this.onResponseHeaders(req),
    responseBody: (chunk, end) => this.onResponseBody(chunk, end),
  };

  process(req: ProcessingRequest): Reply {
    try {
      const reply = dispatchPhase(req, this.phases);
      if (reply instanceof Promise)
        return reply.catch((err: unknown) => this.refuse(this.asGatewayError(err)));
      return reply;
    } catch (err) {
      return this.refuse(this.asGatewayError(err));
    }
  }

  end(reason: EndReason): void {
    this.ended = true;
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
    this.record.requestId = this.headers.get(RESPONSE_HEADER.requestId) || randomUUID();
    this.identityInput = identityInputOf(req, this.headers);
    const path = this.headers.get(':path') ?? '';
    const method = this.headers.get(':method') ?? 'GET';
    this.endpoint = endpointOf(path);
    if (!this.endpoint) throw new GatewayError('route_not_found', `Unknown API path ${path.split('?')[0]}.`);
    this.record.operation = OPERATION_NAME[this.endpoint];
    if (this.endpoint === 'messages') this.anthropic = new AnthropicClient();
    // The Gateway's policy authenticates every caller before anything else is looked at.
    const gatewayPolicy = config.gateways[this.ctx.gateway ?? '']?.clientPolicy;
    if (gatewayPolicy) {
      this.record.identity = authenticate(policyOf(config, gatewayPolicy), this.identityInput, Date.now());
    }
    if (this.endpoint === 'models') {
      if (method !== 'GET') throw new GatewayError('invalid_request', 'Use GET to list models.');
      const allowed = (route: RouteConfig, model: string) => this.mayCall(config, route, model);
      const ids = listModels(config, this.ctx.gateway ?? '', this.authority(), this.headers, allowed);
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

  private onRequestBody(chunk: Buffer, endOfStream: boolean | undefined): Reply {
    const config = this.ctx.config;
    if (!config || !this.endpoint) throw new GatewayError('internal_error', 'Request body before headers.');
    this.bodySize += chunk.length;
    if (this.bodySize > config.limits.maxRequestBodyBytes) throw this.tooLarge();
    if (chunk.length > 0) this.bodyChunks.push(chunk);
    if (!endOfStream) return continueResponse('request_body');
    const clientRaw =
      this.bodyChunks.length === 1 ? (this.bodyChunks[0] as Buffer) : Buffer.concat(this.bodyChunks);
    this.bodyChunks = [];
    // An Anthropic client's body goes on as a chat body; everything below sees only that.
    const raw = this.anthropic ? this.anthropic.request(clientRaw) : clientRaw;
    const parsed = parseRequest(this.anthropic ? 'chat' : this.endpoint, raw);
    this.record.requestModel = parsed.model;
    this.record.streamed = parsed.stream;
    this.record.requestBody = parsed.body;
    // The Anthropic conversion needs the usage chunk for message_delta and never forwards it.
    this.dropUsageChunk = parsed.stream && !parsed.clientIncludeUsage && !this.anthropic;
    const route = selectRoute(config, this.ctx.gateway ?? '', this.authority(), parsed.model, this.headers);
    if (!route) {
      throw new GatewayError(
        'model_not_found',
        `The model \`${parsed.model}\` does not exist or you do not have access to it.`,
        'model',
      );
    }
    this.record.route = route.key;
    this.anthropic?.applyPolicy(route.unsupportedParameters);
    const services = this.ctx.services;
    const slow =
      (route.guardrails.length > 0 && services.guardrails !== undefined) ||
      (route.budgets.length > 0 && services.budgets !== undefined);
    if (!slow) {
      // The common case stays synchronous: no promise, no tokenizer, no store.
      const identity = authorizeFor(
        config,
        route,
        parsed.model,
        this.identityInput,
        { policy: config.gateways[this.ctx.gateway ?? '']?.clientPolicy, identity: this.record.identity },
        Date.now(),
      );
      this.record.identity = identity;
      const mutation = new Mutation().setHeader(ROUTE_HEADER, route.key);
      return continueResponse('request_body', {
        mutation,
        body: this.convertedBody(mutation, raw),
        clearRouteCache: true,
      });
    }
    return this.admitSlow(config, route, parsed.body, raw);
  }

  /**
   * For an Anthropic client: the chat body to send and the path to route it to. Both go in the
   * same answer as the routing header, so they apply before Envoy re-matches the route.
   */
  private convertedBody(mutation: Mutation, raw: Buffer): Buffer | undefined {
    if (!this.anthropic) return undefined;
    mutation.setHeader(':path', CHAT_PATH).setHeader('content-length', String(raw.length));
    return raw;
  }

  private async admitSlow(
    config: ProcessorConfig,
    route: RouteConfig,
    body: Record<string, unknown>,
    raw: Buffer,
  ): Promise<ProcessingResponse> {
    let admitted: Admitted;
    try {
      admitted = await admit(this.ctx, {
        requestId: this.record.requestId,
        config,
        route,
        body,
        rawBytes: raw.length,
        headers: this.headers,
        authority: this.authority(),
        identityInput: this.identityInput,
        identity: this.record.identity,
        nowMs: Date.now(),
      });
    } catch (err) {
      this.record.fired.push(...firedOf(err));
      throw err;
    }
    this.admitted = admitted;
    this.record.identity = admitted.identity;
    this.record.reservation = admitted.reservation;
    this.record.fired.push(...admitted.fired);
    this.record.route = admitted.route.key;
    if (admitted.model !== this.record.requestModel) this.record.degradedFrom = this.record.requestModel;
    this.record.requestModel = admitted.model;
    if (this.ended) {
      // The client left while we waited: nothing goes upstream; end() already recorded it and
      // the reservation is released by the record (settled with no usage).
      this.record.settleIfNeeded();
      return continueResponse('request_body');
    }
    const mutation = new Mutation().setHeader(ROUTE_HEADER, admitted.route.key);
    let replacement = this.convertedBody(mutation, raw);
    if (admitted.body) {
      replacement = Buffer.from(JSON.stringify(admitted.body));
      this.record.requestBody = admitted.body;
      mutation.setHeader('content-length', String(replacement.length));
    }
    return continueResponse('request_body', { mutation, body: replacement, clearRouteCache: true });
  }

  private onResponseHeaders(req: ProcessingRequest): ProcessingResponse {
    const headers = readHeaders(req.response_headers?.headers);
    this.record.status = Number(headers.get(':status') ?? '0');
    this.record.backend = headers.get(BACKEND_HEADER) ?? '';
    this.record.responseModel = headers.get(UPSTREAM_MODEL_HEADER) ?? '';
    const mutation = new Mutation();
    for (const name of headers.keys()) if (isInternalHeader(name)) mutation.removeHeader(name);
    this.setClientHeaders(mutation, headers.get(RESPONSE_HEADER.warning));
    this.response = new ResponseWatcher(this.record, {
      dropUsageChunk: this.dropUsageChunk,
      filter: this.responseFilter(),
      anthropic: this.anthropic,
    });
    const modeOverride = this.response.start(headers, mutation);
    if (req.response_headers?.end_of_stream) this.finishResponse();
    return continueResponse('response_headers', { mutation, modeOverride });
  }

  /**
   * Rate-limit and warning headers. Warnings join those the upstream level already set (dropped
   * parameters) and an Anthropic client's dropped hints, rather than replacing them.
   */
  private setClientHeaders(mutation: Mutation, upstreamWarning: string | undefined): void {
    const warnings: string[] = [];
    for (const [name, value] of this.admitted?.responseHeaders ?? []) {
      if (name === RESPONSE_HEADER.warning) warnings.push(value);
      else mutation.setHeader(name, value);
    }
    warnings.push(...(this.anthropic?.warnings ?? []));
    if (warnings.length === 0) return;
    if (upstreamWarning) warnings.unshift(upstreamWarning);
    mutation.setHeader(RESPONSE_HEADER.warning, warnings.join(', '));
  }

  /** Response guardrails apply to successful answers only; errors pass as they are. */
  private responseFilter(): ResponseFilter | undefined {
    const service = this.ctx.services.guardrails;
    const admitted = this.admitted;
    const config = this.ctx.config;
    if (!service || !admitted || !config || this.record.status < 200 || this.record.status >= 300)
      return undefined;
    const guardrails = admitted.route.guardrails.flatMap((k) => config.guardrails[k] ?? []);
    if (guardrails.length === 0) return undefined;
    return service.responseFilter(
      guardrails,
      {
        requestId: this.record.requestId,
        route: admitted.route.key,
        model: admitted.model,
        identity: admitted.identity,
      },
      admitted.restore,
    );
  }

  private onResponseBody(chunk: Buffer, endOfStream: boolean | undefined): ProcessingResponse {
    if (this.record.firstChunkAt === undefined && chunk.length > 0) this.record.firstChunkAt = this.ctx.now();
    const end = endOfStream === true;
    const answer = this.response?.body(chunk, end) ?? {};
    if (answer.blocked) {
      this.record.status = answer.blocked.status;
      this.record.errorType = answer.blocked.code;
      this.finishResponse();
      return this.errorReply(answer.blocked);
    }
    if (end) this.finishResponse();
    return continueResponse('response_body', { body: answer.body, mutation: answer.mutation });
  }

  /** Reads usage from what the response carried, then records the request (once). */
  private finishResponse(): void {
    this.response?.finish();
    this.record.finish();
  }

  private refuse(error: GatewayError): ProcessingResponse {
    this.record.status = error.status;
    this.record.errorType = error.code;
    this.bodyChunks = [];
    this.record.finish();
    return this.errorReply(error);
  }

  /** The immediate error answer, in the client's schema. */
  private errorReply(error: GatewayError): ProcessingResponse {
    return this.anthropic ? this.anthropic.errorResponse(error) : errorResponse(error);
  }

  private asGatewayError(err: unknown): GatewayError {
    if (err instanceof GatewayError) return err;
    this.ctx.logger.error({ err }, 'router-level processing failed');
    return new GatewayError('internal_error', 'The gateway failed to process the request.');
  }

  /** /v1/models: whether this caller may use `model` through `route`. */
  private mayCall(config: ProcessorConfig, route: RouteConfig, model: string): boolean {
    if (!route.clientPolicy) return true;
    const policy = config.clientPolicies[route.clientPolicy];
    if (!policy) return false;
    let identity: Identity | undefined = this.record.identity;
    const gatewayPolicy = config.gateways[this.ctx.gateway ?? '']?.clientPolicy;
    if (route.clientPolicy !== gatewayPolicy || !identity) {
      try {
        identity = authenticate(policy, this.identityInput, Date.now());
      } catch {
        return false;
      }
    }
    return mayUse(policy, identity, route.key, model);
  }

  private tooLarge(): GatewayError {
    const limit = this.ctx.config?.limits.maxRequestBodyBytes ?? 0;
    return new GatewayError('body_too_large', `The request body exceeds the limit of ${limit} bytes.`);
  }

  private authority(): string {
    return this.headers.get(':authority') ?? this.headers.get('host') ?? '';
  }
}

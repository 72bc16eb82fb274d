// One ext_proc filter instance for one HTTP stream (or upstream attempt), with the semantics of
// Envoy's ext_proc filter (docs: configuration/http/http_filters/ext_proc_filter and the
// ext_proc protos): which phases are sent (processing_mode, per-route override, mode_override),
// header/body mutations, CONTINUE_AND_REPLACE, immediate responses, clear_route_cache,
// message_timeout and failure_mode_allow. The gRPC stream opens on the first message sent.
//
// Contract with the core beyond types.ts: a headers Decision that carries `body` replaces the
// whole body (CONTINUE_AND_REPLACE); the original body must then be dropped. In BUFFERED mode a
// body Decision may carry changed headers, so the core holds headers until the body is done;
// responseChunk in BUFFERED mode gathers chunks and answers the last one with the whole body.
import type { CommonResponse__Output } from '../../gen/protos/envoy/service/ext_proc/v3/CommonResponse';
import type { ProcessingRequest } from '../../gen/protos/envoy/service/ext_proc/v3/ProcessingRequest';
import { attributesStruct } from './attributes';
import { forwardedMetadata } from './metadata';
import { type ExtProcSettings, parseExtProcConfig } from './config';
import {
  applyBodyMutation,
  applyHeaderMutation,
  getHeader,
  headersToProto,
  MutationError,
  removeHeader,
} from './header-mutation';
import { mutationErrorReply } from './immediate';
import { HeaderMutationChecker } from './mutation-rules';
import { ProcessorExchange, type Phase } from './exchange';
import { type Direction, SessionModes } from './modes';
import type {
  BodyMode,
  Decision,
  ExtProcSession,
  ExtProcSessionFactory,
  ExtProcSessionOptions,
  HeaderList,
} from './types';

interface DirectionState {
  /** This direction's headers as last decided (mutations applied). */
  headers: HeaderList;
  /** Envoy keeps headers changeable until a BUFFERED body response arrives. */
  headersMutable: boolean;
  noBody: boolean;
  bodyReplaced: boolean;
  attributesSent: boolean;
  /** BUFFERED response body gathered from chunks. */
  buffered: Buffer[];
}

const newDirection = (): DirectionState => ({
  headers: [],
  headersMutable: false,
  noBody: false,
  bodyReplaced: false,
  attributesSent: false,
  buffered: [],
});

/** Throws ExtProcConfigError when the config (or the route's override) cannot be served. */
export const createExtProcSession: ExtProcSessionFactory = (options) => new Session(options);

class Session implements ExtProcSession {
  private readonly settings: ExtProcSettings;
  private readonly checker: HeaderMutationChecker;
  private readonly exchange: ProcessorExchange;
  private readonly modes: SessionModes;
  private readonly dirs: Record<Direction, DirectionState> = {
    request: newDirection(),
    response: newDirection(),
  };

  constructor(private readonly options: ExtProcSessionOptions) {
    this.settings = parseExtProcConfig(options.config, options.perRoute);
    this.checker = new HeaderMutationChecker(this.settings.mutationRules);
    this.modes = new SessionModes(this.settings.modes, this.settings.allowModeOverride);
    this.exchange = new ProcessorExchange(this.settings, options.resolveCluster);
  }

  requestHeaders(headers: HeaderList, endOfStream: boolean): Promise<Decision> {
    return this.onHeaders('request', headers, endOfStream);
  }

  responseHeaders(headers: HeaderList, endOfStream: boolean): Promise<Decision> {
    return this.onHeaders('response', headers, endOfStream);
  }

  requestBodyMode(): BodyMode {
    return this.bodyMode('request');
  }

  responseBodyMode(): BodyMode {
    return this.bodyMode('response');
  }

  requestBody(body: Buffer): Promise<Decision> {
    return this.onBody('request', body, true);
  }

  responseChunk(chunk: Buffer, endOfStream: boolean): Promise<Decision> {
    return this.onBody('response', chunk, endOfStream);
  }

  close(): void {
    this.exchange.close();
  }

  private bodyMode(dir: Direction): BodyMode {
    const d = this.dirs[dir];
    if (this.exchange.complete || d.bodyReplaced || d.noBody) return 'NONE';
    return this.modes.body(dir);
  }

  private async onHeaders(dir: Direction, headers: HeaderList, endOfStream: boolean): Promise<Decision> {
    const pending = this.exchange.takePendingReply();
    if (pending) return pending;
    const d = this.dirs[dir];
    d.noBody = endOfStream;
    // Envoy drops content-length when a body it may change will stream (ProcessingMode docs).
    d.headers =
      this.modes.shouldRemoveContentLength(dir) && !this.exchange.complete
        ? removeHeader(headers, 'content-length')
        : [...headers];
    const send = this.modes.sendsHeaders(dir);
    if (!send || this.exchange.complete) return this.unmodified(dir);

    const phase: Phase = dir === 'request' ? 'request_headers' : 'response_headers';
    const message = {
      headers: headersToProto(headers, this.settings.forwardRules),
      end_of_stream: endOfStream,
    };
    const result = await this.exchange.call(phase, { ...this.context(dir), [phase]: message }, (r) =>
      this.modes.override(r),
    );
    if (result.kind === 'reply') return result.decision;
    if (result.kind === 'unmodified') return this.unmodified(dir);
    const common = result.common;
    const replacing = common.status === 'CONTINUE_AND_REPLACE';
    const mutated = this.mutateHeaders(d.headers, common, dir, replacing);
    if (mutated instanceof MutationError) return this.fail(mutated);
    d.headers = mutated;
    const clearRouteCache = this.clearRouteCache(dir, common);
    if (replacing) {
      // Nothing more goes to the processor for this direction; a body_mutation is the new body.
      this.modes.stopBody(dir);
      if (!common.body_mutation) return { kind: 'continue', headers: d.headers, clearRouteCache };
      d.bodyReplaced = true;
      d.headers = removeHeader(d.headers, 'content-length');
      const body = applyBodyMutation(Buffer.alloc(0), common.body_mutation);
      return { kind: 'continue', headers: d.headers, body, clearRouteCache };
    }
    d.headersMutable = !d.noBody && this.modes.body(dir) === 'BUFFERED';
    return { kind: 'continue', headers: d.headers, clearRouteCache };
  }

  private async onBody(dir: Direction, chunk: Buffer, endOfStream: boolean): Promise<Decision> {
    const pending = this.exchange.takePendingReply();
    if (pending) return pending;
    const d = this.dirs[dir];
    // After CONTINUE_AND_REPLACE with a body, Envoy drains whatever original body still arrives.
    if (d.bodyReplaced)
      return { kind: 'continue', headers: d.headers, body: Buffer.alloc(0), clearRouteCache: false };
    const mode = this.modes.body(dir);
    if (mode === 'BUFFERED' && !endOfStream && !this.exchange.complete) {
      d.buffered.push(chunk);
      return { kind: 'continue', headers: d.headers, body: Buffer.alloc(0), clearRouteCache: false };
    }
    const body = d.buffered.length ? Buffer.concat([...d.buffered, chunk]) : chunk;
    d.buffered = [];
    if (mode === 'NONE' || d.noBody || this.exchange.complete) return this.unmodified(dir, body);

    const phase: Phase = dir === 'request' ? 'request_body' : 'response_body';
    const message = { body, end_of_stream: endOfStream };
    const result = await this.exchange.call(phase, { ...this.context(dir), [phase]: message });
    if (result.kind === 'reply') return result.decision;
    if (result.kind === 'unmodified') return this.unmodified(dir, body);
    const common = result.common;
    if (mode === 'BUFFERED' && d.headersMutable) {
      // Only a BUFFERED body response may still change headers (CommonResponse.header_mutation).
      const mutated = this.mutateHeaders(d.headers, common, dir, false);
      if (mutated instanceof MutationError) return this.fail(mutated);
      const length = getHeader(mutated, 'content-length');
      const newLength = common.body_mutation?.body?.length ?? 0;
      if (
        common.body_mutation &&
        length !== undefined &&
        /^\d+$/.test(length) &&
        Number(length) !== newLength
      ) {
        return this.fail(
          new MutationError('mismatch between content length and the length of the mutated body'),
        );
      }
      d.headers = mutated;
      d.headersMutable = false;
    }
    const out = applyBodyMutation(body, common.body_mutation);
    return {
      kind: 'continue',
      headers: d.headers,
      body: out,
      clearRouteCache: this.clearRouteCache(dir, common),
    };
  }

  private mutateHeaders(
    headers: HeaderList,
    common: CommonResponse__Output,
    dir: Direction,
    replacingMessage: boolean,
  ): HeaderList | MutationError {
    if (!common.header_mutation) return headers;
    try {
      return applyHeaderMutation(headers, common.header_mutation, {
        checker: this.checker,
        replacingMessage,
        skipContentLength: this.modes.shouldRemoveContentLength(dir),
      });
    } catch (err) {
      if (err instanceof MutationError) return err;
      throw err;
    }
  }

  /** Envoy clears the route cache only for request-path responses that carry header mutations. */
  private clearRouteCache(dir: Direction, common: CommonResponse__Output): boolean {
    if (dir !== 'request' || !common.header_mutation) return false;
    switch (this.settings.routeCacheAction) {
      case 'DEFAULT':
        return common.clear_route_cache === true;
      case 'CLEAR':
        return true;
      case 'RETAIN':
        return false;
    }
  }

  /** Attributes go with the first message of each direction; metadata_context with every one. */
  private context(dir: Direction): ProcessingRequest {
    const d = this.dirs[dir];
    const names = dir === 'request' ? this.settings.requestAttributes : this.settings.responseAttributes;
    const request: ProcessingRequest = {
      metadata_context: forwardedMetadata(this.settings.forwardingNamespaces, this.options.dynamicMetadata),
    };
    if (names.length > 0 && !d.attributesSent) {
      d.attributesSent = true;
      request.attributes = attributesStruct(names, this.options.attributes);
    }
    return request;
  }

  private unmodified(dir: Direction, body?: Buffer): Decision {
    return {
      kind: 'continue',
      headers: this.dirs[dir].headers,
      ...(body ? { body } : {}),
      clearRouteCache: false,
    };
  }

  private fail(error: MutationError): Decision {
    this.exchange.finish();
    return mutationErrorReply(error.message);
  }
}

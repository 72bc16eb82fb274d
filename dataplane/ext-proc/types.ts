// The seam between the data plane's HTTP core and its ext_proc filter. The core owns sockets,
// routing, clusters and retries; an ExtProcSession owns one ext_proc gRPC stream for one HTTP
// stream (router level) or one upstream attempt (upstream level) and applies Envoy's ext_proc
// semantics: which phases are sent (processing_mode, mode_override), mutations, immediate
// responses, clear_route_cache, failure_mode_allow and message_timeout. See
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/ext_proc_filter
import type { ProtoObject } from '../../lib/protos';

/** Header list with lowercase names; pseudo-headers (:method, :path, :authority, :scheme, :status) included. */
export type HeaderList = Array<[name: string, value: string]>;

export type BodyMode = 'NONE' | 'BUFFERED' | 'STREAMED' | 'BUFFERED_PARTIAL';

export type Decision =
  /** Go on with (possibly mutated) headers/body. */
  | { kind: 'continue'; headers: HeaderList; body?: Buffer; clearRouteCache: boolean }
  /** Answer the client (or, at upstream level, the router) now. */
  | { kind: 'immediate'; status: number; headers: HeaderList; body: Buffer; details: string };

export interface ExtProcSession {
  /** Sends request headers (always the first message); also carries request_attributes. */
  requestHeaders(headers: HeaderList, endOfStream: boolean): Promise<Decision>;
  /** How the core must deliver the request body, as of now (mode_override may change it). */
  requestBodyMode(): BodyMode;
  /** BUFFERED: the whole request body, once. */
  requestBody(body: Buffer): Promise<Decision>;
  responseHeaders(headers: HeaderList, endOfStream: boolean): Promise<Decision>;
  /** How the core must deliver response body chunks, as of now. */
  responseBodyMode(): BodyMode;
  /** STREAMED: each chunk in order (the last with endOfStream); returns the chunk to forward. */
  responseChunk(chunk: Buffer, endOfStream: boolean): Promise<Decision>;
  /** Ends the gRPC stream (normal end, client disconnect, or retry of the attempt). Idempotent. */
  close(): void;
}

export interface ExtProcSessionOptions {
  /** The decoded envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor (object form). */
  config: ProtoObject;
  /** The per-route override (ExtProcPerRoute), if the matched route has one. */
  perRoute?: ProtoObject;
  /** Resolves the grpc_service's envoy_grpc cluster_name to "host:port" or "unix:/path". */
  resolveCluster(clusterName: string): string;
  /** Attribute values by name (e.g. "xds.upstream_host_metadata"), for request_attributes. */
  attributes: Record<string, unknown>;
  /**
   * The stream's dynamic metadata as earlier filters wrote it (namespace -> plain object, e.g.
   * jwt_authn's payload); the namespaces in metadata_options.forwarding_namespaces go out as
   * metadata_context.filter_metadata.
   */
  dynamicMetadata?: Record<string, Record<string, unknown>>;
}

export type ExtProcSessionFactory = (options: ExtProcSessionOptions) => ExtProcSession;

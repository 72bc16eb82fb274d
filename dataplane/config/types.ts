// The data plane's own small, typed view of the xDS resources it accepted. The converters in
// this folder build these from decoded Envoy objects; the HTTP and upstream code reads only
// these, never raw protos (except the ext_proc configs, which the ext_proc filter interprets).
import type { ProtoObject } from '../../lib/protos';

export interface ListenerConfig {
  name: string;
  address: string;
  port: number;
  /** Present when the single filter chain has a DownstreamTlsContext (HTTPS). */
  tls?: { certificates: CertificateRef[]; clientValidation?: ClientValidation };
  hcm: HcmConfig;
  /** per_connection_buffer_limit_bytes (Envoy default 1 MiB): a buffered body past it gets 413. */
  bufferLimitBytes: number;
}

/** DownstreamTlsContext client certificate checks (validation_context + require_client_certificate). */
export interface ClientValidation {
  /** PEM bundle the client's chain must verify against. */
  trustedCa: string;
  /** require_client_certificate: a connection without a (valid) certificate fails the handshake. */
  required: boolean;
}

export type CertificateRef =
  { kind: 'sds'; name: string } | { kind: 'inline'; certificateChain: string; privateKey: string };

export interface HcmConfig {
  statPrefix: string;
  /** RDS route configuration name, or the inline table. */
  routes: { kind: 'rds'; name: string } | { kind: 'inline'; table: RouteTable };
  /** The jwt_authn filter, when in the chain (always before ext_proc). */
  jwtAuthn?: JwtAuthnConfig;
  /** The router-level ext_proc filter config (ExternalProcessor object form), when in the chain. */
  extProc?: ProtoObject;
  /** stream_idle_timeout (Envoy default 5 minutes); 0 disables. */
  streamIdleTimeoutMs: number;
  useRemoteAddress: boolean;
  /** Value of the "server" response header (Envoy default "envoy"). */
  serverName: string;
  /** strip_any_host_port: drop the port from :authority before filters and routing. */
  stripAnyHostPort: boolean;
  /** normalize_path: RFC 3986 normalization of :path before filters and routing. */
  normalizePath: boolean;
  /** merge_slashes: adjacent slashes of :path merged before filters and routing. */
  mergeSlashes: boolean;
}

/**
 * jwt_authn in the one shape Tollgate renders: every path requires "any provider, or
 * allow_missing_or_failed", so the filter verifies and records but never answers the client.
 */
export interface JwtAuthnConfig {
  providers: JwtProviderConfig[];
}

export interface JwtProviderConfig {
  name: string;
  /** Empty: any issuer. */
  issuer: string;
  /** Empty: any audience. */
  audiences: string[];
  jwks:
    | {
        kind: 'remote';
        uri: string;
        cluster: string;
        timeoutMs: number;
        cacheMs: number;
        asyncFetch: boolean;
      }
    | { kind: 'local'; json: string };
  /** Where tokens are read (Envoy's default when none: Authorization "Bearer "). */
  fromHeaders: { name: string; valuePrefix: string }[];
  /** false: the token header is removed after a successful verification. */
  forward: boolean;
  payloadInMetadata?: string;
  failedStatusInMetadata?: string;
  clockSkewSeconds: number;
}

export interface RouteTable {
  name: string;
  virtualHosts: VirtualHost[];
  /** ignore_port_in_host_matching: the :authority port plays no part in picking the virtual host. */
  ignorePortInHostMatching: boolean;
}

export interface VirtualHost {
  name: string;
  domains: string[];
  routes: Route[];
}

export interface Route {
  name: string;
  match: RouteMatch;
  action: RouteAction;
  requestHeadersToAdd: HeaderValueOption[];
  requestHeadersToRemove: string[];
  responseHeadersToAdd: HeaderValueOption[];
  responseHeadersToRemove: string[];
  /** typed_per_filter_config["envoy.filters.http.ext_proc"] (ExtProcPerRoute object form). */
  extProcPerRoute?: ProtoObject;
}

export interface RouteMatch {
  /** separated_prefix: path_separated_prefix, the whole path or the prefix followed by "/". */
  path: { kind: 'prefix' | 'separated_prefix' | 'path'; value: string } | { kind: 'regex'; regex: RegExp };
  caseSensitive: boolean;
  headers: HeaderMatcher[];
}

export interface HeaderMatcher {
  name: string;
  test: StringTest;
  invert: boolean;
  /** present_match: the header must (true) or must not (false) be present. */
  present?: boolean;
}

export type StringTest =
  | { kind: 'exact' | 'prefix' | 'suffix' | 'contains'; value: string; ignoreCase: boolean }
  | { kind: 'regex'; regex: RegExp }
  | { kind: 'any' };

export type RouteAction =
  | { kind: 'direct'; status: number; body: string }
  | {
      kind: 'route';
      clusters: { name: string; weight: number }[];
      /** 0 disables the route timeout (Envoy default 15 s). */
      timeoutMs: number;
      idleTimeoutMs?: number;
      retry?: RetryPolicy;
    };

export interface RetryPolicy {
  retryOn: Set<string>;
  numRetries: number;
  retriableStatusCodes: number[];
  perTryTimeoutMs?: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** envoy.retry_priorities.previous_priorities update_frequency, when configured. */
  previousPrioritiesUpdateFrequency?: number;
  /** envoy.retry_host_predicates.previous_hosts configured. */
  previousHosts: boolean;
  hostSelectionRetryMaxAttempts: number;
}

export type AppendAction = 'append' | 'add_if_absent' | 'overwrite' | 'overwrite_if_exists';

export interface HeaderValueOption {
  key: string;
  value: string;
  action: AppendAction;
}

export interface ClusterConfig {
  name: string;
  discovery: 'static' | 'strict_dns' | 'eds';
  /** EDS: the ClusterLoadAssignment name (service_name, default the cluster name). */
  edsServiceName: string;
  connectTimeoutMs: number;
  lbPolicy: 'round_robin' | 'random';
  localityWeighted: boolean;
  /** STATIC and STRICT_DNS: the inline load_assignment. */
  loadAssignment?: LoadAssignment;
  dnsRefreshMs: number;
  dnsLookupFamily: 'AUTO' | 'V4_ONLY' | 'V4_PREFERRED' | 'ALL';
  /** transport_socket_matches in order; the first whose match holds applies. */
  transportSocketMatches: { name: string; match: Record<string, unknown>; tls?: UpstreamTls }[];
  /** The cluster's transport_socket (plaintext when absent). */
  tls?: UpstreamTls;
  /** HttpProtocolOptions http_filters: the upstream ext_proc config, when present. */
  upstreamExtProc?: ProtoObject;
  /** explicit http2: only used for gRPC (the extproc cluster); not proxied to. */
  http2: boolean;
  /** per_connection_buffer_limit_bytes (Envoy default 1 MiB): the upstream filters' body buffer. */
  bufferLimitBytes: number;
}

export interface UpstreamTls {
  sni?: string;
  /** PEM CA bundle: verify the server's chain. Envoy does not verify a chain without it. */
  trustedCa?: string;
  /** match_typed_subject_alt_names: the server must present a SAN one of these matches. */
  subjectAltNames: SanMatcher[];
}

export interface SanMatcher {
  type: 'DNS' | 'URI' | 'IP_ADDRESS' | 'EMAIL';
  test: StringTest;
}

export interface LoadAssignment {
  clusterName: string;
  /** policy.overprovisioning_factor / 100 (Envoy default 140 -> 1.4). */
  overprovisioningFactor: number;
  localities: LocalityEndpoints[];
}

export interface LocalityEndpoints {
  priority: number;
  /** load_balancing_weight of the locality (only used with locality_weighted_lb_config). */
  weight: number;
  endpoints: EndpointConfig[];
}

export interface EndpointConfig {
  address: { kind: 'tcp'; host: string; port: number } | { kind: 'pipe'; path: string };
  weight: number;
  healthy: boolean;
  /** The endpoint's Metadata in object form (filter_metadata: { ns: Struct }). */
  metadata?: ProtoObject;
  /** Plain filter_metadata["envoy.transport_socket_match"], for transport_socket_matches. */
  transportSocketMatch: Record<string, unknown>;
}

export interface SecretConfig {
  name: string;
  certificateChain: string;
  privateKey: string;
}

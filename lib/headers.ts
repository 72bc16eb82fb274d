// Names shared by the controller (which renders them into xDS), extproc (which sets and reads
// them) and the data plane. Every header starting with INTERNAL_HEADER_PREFIX is Tollgate's:
// the router-level ext_proc strips client-supplied copies before it sets its own, and the
// upstream-level ext_proc strips them all before a request leaves for a provider.

export const INTERNAL_HEADER_PREFIX = 'x-tollgate-';

/** Set by router-level extproc to the matched AIRoute rule key; Envoy routes on it. */
export const ROUTE_HEADER = 'x-tollgate-route';
/** Set by upstream-level extproc on the response: which AIBackend served this attempt. */
export const BACKEND_HEADER = 'x-tollgate-backend';
/** Set by upstream-level extproc on the response: the model the backend was asked for. */
export const UPSTREAM_MODEL_HEADER = 'x-tollgate-upstream-model';

/** gRPC initial metadata on the ext_proc call: which level of the filter chain is calling. */
export const PHASE_METADATA = 'x-tollgate-phase';
export type Phase = 'router' | 'upstream';
/** gRPC initial metadata on the router-level ext_proc call: the Gateway key (namespace/name). */
export const GATEWAY_METADATA = 'x-tollgate-gateway';

/** Endpoint metadata namespace (filter_metadata key) carrying { backend: "ns/name" }. */
export const METADATA_NAMESPACE = 'tollgate';
/** The ext_proc request attribute that carries the chosen endpoint's metadata. */
export const UPSTREAM_HOST_METADATA_ATTRIBUTE = 'xds.upstream_host_metadata';

/** Envoy filter names used in rendered config and recognised by the data plane. */
export const FILTER = {
  extProc: 'envoy.filters.http.ext_proc',
  router: 'envoy.filters.http.router',
  upstreamCodec: 'envoy.filters.http.upstream_codec',
  jwtAuthn: 'envoy.filters.http.jwt_authn',
  hcm: 'envoy.filters.network.http_connection_manager',
} as const;

/**
 * jwt_authn writes the verified payload (payload_in_metadata) and, with allow_missing_or_failed,
 * the failure status (failed_status_in_metadata) into this dynamic metadata namespace; the
 * router-level ext_proc filter forwards the namespace (metadata_options.forwarding_namespaces).
 */
export const JWT_METADATA_NAMESPACE = FILTER.jwtAuthn;
export const JWT_PAYLOAD_KEY = 'jwt_payload';
export const JWT_FAILURE_KEY = 'jwt_failure';

/**
 * Attributes the router-level ext_proc filter requests (request_attributes): the peer address
 * for trusted-hop identity and the verified client certificate for mTLS identity.
 */
export const ROUTER_REQUEST_ATTRIBUTES: readonly string[] = [
  'source.address',
  'connection.subject_peer_certificate',
  'connection.uri_san_peer_certificate',
  'connection.dns_san_peer_certificate',
];

/** Response headers for clients (not internal: they reach the client). */
export const RESPONSE_HEADER = {
  /** Comma-separated warnings: a budget past its soft limit, a parameter dropped, a check that logged. */
  warning: 'tollgate-warning',
  requestId: 'x-request-id',
} as const;

/** Paths the router-level ext_proc owns on every Gateway that has AIRoutes attached. */
export const AI_PATHS: readonly string[] = [
  '/v1/chat/completions',
  '/v1/completions',
  '/v1/embeddings',
  '/v1/responses',
  '/v1/models',
  '/v1/messages',
];

export function isInternalHeader(name: string): boolean {
  return name.toLowerCase().startsWith(INTERNAL_HEADER_PREFIX);
}

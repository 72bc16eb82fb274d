// The intermediate representation between translate() and toXds(): plain, serializable values
// that say what each Gateway's Envoy must do, in Envoy's terms but without proto detail. Golden
// files of translate() show it; toXds() renders it. Names here are the xDS resource names.
import type { ProcessorConfigDocument } from '../../extproc/config/schema';

export interface IR {
  /** One entry per Gateway of our GatewayClass that was accepted, sorted by key. */
  gateways: GatewayIR[];
  /** Where Envoy reaches extproc; rendered as the cluster EXTPROC_CLUSTER. */
  extproc: ExtprocTarget;
  /** The document every extproc replica receives (without version; the server hashes it). */
  processor: ProcessorConfigDocument;
}

export type ExtprocTarget =
  | { kind: 'uds'; path: string; messageTimeoutMs: number }
  | { kind: 'tcp'; address: string; port: number; messageTimeoutMs: number };

export const EXTPROC_CLUSTER = 'tollgate-extproc';

export interface GatewayIR {
  /** "namespace/name"; equals the Envoy node.cluster of this Gateway's proxies. */
  key: string;
  listeners: ListenerIR[];
  clusters: ClusterIR[];
  /** TLS certificates for HTTPS listeners, rendered as SDS Secrets. */
  secrets: TlsSecretIR[];
}

/** One Envoy listener per Gateway port; Gateway listeners on the same port share it. */
export interface ListenerIR {
  /** "namespace/gateway/port"; also the RDS route configuration name. */
  name: string;
  address: string;
  port: number;
  protocol: 'HTTP' | 'HTTPS';
  /** HTTPS: SDS secret names (keys of GatewayIR.secrets) served on this port. */
  tlsSecrets: string[];
  /** Whether the router-level ext_proc filter is in the chain (some AIRoute attached). */
  extProc: boolean;
  virtualHosts: VirtualHostIR[];
  /** The Gateway's AIClientPolicy JWT providers: a jwt_authn filter before ext_proc. */
  jwt?: JwtIR;
  /** HTTPS only: verify client certificates against these CAs (AIClientPolicy mtls). */
  clientValidation?: ClientValidationIR;
}

/**
 * jwt_authn with allow_missing_or_failed: the filter never answers the client itself; it
 * writes the verified payload (JWT_PAYLOAD_KEY) or the failure (JWT_FAILURE_KEY) into dynamic
 * metadata, and extproc decides (OpenAI-shaped 401) by the caller's AIClientPolicy.
 */
export interface JwtIR {
  providers: JwtProviderIR[];
}

export interface JwtProviderIR {
  /** "namespace/policy/index"; unique within the listener. */
  name: string;
  issuer: string;
  /** Empty: any audience. */
  audiences: string[];
  /** Remote JWKS fetched through `cluster` (a ClusterIR of kind 'jwks'), or an inline JWKS. */
  jwks:
    { kind: 'remote'; uri: string; cluster: string; cacheSeconds: number } | { kind: 'inline'; json: string };
  /** Where the token is read; default Authorization: Bearer. */
  fromHeaders?: { name: string; valuePrefix: string }[];
}

export interface ClientValidationIR {
  /** PEM bundle of trusted client CAs. */
  caCertificates: string;
  /** True: connections without a certificate are accepted (the policy decides); false: refused in TLS. */
  optional: boolean;
}

export interface VirtualHostIR {
  name: string;
  /** Envoy domains: "*" or hostnames (wildcards like "*.example.com" allowed). */
  domains: string[];
  /** In match order: first match wins. */
  routes: RouteIR[];
}

export interface RouteIR {
  /** Stable, unique within the virtual host; used in stats and goldens. */
  name: string;
  match: RouteMatchIR;
  action: RouteActionIR;
  /** False disables the router-level ext_proc for this route (plain HTTPRoute traffic). */
  extProc: boolean;
}

export interface RouteMatchIR {
  /**
   * 'prefix' is a plain string prefix ("/web" matches "/webx"); 'pathPrefix' matches whole path
   * segments (Gateway API PathPrefix: "/web" matches "/web" and "/web/x", not "/webx"), its value
   * without a trailing slash and never "/" (use 'prefix' "/" for everything).
   */
  path: { kind: 'prefix' | 'pathPrefix' | 'exact' | 'regex'; value: string };
  headers: HeaderMatchIR[];
  method?: string;
}

export interface HeaderMatchIR {
  name: string;
  kind: 'exact' | 'regex';
  value: string;
}

export type RouteActionIR =
  /** An AIRoute rule: routed on ROUTE_HEADER after extproc chose it. */
  | { kind: 'ai'; cluster: string; timeoutMs: number; idleTimeoutMs?: number; retry?: RetryIR }
  /** An HTTPRoute rule: plain proxying with weights and header modifiers. */
  | {
      kind: 'forward';
      clusters: { name: string; weight: number }[];
      timeoutMs?: number;
      requestHeaders?: HeaderMutationIR;
      responseHeaders?: HeaderMutationIR;
    }
  /** A fixed answer (e.g. no backend could be resolved: 500; nothing matched an AI path: 404). */
  | { kind: 'direct'; status: number; body: string };

export interface HeaderMutationIR {
  set: { name: string; value: string }[];
  add: { name: string; value: string }[];
  remove: string[];
}

export interface RetryIR {
  numRetries: number;
  /** Envoy retry_on values, e.g. ["connect-failure", "reset", "retriable-status-codes"]. */
  retryOn: string[];
  retriableStatusCodes: number[];
  perTryTimeoutMs?: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export interface ClusterIR {
  /**
   * "ai/namespace/route/rule" for AIRoute rules, "svc/namespace/name/port" for Services,
   * "jwks/host/port" for remote JWKS endpoints.
   */
  name: string;
  kind: 'ai' | 'service' | 'jwks';
  connectTimeoutMs: number;
  /** EDS when every endpoint is an IP address, STRICT_DNS (inline load assignment) otherwise. */
  discovery: 'eds' | 'strict_dns';
  endpoints: EndpointIR[];
}

export interface EndpointIR {
  address: string;
  port: number;
  /** 0 is tried first; higher priorities are fallbacks. */
  priority: number;
  /** load_balancing_weight of the endpoint's locality within its priority. */
  weight: number;
  /** AIBackend key ("namespace/name"); rendered as endpoint metadata tollgate.backend. */
  backend?: string;
  /** Upstream TLS with this SNI. */
  tls?: { sni: string };
}

export interface TlsSecretIR {
  /** "namespace/secret". */
  name: string;
  certificateChain: string;
  privateKey: string;
}

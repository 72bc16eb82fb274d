// Clusters: one per AIRoute rule (with the upstream-level ext_proc as an upstream HTTP filter),
// per Service port, or per remote JWKS endpoint (jwt_authn fetches keys through it), and the
// tollgate-extproc cluster every ext_proc filter calls.
import { isIP } from 'node:net';
import type { ProtoObject } from '../../lib/protos';
import { EXTPROC_CLUSTER, type ClusterIR, type ExtprocTarget } from '../ir/types';
import { renderLoadAssignment } from './endpoint';
import { upstreamExtProcFilter } from './filters/ext-proc';
import { upstreamCodecFilter } from './filters/upstream-codec';
import {
  adsConfigSource,
  anyOf,
  duration,
  HTTP_PROTOCOL_OPTIONS_KEY,
  pipeAddress,
  socketAddress,
  stringStruct,
  TLS_TRANSPORT_SOCKET,
  TYPED,
  u32,
} from './proto-values';

const EXTPROC_CONNECT_TIMEOUT_MS = 2000;
/**
 * The system CA bundle of Envoy's images (Debian/Ubuntu/Alpine path), which Envoy's TLS docs
 * list among the common system CA locations; Envoy Gateway names the same file.
 */
export const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

export function renderCluster(
  gatewayKey: string,
  cluster: ClusterIR,
  extproc: ExtprocTarget,
  bufferLimitBytes: number,
): ProtoObject {
  const out: ProtoObject = {
    name: cluster.name,
    connect_timeout: duration(cluster.connectTimeoutMs),
    common_lb_config: { locality_weighted_lb_config: {} },
  };
  if (usesEds(cluster)) {
    out.type = 'EDS';
    out.eds_cluster_config = { eds_config: adsConfigSource() };
  } else {
    out.type = 'STRICT_DNS';
    // Kubernetes and most provider hosts resolve to IPv4; AUTO would try IPv6 first.
    out.dns_lookup_family = 'V4_PREFERRED';
    out.load_assignment = renderLoadAssignment(cluster);
  }
  const tlsMatches = transportSocketMatches(cluster);
  if (tlsMatches.length > 0) out.transport_socket_matches = tlsMatches;
  if (cluster.kind === 'ai') {
    out.typed_extension_protocol_options = {
      [HTTP_PROTOCOL_OPTIONS_KEY]: aiProtocolOptions(gatewayKey, extproc),
    };
    // The upstream-level ext_proc buffers the body again, per attempt, in this buffer.
    out.per_connection_buffer_limit_bytes = u32(bufferLimitBytes);
  }
  return out;
}

/**
 * Whether the cluster's endpoints come over EDS. A JWKS cluster is always STRICT_DNS with its
 * endpoint inline: it is one issuer host, and an inline assignment (IP or name) needs no EDS
 * resource for the jwt_authn fetch to start.
 */
export function usesEds(cluster: ClusterIR): boolean {
  return cluster.discovery === 'eds' && cluster.kind !== 'jwks';
}

/**
 * Upstream HTTP filters: ext_proc on every attempt (so a retry to another backend is
 * translated for that backend), then the codec. HTTP/1.1, which every provider speaks and the
 * data plane implements.
 */
function aiProtocolOptions(gatewayKey: string, extproc: ExtprocTarget): ProtoObject {
  return anyOf(TYPED.httpProtocolOptions, {
    explicit_http_config: { http_protocol_options: {} },
    http_filters: [upstreamExtProcFilter(gatewayKey, extproc), upstreamCodecFilter()],
  });
}

/** One TLS transport socket per distinct SNI, chosen by the endpoint's match metadata. */
function transportSocketMatches(cluster: ClusterIR): ProtoObject[] {
  const snis = [...new Set(cluster.endpoints.flatMap((ep) => (ep.tls ? [ep.tls.sni] : [])))].sort();
  return snis.map((sni) => ({
    name: `tls/${sni}`,
    match: stringStruct({ tls: sni }),
    transport_socket: {
      name: TLS_TRANSPORT_SOCKET,
      typed_config: anyOf(TYPED.upstreamTls, {
        sni,
        common_tls_context: {
          // Verify the provider's certificate (chain and name): API keys must not go to whoever
          // answers. Envoy verifies a chain only against trusted_ca (its system_root_certs is
          // documented as not implemented), so the system bundle is named by path.
          validation_context: {
            trusted_ca: { filename: SYSTEM_CA_BUNDLE },
            match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: sni } }],
          },
        },
      }),
    },
  }));
}

/** The cluster every ext_proc filter calls: HTTP/2 (gRPC) over a Unix socket or TCP. */
export function renderExtprocCluster(extproc: ExtprocTarget): ProtoObject {
  const dns = extproc.kind === 'tcp' && isIP(extproc.address) === 0;
  const address =
    extproc.kind === 'uds' ? pipeAddress(extproc.path) : socketAddress(extproc.address, extproc.port);
  const out: ProtoObject = {
    name: EXTPROC_CLUSTER,
    // STATIC needs an IP or a pipe; a Service DNS name needs resolving.
    type: dns ? 'STRICT_DNS' : 'STATIC',
    connect_timeout: duration(EXTPROC_CONNECT_TIMEOUT_MS),
    typed_extension_protocol_options: {
      [HTTP_PROTOCOL_OPTIONS_KEY]: anyOf(TYPED.httpProtocolOptions, {
        explicit_http_config: { http2_protocol_options: {} },
      }),
    },
    load_assignment: {
      cluster_name: EXTPROC_CLUSTER,
      endpoints: [{ lb_endpoints: [{ endpoint: { address } }] }],
    },
  };
  if (dns) out.dns_lookup_family = 'V4_PREFERRED';
  return out;
}

// The Envoy v3 Bootstrap for one Gateway's proxies (`tollgate run --envoy`, the Helm chart):
// identity (node.cluster = Gateway key, see docs/architecture.md "Node identity") and one ADS
// stream to the controller, from which listeners and clusters (and through them routes,
// endpoints and secrets) are fetched. With `xdsTls`, the xds cluster speaks mTLS: Envoy
// presents DIR/tls.crt + DIR/tls.key, trusts only DIR/ca.crt and requires the controller's
// Service name as a DNS SAN (the files are a kubernetes.io/tls Secret mount; Envoy reads static
// TLS files once, so the provisioner rolls the pods when the client certificate rotates).
import { isIP } from 'node:net';
import type { ProtoObject } from '../../lib/protos';
import {
  adsConfigSource,
  anyOf,
  duration,
  HTTP_PROTOCOL_OPTIONS_KEY,
  pipeAddress,
  socketAddress,
  TLS_TRANSPORT_SOCKET,
  TYPED,
} from './proto-values';

export const XDS_CLUSTER = 'xds_cluster';

export interface BootstrapOptions {
  nodeId: string;
  /** "namespace/name" of the Gateway; becomes node.cluster, which selects the snapshot. */
  gatewayKey: string;
  adsAddress: { host: string; port: number } | { path: string };
  /** Admin interface on 127.0.0.1 only (it can change Envoy's state); omitted when undefined. */
  adminPort?: number;
  /** mTLS to the controller: a directory holding ca.crt, tls.crt, tls.key, and the server's SAN. */
  xdsTls?: { dir: string; serverName: string };
}

/** The UpstreamTlsContext transport socket of the xds cluster. */
export function xdsTransportSocket(tls: { dir: string; serverName: string }): ProtoObject {
  if (!tls.dir.startsWith('/'))
    throw new Error(`envoyBootstrap: xdsTls.dir must be absolute, got "${tls.dir}"`);
  if (!tls.serverName) throw new Error('envoyBootstrap: xdsTls.serverName must not be empty');
  const file = (name: string): ProtoObject => ({ filename: `${tls.dir.replace(/\/+$/, '')}/${name}` });
  return {
    name: TLS_TRANSPORT_SOCKET,
    typed_config: anyOf(TYPED.upstreamTls, {
      sni: tls.serverName,
      common_tls_context: {
        tls_certificates: [{ certificate_chain: file('tls.crt'), private_key: file('tls.key') }],
        validation_context: {
          trusted_ca: file('ca.crt'),
          match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: tls.serverName } }],
        },
        // gRPC over TLS negotiates HTTP/2 by ALPN.
        alpn_protocols: ['h2'],
      },
    }),
  };
}

export function envoyBootstrap(options: BootstrapOptions): ProtoObject {
  if (!options.nodeId) throw new Error('envoyBootstrap: nodeId must not be empty');
  if (!/^[^/\s]+\/[^/\s]+$/.test(options.gatewayKey)) {
    throw new Error(`envoyBootstrap: gatewayKey must be "namespace/name", got "${options.gatewayKey}"`);
  }
  const ads = options.adsAddress;
  if ('port' in ads) checkPort('adsAddress.port', ads.port);
  const dns = 'host' in ads && isIP(ads.host) === 0;
  const bootstrap: ProtoObject = {
    node: { id: options.nodeId, cluster: options.gatewayKey },
    dynamic_resources: {
      ads_config: {
        api_type: 'GRPC',
        transport_api_version: 'V3',
        grpc_services: [{ envoy_grpc: { cluster_name: XDS_CLUSTER } }],
        set_node_on_first_message_only: true,
      },
      lds_config: adsConfigSource(),
      cds_config: adsConfigSource(),
    },
    static_resources: {
      clusters: [
        {
          name: XDS_CLUSTER,
          type: dns ? 'STRICT_DNS' : 'STATIC',
          connect_timeout: duration(5000),
          // gRPC needs HTTP/2.
          typed_extension_protocol_options: {
            [HTTP_PROTOCOL_OPTIONS_KEY]: anyOf(TYPED.httpProtocolOptions, {
              explicit_http_config: { http2_protocol_options: {} },
            }),
          },
          ...(options.xdsTls ? { transport_socket: xdsTransportSocket(options.xdsTls) } : {}),
          load_assignment: {
            cluster_name: XDS_CLUSTER,
            endpoints: [
              {
                lb_endpoints: [
                  {
                    endpoint: {
                      address: 'path' in ads ? pipeAddress(ads.path) : socketAddress(ads.host, ads.port),
                    },
                  },
                ],
              },
            ],
          },
        },
      ],
    },
  };
  if (options.adminPort !== undefined) {
    checkPort('adminPort', options.adminPort);
    bootstrap.admin = { address: socketAddress('127.0.0.1', options.adminPort) };
  }
  return bootstrap;
}

function checkPort(what: string, port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`envoyBootstrap: ${what} ${port} is not a port`);
}

// Small builders for the protobuf well-known values our xDS objects are made of, in the object
// form lib/protos.ts encodes (docs/architecture.md "Toolchain"): Any as { '@type', ...fields },
// Duration as { seconds, nanos }, wrappers as { value }, Struct as { fields }. Also the type URLs
// of the resources we serve, so every file spells them the same way.
import { typeUrlOf, type ProtoObject } from '../../lib/protos';

export const LISTENER_TYPE_URL = typeUrlOf('envoy.config.listener.v3.Listener');
export const ROUTE_TYPE_URL = typeUrlOf('envoy.config.route.v3.RouteConfiguration');
export const CLUSTER_TYPE_URL = typeUrlOf('envoy.config.cluster.v3.Cluster');
export const ENDPOINT_TYPE_URL = typeUrlOf('envoy.config.endpoint.v3.ClusterLoadAssignment');
export const SECRET_TYPE_URL = typeUrlOf('envoy.extensions.transport_sockets.tls.v3.Secret');
export const BOOTSTRAP_TYPE_URL = typeUrlOf('envoy.config.bootstrap.v3.Bootstrap');

/** Type URLs of the typed_config payloads we embed. */
export const TYPED = {
  hcm: typeUrlOf('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager'),
  router: typeUrlOf('envoy.extensions.filters.http.router.v3.Router'),
  extProc: typeUrlOf('envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor'),
  extProcPerRoute: typeUrlOf('envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute'),
  jwtAuthn: typeUrlOf('envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication'),
  upstreamCodec: typeUrlOf('envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec'),
  httpProtocolOptions: typeUrlOf('envoy.extensions.upstreams.http.v3.HttpProtocolOptions'),
  downstreamTls: typeUrlOf('envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext'),
  upstreamTls: typeUrlOf('envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext'),
  previousPriorities: typeUrlOf(
    'envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig',
  ),
  previousHosts: typeUrlOf('envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate'),
} as const;

/** The key of Cluster.typed_extension_protocol_options that carries HttpProtocolOptions. */
export const HTTP_PROTOCOL_OPTIONS_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
export const TLS_TRANSPORT_SOCKET = 'envoy.transport_sockets.tls';

/** An Any holding `fields` as the message named by `typeUrl`. */
export function anyOf(typeUrl: string, fields: ProtoObject = {}): ProtoObject {
  return { '@type': typeUrl, ...fields };
}

/** Milliseconds as a Duration; zero fields are left out, as a decode would leave them. */
export function duration(ms: number): ProtoObject {
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`duration must be a number of ms >= 0, got ${ms}`);
  const total = Math.round(ms * 1_000_000);
  const seconds = Math.floor(total / 1_000_000_000);
  const nanos = total % 1_000_000_000;
  const out: ProtoObject = {};
  if (seconds) out.seconds = seconds;
  if (nanos) out.nanos = nanos;
  return out;
}

export function u32(value: number): ProtoObject {
  return { value };
}

/**
 * A Struct of string values (metadata), keys in a stable order. protobufjs defines
 * google.protobuf.Value itself, with camelCase field names even under keepCase, so it is
 * `stringValue`: `string_value` would be dropped silently on encode.
 */
export function stringStruct(values: Record<string, string>): ProtoObject {
  const fields: Record<string, ProtoObject> = {};
  for (const key of Object.keys(values).sort()) fields[key] = { stringValue: values[key] };
  return { fields };
}

/** A ConfigSource that says "the same ADS stream", the only source we serve. */
export function adsConfigSource(): ProtoObject {
  return { ads: {}, resource_api_version: 'V3' };
}

/** A core.v3.Address for an IP/hostname and port, or a Unix socket path. */
export function socketAddress(address: string, port: number): ProtoObject {
  return { socket_address: { address, port_value: port } };
}

export function pipeAddress(path: string): ProtoObject {
  return { pipe: { path } };
}

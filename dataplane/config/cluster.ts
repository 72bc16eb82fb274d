// Cluster -> ClusterConfig: discovery type (STATIC, STRICT_DNS, EDS), connect timeout, load
// balancing, upstream TLS (transport_socket / transport_socket_matches) and the upstream HTTP
// filters [ext_proc, upstream_codec]. Reference:
// https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto
import { FILTER } from '../../lib/headers';
import type { ProtoObject } from '../../lib/protos';
import {
  ConfigError,
  DEFAULT_BUFFER_LIMIT_BYTES,
  allowFields,
  asObject,
  checkAdsSource,
  durationMs,
  extProcConfig,
  list,
  optObject,
  optString,
  reqString,
  structToPlain,
  wrappedNumber,
} from './fields';
import { convertLoadAssignment } from './endpoint';
import { convertUpstreamTransportSocket } from './upstream-tls';
import type { ClusterConfig } from './types';

const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

export function convertCluster(msg: ProtoObject): ClusterConfig {
  allowFields(
    msg,
    [
      'name',
      'type',
      'eds_cluster_config',
      'connect_timeout',
      'lb_policy',
      'load_assignment',
      'transport_socket',
      'transport_socket_matches',
      'typed_extension_protocol_options',
      'common_lb_config',
      'dns_refresh_rate',
      'dns_lookup_family',
      'per_connection_buffer_limit_bytes',
    ],
    'Cluster',
  );
  const name = reqString(msg, 'name', 'Cluster');
  const at = `Cluster(${name})`;
  const type = msg.type === undefined ? 'STATIC' : String(msg.type);
  if (type !== 'STATIC' && type !== 'STRICT_DNS' && type !== 'EDS')
    throw new ConfigError(`${at}.type: ${type} is not supported`);
  const discovery = type === 'STATIC' ? 'static' : type === 'EDS' ? 'eds' : 'strict_dns';
  let edsServiceName = name;
  if (discovery === 'eds') {
    const eds = asObject(msg.eds_cluster_config, `${at}.eds_cluster_config`);
    allowFields(eds, ['eds_config', 'service_name'], `${at}.eds_cluster_config`);
    checkAdsSource(eds, 'eds_config', `${at}.eds_cluster_config`);
    edsServiceName = optString(eds, 'service_name', `${at}.eds_cluster_config`) || name;
  } else if (msg.eds_cluster_config !== undefined)
    throw new ConfigError(`${at}.eds_cluster_config: only for EDS clusters`);
  const inline = optObject(msg, 'load_assignment', at);
  if (discovery !== 'eds' && !inline) throw new ConfigError(`${at}.load_assignment: required for ${type}`);
  const lb = msg.lb_policy === undefined ? 'ROUND_ROBIN' : String(msg.lb_policy);
  if (lb !== 'ROUND_ROBIN' && lb !== 'RANDOM')
    throw new ConfigError(`${at}.lb_policy: ${lb} is not supported`);
  const common = optObject(msg, 'common_lb_config', at);
  if (common) {
    allowFields(common, ['locality_weighted_lb_config'], `${at}.common_lb_config`);
    allowFields(
      optObject(common, 'locality_weighted_lb_config', `${at}.common_lb_config`) ?? {},
      [],
      `${at}.common_lb_config.locality_weighted_lb_config`,
    );
  }
  const family = msg.dns_lookup_family === undefined ? 'AUTO' : String(msg.dns_lookup_family);
  if (family !== 'AUTO' && family !== 'V4_ONLY' && family !== 'V4_PREFERRED' && family !== 'ALL')
    throw new ConfigError(`${at}.dns_lookup_family: ${family} is not supported`);
  const transportSocketMatches = list(msg, 'transport_socket_matches', at).map((m, i) => {
    const mat = `${at}.transport_socket_matches[${i}]`;
    const tsm = asObject(m, mat);
    allowFields(tsm, ['name', 'match', 'transport_socket'], mat);
    return {
      name: optString(tsm, 'name', mat) ?? '',
      match: structToPlain(tsm.match),
      tls: convertUpstreamTransportSocket(
        asObject(tsm.transport_socket, `${mat}.transport_socket`),
        `${mat}.transport_socket`,
      ),
    };
  });
  const socket = optObject(msg, 'transport_socket', at);
  const { upstreamExtProc, http2 } = convertProtocolOptions(msg, at);
  return {
    name,
    discovery,
    edsServiceName,
    connectTimeoutMs: durationMs(msg, 'connect_timeout', at) ?? 5000,
    lbPolicy: lb === 'RANDOM' ? 'random' : 'round_robin',
    localityWeighted: common?.locality_weighted_lb_config !== undefined,
    loadAssignment: inline ? convertLoadAssignment(inline, `${at}.load_assignment`) : undefined,
    dnsRefreshMs: durationMs(msg, 'dns_refresh_rate', at) || 5000,
    dnsLookupFamily: family,
    transportSocketMatches,
    tls: socket ? convertUpstreamTransportSocket(socket, `${at}.transport_socket`) : undefined,
    upstreamExtProc,
    http2,
    bufferLimitBytes:
      wrappedNumber(msg, 'per_connection_buffer_limit_bytes', at) ?? DEFAULT_BUFFER_LIMIT_BYTES,
  };
}

function convertProtocolOptions(
  msg: ProtoObject,
  at: string,
): { upstreamExtProc?: ProtoObject; http2: boolean } {
  const options = optObject(msg, 'typed_extension_protocol_options', at) ?? {};
  let upstreamExtProc: ProtoObject | undefined;
  let http2 = false;
  for (const [key, value] of Object.entries(options)) {
    const oat = `${at}.typed_extension_protocol_options.${key}`;
    if (key !== HTTP_PROTOCOL_OPTIONS) throw new ConfigError(`${oat}: not supported`);
    const opts = asObject(value, oat);
    allowFields(opts, ['explicit_http_config', 'http_filters'], oat);
    const explicit = optObject(opts, 'explicit_http_config', oat);
    if (explicit) {
      allowFields(
        explicit,
        ['http_protocol_options', 'http2_protocol_options'],
        `${oat}.explicit_http_config`,
      );
      for (const field of ['http_protocol_options', 'http2_protocol_options'])
        allowFields(
          optObject(explicit, field, `${oat}.explicit_http_config`) ?? {},
          [],
          `${oat}.explicit_http_config.${field}`,
        );
      http2 = explicit.http2_protocol_options !== undefined;
    }
    const filters = list(opts, 'http_filters', oat).map((f, i) => asObject(f, `${oat}.http_filters[${i}]`));
    filters.forEach((f, i) => {
      const fat = `${oat}.http_filters[${i}]`;
      allowFields(f, ['name', 'typed_config'], fat);
      const last = i === filters.length - 1;
      if (f.name === FILTER.upstreamCodec && last) return;
      if (f.name === FILTER.extProc && !last && !upstreamExtProc) {
        upstreamExtProc = extProcConfig(f.typed_config, `${fat}.typed_config`);
        return;
      }
      throw new ConfigError(`${fat}.name: only [${FILTER.extProc}, ${FILTER.upstreamCodec}] is supported`);
    });
    if (filters.length > 0 && filters.at(-1)?.name !== FILTER.upstreamCodec)
      throw new ConfigError(`${oat}.http_filters: ${FILTER.upstreamCodec} must be last`);
  }
  return { upstreamExtProc, http2 };
}

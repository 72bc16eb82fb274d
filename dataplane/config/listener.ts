// Listener + HttpConnectionManager -> ListenerConfig. One filter chain per listener holding one
// HCM, optionally with a DownstreamTlsContext (certificates inline or by SDS name, client
// certificates verified against an inline CA); HTTP filters [jwt_authn?, ext_proc?, router] as
// docs/architecture.md renders them. Reference:
// https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto
import { FILTER } from '../../lib/headers';
import type { ProtoObject } from '../../lib/protos';
import {
  ConfigError,
  DEFAULT_BUFFER_LIMIT_BYTES,
  allowFields,
  asObject,
  checkAdsSource,
  dataSource,
  durationMs,
  extProcConfig,
  list,
  optBool,
  optObject,
  optString,
  reqString,
  wrappedNumber,
} from './fields';
import { convertJwtAuthn } from './jwt-authn';
import { convertRouteTable } from './route';
import type { CertificateRef, ClientValidation, HcmConfig, ListenerConfig } from './types';

const TLS_SOCKET = 'envoy.transport_sockets.tls';
const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 5 * 60_000;

export function convertListener(msg: ProtoObject): ListenerConfig {
  const where = 'Listener';
  allowFields(msg, ['name', 'address', 'filter_chains', 'per_connection_buffer_limit_bytes'], where);
  const name = reqString(msg, 'name', where);
  const at = `Listener(${name})`;
  const address = asObject(msg.address, `${at}.address`);
  allowFields(address, ['socket_address'], `${at}.address`);
  const sock = asObject(address.socket_address, `${at}.address.socket_address`);
  allowFields(sock, ['address', 'port_value', 'protocol'], `${at}.address.socket_address`);
  if (sock.protocol !== undefined && sock.protocol !== 'TCP')
    throw new ConfigError(`${at}.address.socket_address.protocol: only TCP`);
  const port = typeof sock.port_value === 'number' ? sock.port_value : 0;
  const chains = list(msg, 'filter_chains', at);
  if (chains.length !== 1)
    throw new ConfigError(`${at}.filter_chains: exactly one filter chain is supported`);
  const chain = asObject(chains[0], `${at}.filter_chains[0]`);
  allowFields(chain, ['filters', 'transport_socket', 'name'], `${at}.filter_chains[0]`);
  const filters = list(chain, 'filters', `${at}.filter_chains[0]`);
  const only = filters.length === 1 ? asObject(filters[0], `${at}.filter_chains[0].filters[0]`) : undefined;
  if (!only || only.name !== FILTER.hcm)
    throw new ConfigError(`${at}.filter_chains[0].filters: exactly one ${FILTER.hcm} is supported`);
  allowFields(only, ['name', 'typed_config'], `${at}.filter_chains[0].filters[0]`);
  const hcm = convertHcm(asObject(only.typed_config, `${at}.hcm`), `${at}.hcm`);
  const socket = optObject(chain, 'transport_socket', `${at}.filter_chains[0]`);
  const tls = socket ? convertDownstreamTls(socket, `${at}.transport_socket`) : undefined;
  return {
    name,
    address: reqString(sock, 'address', `${at}.address.socket_address`),
    port,
    tls,
    hcm,
    bufferLimitBytes:
      wrappedNumber(msg, 'per_connection_buffer_limit_bytes', at) ?? DEFAULT_BUFFER_LIMIT_BYTES,
  };
}

function convertHcm(msg: ProtoObject, at: string): HcmConfig {
  allowFields(
    msg,
    [
      'stat_prefix',
      'codec_type',
      'rds',
      'route_config',
      'http_filters',
      'stream_idle_timeout',
      'use_remote_address',
      'server_name',
      'strip_any_host_port',
      'normalize_path',
      'merge_slashes',
    ],
    at,
  );
  if (msg.codec_type !== undefined && msg.codec_type !== 'AUTO' && msg.codec_type !== 'HTTP1')
    throw new ConfigError(`${at}.codec_type: only AUTO and HTTP1 (HTTP/1.1) are supported`);
  let routes: HcmConfig['routes'];
  const rds = optObject(msg, 'rds', at);
  const inline = optObject(msg, 'route_config', at);
  if (rds) {
    allowFields(rds, ['config_source', 'route_config_name'], `${at}.rds`);
    checkAdsSource(rds, 'config_source', `${at}.rds`);
    routes = { kind: 'rds', name: reqString(rds, 'route_config_name', `${at}.rds`) };
  } else if (inline) {
    routes = { kind: 'inline', table: convertRouteTable(inline) };
  } else {
    throw new ConfigError(`${at}: rds or route_config is required`);
  }
  const filters = list(msg, 'http_filters', at).map((f, i) => asObject(f, `${at}.http_filters[${i}]`));
  let extProc: ProtoObject | undefined;
  let jwtAuthn: HcmConfig['jwtAuthn'];
  filters.forEach((f, i) => {
    const fat = `${at}.http_filters[${i}]`;
    allowFields(f, ['name', 'typed_config'], fat);
    const last = i === filters.length - 1;
    if (f.name === FILTER.router) {
      if (!last) throw new ConfigError(`${fat}: the router must be the last HTTP filter`);
      allowFields(optObject(f, 'typed_config', fat) ?? {}, [], `${fat}.typed_config`);
    } else if (f.name === FILTER.extProc && !last && extProc === undefined) {
      extProc = extProcConfig(f.typed_config, `${fat}.typed_config`);
    } else if (f.name === FILTER.jwtAuthn && i === 0 && !last) {
      // First: ext_proc must see the dynamic metadata it writes.
      jwtAuthn = convertJwtAuthn(asObject(f.typed_config, `${fat}.typed_config`), `${fat}.typed_config`);
    } else {
      throw new ConfigError(
        `${fat}.name: ${String(f.name)} is not supported here (only [jwt_authn, ext_proc, router])`,
      );
    }
  });
  if (filters.at(-1)?.name !== FILTER.router) throw new ConfigError(`${at}.http_filters: router is required`);
  const useRemote = optObject(msg, 'use_remote_address', at);
  return {
    statPrefix: optString(msg, 'stat_prefix', at) ?? '',
    routes,
    jwtAuthn,
    extProc,
    streamIdleTimeoutMs: durationMs(msg, 'stream_idle_timeout', at) ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS,
    useRemoteAddress: useRemote?.value === true,
    serverName: optString(msg, 'server_name', at) ?? 'envoy',
    stripAnyHostPort: msg.strip_any_host_port === true,
    // BoolValue; unset means Envoy's default (false, unless a runtime flag says otherwise).
    normalizePath: optObject(msg, 'normalize_path', at)?.value === true,
    mergeSlashes: optBool(msg, 'merge_slashes', at) ?? false,
  };
}

function convertDownstreamTls(socket: ProtoObject, at: string): NonNullable<ListenerConfig['tls']> {
  allowFields(socket, ['name', 'typed_config'], at);
  if (socket.name !== TLS_SOCKET) throw new ConfigError(`${at}.name: only ${TLS_SOCKET}`);
  const ctx = asObject(socket.typed_config, `${at}.typed_config`);
  allowFields(ctx, ['common_tls_context', 'require_client_certificate'], `${at}.typed_config`);
  const common = asObject(ctx.common_tls_context, `${at}.common_tls_context`);
  const cat = `${at}.common_tls_context`;
  allowFields(
    common,
    ['tls_certificate_sds_secret_configs', 'tls_certificates', 'alpn_protocols', 'validation_context'],
    cat,
  );
  const certificates = convertCertificates(common, cat);
  const required = optObject(ctx, 'require_client_certificate', `${at}.typed_config`)?.value === true;
  const validation = optObject(common, 'validation_context', cat);
  if (!validation) {
    // Envoy refuses require_client_certificate without a validation context.
    if (required) throw new ConfigError(`${at}: require_client_certificate needs a validation_context`);
    return { certificates };
  }
  return {
    certificates,
    clientValidation: convertClientValidation(validation, `${cat}.validation_context`, required),
  };
}

/**
 * Chain verification against trusted_ca only; SAN matchers and the rest of
 * CertificateValidationContext are refused (Tollgate maps identity from the certificate in extproc).
 */
function convertClientValidation(msg: ProtoObject, at: string, required: boolean): ClientValidation {
  allowFields(msg, ['trusted_ca'], at);
  return { trustedCa: dataSource(msg, 'trusted_ca', at), required };
}

function convertCertificates(common: ProtoObject, cat: string): CertificateRef[] {
  for (const alpn of list(common, 'alpn_protocols', cat))
    if (alpn !== 'http/1.1') throw new ConfigError(`${cat}.alpn_protocols: only http/1.1 is served`);
  const certs: CertificateRef[] = [];
  list(common, 'tls_certificate_sds_secret_configs', cat).forEach((s, i) => {
    const sat = `${cat}.tls_certificate_sds_secret_configs[${i}]`;
    const sds = asObject(s, sat);
    allowFields(sds, ['name', 'sds_config'], sat);
    checkAdsSource(sds, 'sds_config', sat);
    certs.push({ kind: 'sds', name: reqString(sds, 'name', sat) });
  });
  list(common, 'tls_certificates', cat).forEach((c, i) => {
    const tat = `${cat}.tls_certificates[${i}]`;
    const cert = asObject(c, tat);
    allowFields(cert, ['certificate_chain', 'private_key'], tat);
    certs.push({
      kind: 'inline',
      certificateChain: dataSource(cert, 'certificate_chain', tat),
      privateKey: dataSource(cert, 'private_key', tat),
    });
  });
  if (certs.length === 0) throw new ConfigError(`${cat}: no certificate`);
  return certs;
}

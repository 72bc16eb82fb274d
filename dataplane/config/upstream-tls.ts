// An upstream transport socket (a cluster's transport_socket or a transport_socket_matches entry)
// -> UpstreamTls: SNI, the CA bundle the server's chain is verified against (trusted_ca) and the
// subject alt names it must present (match_typed_subject_alt_names). As in Envoy, the chain is
// verified only with trusted_ca and the name only with SAN matchers. References:
// https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/common.proto#extensions-transport-sockets-tls-v3-certificatevalidationcontext
// https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/security/ssl#enabling-certificate-verification
import type { ProtoObject } from '../../lib/protos';
import { ConfigError, allowFields, asObject, dataSource, list, optObject, optString } from './fields';
import { convertStringMatcher } from './route-parts';
import type { SanMatcher, UpstreamTls } from './types';

const TLS_SOCKET = 'envoy.transport_sockets.tls';
const RAW_SOCKET = 'envoy.transport_sockets.raw_buffer';
const SAN_TYPES: readonly SanMatcher['type'][] = ['DNS', 'URI', 'IP_ADDRESS', 'EMAIL'];

/** undefined for a plaintext (raw_buffer) socket. */
export function convertUpstreamTransportSocket(msg: ProtoObject, at: string): UpstreamTls | undefined {
  allowFields(msg, ['name', 'typed_config'], at);
  if (msg.name === RAW_SOCKET) return undefined;
  if (msg.name !== TLS_SOCKET) throw new ConfigError(`${at}.name: ${String(msg.name)} is not supported`);
  const ctx = asObject(msg.typed_config, `${at}.typed_config`);
  allowFields(ctx, ['sni', 'common_tls_context'], `${at}.typed_config`);
  const tls: UpstreamTls = { sni: optString(ctx, 'sni', `${at}.typed_config`), subjectAltNames: [] };
  const common = optObject(ctx, 'common_tls_context', `${at}.typed_config`);
  if (!common) return tls;
  const cat = `${at}.typed_config.common_tls_context`;
  allowFields(common, ['validation_context', 'alpn_protocols'], cat);
  for (const alpn of list(common, 'alpn_protocols', cat))
    if (alpn !== 'http/1.1') throw new ConfigError(`${cat}.alpn_protocols: only http/1.1 is spoken upstream`);
  const validation = optObject(common, 'validation_context', cat);
  if (!validation) return tls;
  const vat = `${cat}.validation_context`;
  if (validation.system_root_certs !== undefined)
    // Envoy documents system_root_certs as not implemented (it is for gRPC's xDS client): Envoy
    // would not verify the chain at all. Refuse it rather than give a false sense of safety.
    throw new ConfigError(`${vat}.system_root_certs: not implemented by Envoy; use trusted_ca`);
  allowFields(validation, ['trusted_ca', 'match_typed_subject_alt_names'], vat);
  if (validation.trusted_ca !== undefined) tls.trustedCa = dataSource(validation, 'trusted_ca', vat);
  tls.subjectAltNames = list(validation, 'match_typed_subject_alt_names', vat).map((m, i) =>
    convertSanMatcher(
      asObject(m, `${vat}.match_typed_subject_alt_names[${i}]`),
      `${vat}.match_typed_subject_alt_names[${i}]`,
    ),
  );
  return tls;
}

function convertSanMatcher(msg: ProtoObject, at: string): SanMatcher {
  allowFields(msg, ['san_type', 'matcher'], at);
  const type = String(msg.san_type ?? 'SAN_TYPE_UNSPECIFIED') as SanMatcher['type'];
  if (!SAN_TYPES.includes(type)) throw new ConfigError(`${at}.san_type: ${type} is not supported`);
  return { type, test: convertStringMatcher(asObject(msg.matcher, `${at}.matcher`), `${at}.matcher`) };
}

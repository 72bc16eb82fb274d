// One Envoy Listener per Gateway port: an HCM filter chain, plus TLS termination with
// certificates fetched by name over SDS (the same ADS stream) on HTTPS ports, and client
// certificate validation against the AIClientPolicy's CAs when the listener has one.
import type { ProtoObject } from '../../lib/protos';
import type { ClientValidationIR, ExtprocTarget, ListenerIR } from '../ir/types';
import { httpConnectionManager } from './hcm';
import { adsConfigSource, anyOf, socketAddress, TLS_TRANSPORT_SOCKET, TYPED, u32 } from './proto-values';

export function renderListener(
  gatewayKey: string,
  listener: ListenerIR,
  extproc: ExtprocTarget,
  bufferLimitBytes: number,
): ProtoObject {
  const chain: ProtoObject = { filters: [httpConnectionManager(gatewayKey, listener, extproc)] };
  if (listener.protocol === 'HTTPS')
    chain.transport_socket = downstreamTls(listener.tlsSecrets, listener.clientValidation);
  const out: ProtoObject = {
    name: listener.name,
    address: socketAddress(listener.address, listener.port),
    filter_chains: [chain],
    // The router-level ext_proc buffers the request body in this buffer (413 past it).
    per_connection_buffer_limit_bytes: u32(bufferLimitBytes),
  };
  return out;
}

/**
 * TLS termination with every certificate of the port; Envoy picks the one whose SANs match
 * the client's SNI, so one filter chain serves all hostnames of the port.
 */
function downstreamTls(secretNames: string[], clients: ClientValidationIR | undefined): ProtoObject {
  const common: ProtoObject = {
    tls_certificate_sds_secret_configs: secretNames.map((name) => ({ name, sds_config: adsConfigSource() })),
  };
  const context: ProtoObject = { common_tls_context: common };
  if (clients) {
    // The CAs travel inline with the listener (a CA change re-pushes the listener, rare). No
    // SAN matcher: any certificate that chains to these CAs is accepted, and extproc maps its
    // subject CN, URI SAN or DNS SAN to the caller's identity (AIClientPolicy mtls.userFrom).
    common.validation_context = { trusted_ca: { inline_string: clients.caCertificates } };
    // Optional: a connection without a certificate is served (the policy decides); a
    // certificate that is presented must still verify, or the handshake fails.
    context.require_client_certificate = { value: !clients.optional };
  }
  return { name: TLS_TRANSPORT_SOCKET, typed_config: anyOf(TYPED.downstreamTls, context) };
}

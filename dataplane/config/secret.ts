// SDS Secret -> SecretConfig: a TLS certificate chain and private key (PEM).
// Reference: https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/secret.proto
import type { ProtoObject } from '../../lib/protos';
import { allowFields, asObject, dataSource, reqString } from './fields';
import type { SecretConfig } from './types';

export function convertSecret(msg: ProtoObject): SecretConfig {
  allowFields(msg, ['name', 'tls_certificate'], 'Secret');
  const name = reqString(msg, 'name', 'Secret');
  const at = `Secret(${name}).tls_certificate`;
  const cert = asObject(msg.tls_certificate, at);
  allowFields(cert, ['certificate_chain', 'private_key'], at);
  return {
    name,
    certificateChain: dataSource(cert, 'certificate_chain', at),
    privateKey: dataSource(cert, 'private_key', at),
  };
}

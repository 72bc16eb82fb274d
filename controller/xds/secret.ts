// SDS Secrets: the certificates of HTTPS listeners, served by name ("ns/secret") over ADS so a
// certificate rotation updates Envoy without touching the listener.
import type { ProtoObject } from '../../lib/protos';
import type { TlsSecretIR } from '../ir/types';

export function renderSecret(secret: TlsSecretIR): ProtoObject {
  return {
    name: secret.name,
    tls_certificate: {
      certificate_chain: { inline_string: secret.certificateChain },
      private_key: { inline_string: secret.privateKey },
    },
  };
}

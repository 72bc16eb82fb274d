// TLS certificates of HTTPS listeners: certificateRefs -> Secrets with tls.crt and tls.key, in the
// Gateway's namespace or allowed by a ReferenceGrant; anything else makes the listener invalid.
import { GATEWAY_GROUP, secretValue, type Gateway, type Listener } from '../api';
import type { TlsSecretIR } from '../ir/types';
import type { Resources } from '../provider/resources';
import { namespaceOf, referenceAllowed, type ObjectIndex } from './refs';
import { Reason } from './status';

export type CertResult =
  { ok: true; secrets: TlsSecretIR[] } | { ok: false; reason: Reason; message: string };

export function resolveCertificates(
  spec: Listener,
  gateway: Gateway,
  resources: Resources,
  index: ObjectIndex<Resources['secrets'][number]>,
): CertResult {
  const refs = spec.tls?.certificateRefs ?? [];
  if (refs.length === 0)
    return {
      ok: false,
      reason: Reason.InvalidCertificateRef,
      message: 'HTTPS listener needs tls.certificateRefs',
    };
  const gwNamespace = namespaceOf(gateway);
  const secrets: TlsSecretIR[] = [];
  for (const ref of refs) {
    const namespace = ref.namespace ?? gwNamespace;
    const name = `${namespace}/${ref.name}`;
    if (ref.group !== '' || ref.kind !== 'Secret')
      return {
        ok: false,
        reason: Reason.InvalidCertificateRef,
        message: `certificateRef ${name}: kind ${ref.kind} is not supported; use a Secret`,
      };
    const from = { group: GATEWAY_GROUP, kind: 'Gateway', namespace: gwNamespace };
    if (
      !referenceAllowed(resources.referenceGrants, from, {
        group: '',
        kind: 'Secret',
        namespace,
        name: ref.name,
      })
    )
      return {
        ok: false,
        reason: Reason.RefNotPermitted,
        message: `certificateRef ${name} is in another namespace and no ReferenceGrant allows it`,
      };
    const secret = index.get(namespace, ref.name);
    const certificateChain = secret && secretValue(secret, 'tls.crt');
    const privateKey = secret && secretValue(secret, 'tls.key');
    if (!secret)
      return {
        ok: false,
        reason: Reason.InvalidCertificateRef,
        message: `certificateRef ${name}: Secret not found`,
      };
    if (!certificateChain || !privateKey)
      return {
        ok: false,
        reason: Reason.InvalidCertificateRef,
        message: `certificateRef ${name}: Secret lacks tls.crt or tls.key`,
      };
    secrets.push({ name, certificateChain, privateKey });
  }
  return { ok: true, secrets };
}

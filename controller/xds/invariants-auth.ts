// The invariants of a listener's caller authentication (ListenerIR.jwt, .clientValidation) that
// the type system cannot say, checked with the rest of checkInvariants(): each would otherwise
// be config Envoy rejects (validate.rules) or a provider that can never fetch its keys.
import type { ClusterIR, ListenerIR } from '../ir/types';

/** Envoy's RemoteJwks.cache_duration: at least 1 ms, below 9e9 seconds. */
const MAX_CACHE_SECONDS = 9_000_000_000;
const HEADER_NAME = /^[^\0\r\n:]+$/;
const HEADER_VALUE = /^[^\0\r\n]*$/;

export function checkListenerAuth(
  problems: string[],
  at: string,
  listener: ListenerIR,
  clusters: Map<string, ClusterIR>,
): void {
  const cv = listener.clientValidation;
  if (cv && listener.protocol !== 'HTTPS') problems.push(`${at}: client validation needs HTTPS`);
  if (cv && !cv.caCertificates.includes('-----BEGIN CERTIFICATE-----'))
    problems.push(`${at}: client validation has no PEM CA certificate`);
  const names = new Set<string>();
  for (const provider of listener.jwt?.providers ?? []) {
    const pat = `${at} jwt provider ${provider.name}`;
    if (provider.name === '') problems.push(`${at}: jwt provider without a name`);
    if (names.has(provider.name)) problems.push(`${pat}: appears twice`);
    names.add(provider.name);
    if (provider.issuer === '') problems.push(`${pat}: issuer is empty`);
    for (const h of provider.fromHeaders ?? []) {
      if (!HEADER_NAME.test(h.name) || !HEADER_VALUE.test(h.valuePrefix))
        problems.push(`${pat}: invalid token header ${JSON.stringify(h.name)}`);
    }
    const jwks = provider.jwks;
    if (jwks.kind === 'inline') {
      if (jwks.json.trim() === '') problems.push(`${pat}: inline JWKS is empty`);
      continue;
    }
    if (!/^https?:\/\/[^/]/.test(jwks.uri)) problems.push(`${pat}: JWKS uri ${jwks.uri} is not http(s)`);
    if (!(jwks.cacheSeconds >= 0.001 && jwks.cacheSeconds < MAX_CACHE_SECONDS))
      problems.push(`${pat}: cacheSeconds must be in [0.001, 9e9), got ${jwks.cacheSeconds}`);
    const cluster = clusters.get(jwks.cluster);
    if (!cluster) problems.push(`${pat}: unknown cluster ${jwks.cluster}`);
    else if (cluster.kind !== 'jwks') problems.push(`${pat}: cluster ${jwks.cluster} is not a jwks cluster`);
  }
}

// The jwt_authn filter's work on one request, in the allow_missing_or_failed shape Tollgate
// renders: find tokens in each provider's headers, verify them (signature against the JWKS,
// issuer, audiences, exp/nbf with clock_skew_seconds), and record the result as dynamic
// metadata of the jwt_authn namespace. It never rejects: a verified payload goes under
// payload_in_metadata, a failure under failed_status_in_metadata as {code, message}, a missing
// token leaves nothing. Where several tokens or providers are involved, the first verified
// token wins and only then no failure is recorded; otherwise the failure of a provider whose
// issuer matched the token is preferred over "issuer is not configured".
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/jwt_authn_filter
import type { JwtAuthnConfig, JwtProviderConfig } from '../config/types';
import type { HeaderList } from '../ext-proc/types';
import { jose } from './jose';
import type { KeySets } from './key-sets';
import { JWT_STATUS, statusOf, type JwtStatus } from './status';

export interface JwtOutcome {
  /** Entries for the jwt_authn dynamic metadata namespace; empty when no token was found. */
  metadata: Record<string, unknown>;
  /** The request headers, without the token header when a provider with forward: false verified it. */
  headers: HeaderList;
}

interface Candidate {
  provider: JwtProviderConfig;
  token: string;
  header: string;
}

/** A token is the run of JWT characters after the prefix, as Envoy's extractor reads it. */
const TOKEN = /^[A-Za-z0-9\-_.+/=]+/;

export async function authenticateJwt(
  config: JwtAuthnConfig,
  headers: HeaderList,
  keySets: KeySets,
): Promise<JwtOutcome> {
  const candidates = extractTokens(config.providers, headers);
  if (candidates.length === 0) return { metadata: {}, headers };
  let failure: { provider: JwtProviderConfig; status: JwtStatus; issuerMatched: boolean } | undefined;
  for (const candidate of candidates) {
    const { provider, token } = candidate;
    let issuer: unknown;
    try {
      issuer = jose.decodeJwt(token).iss;
    } catch {
      failure ??= { provider, status: JWT_STATUS.badFormat, issuerMatched: false };
      continue;
    }
    if (provider.issuer !== '' && issuer !== provider.issuer) {
      failure ??= { provider, status: JWT_STATUS.unknownIssuer, issuerMatched: false };
      continue;
    }
    try {
      const { payload } = await jose.jwtVerify(token, keySets.get(provider.jwks), {
        issuer: provider.issuer || undefined,
        audience: provider.audiences.length > 0 ? provider.audiences : undefined,
        clockTolerance: provider.clockSkewSeconds,
      });
      const metadata: Record<string, unknown> = {};
      if (provider.payloadInMetadata) metadata[provider.payloadInMetadata] = { ...payload };
      const kept = provider.forward ? headers : headers.filter(([name]) => name !== candidate.header);
      return { metadata, headers: kept };
    } catch (err) {
      if (!failure?.issuerMatched) failure = { provider, status: statusOf(err), issuerMatched: true };
    }
  }
  const metadata: Record<string, unknown> = {};
  const key = failure?.provider.failedStatusInMetadata;
  if (failure && key) metadata[key] = { code: failure.status.code, message: failure.status.message };
  return { metadata, headers };
}

/** Every (provider, token) pair in provider order; a header may carry a token for several providers. */
function extractTokens(providers: JwtProviderConfig[], headers: HeaderList): Candidate[] {
  const out: Candidate[] = [];
  for (const provider of providers) {
    for (const location of provider.fromHeaders) {
      for (const [name, value] of headers) {
        if (name !== location.name) continue;
        const prefix = location.valuePrefix;
        if (value.slice(0, prefix.length).toLowerCase() !== prefix.toLowerCase()) continue;
        const token = TOKEN.exec(value.slice(prefix.length).trimStart())?.[0];
        if (token) out.push({ provider, token, header: name });
      }
    }
  }
  return out;
}

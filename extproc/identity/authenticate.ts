// Who is calling, by the caller's AIClientPolicy. Sources are tried in the policy's fixed order
// (apiKeys, jwt, mtls, trustedHeaders) and the first that yields an identity wins; then
// `unauthenticated` decides between the anonymous caller and a 401. Decisions:
// - A presented credential that is wrong is a 401, never a fall-through to anonymous: an
//   unknown or expired API key fails, except that an unknown Bearer token is handed to the jwt
//   source when one is configured (it may be a JWT); if jwt_authn left neither payload nor
//   failure for it, it is still an "invalid API key".
// - A JWT failure from jwt_authn is a 401 with jwt_authn's message; a configured claim missing
//   from a verified payload is a 401 naming the claim (budgets must not silently pool callers).
// - Every jwt_authn provider on a listener writes the same metadata key, so a payload verified
//   for another policy's provider would otherwise pass: when the policy lists its issuers, the
//   payload's `iss` must be one of them (exact string match, as jwt_authn compares), else 401.
// - Trusted headers are read only when source.address is inside sourceCIDRs; from anywhere else
//   they are ignored, so a client cannot claim an identity by sending them.
// - Error messages never echo a key or token.
import { GatewayError } from '../../lib/errors';
import type { ClientPolicyConfig } from '../config/schema';
import type { Identity, IdentityInput } from '../services';
import { keyIndex, presentedKeyOf, sha256Hex } from './api-keys';
import { peerUser } from './peer';
import { isTrustedSource } from './source';

export { apiKeyOf } from './api-keys';

const unauthenticated = (message: string): GatewayError => new GatewayError('unauthenticated', message);

export function authenticate(policy: ClientPolicyConfig, input: IdentityInput, nowMs: number): Identity {
  let unknownBearer = false;
  if (policy.apiKeys) {
    const presented = presentedKeyOf(input.headers);
    if (presented) {
      const found = keyIndex(policy).get(sha256Hex(presented.value));
      if (found) {
        if (found.expiresMs !== undefined && nowMs >= found.expiresMs)
          throw unauthenticated('API key expired');
        const { entry } = found;
        return compact({
          source: 'apiKey',
          apiKey: entry.name,
          tenant: entry.tenant,
          team: entry.team,
          user: entry.user,
        });
      }
      if (!presented.bearer || !policy.jwt) throw unauthenticated('invalid API key');
      unknownBearer = true;
    }
  }

  if (policy.jwt) {
    if (input.jwtFailure !== undefined) throw unauthenticated(`invalid JWT: ${input.jwtFailure}`);
    if (input.jwtPayload) return jwtIdentity(policy.jwt, input.jwtPayload);
  }
  if (unknownBearer) throw unauthenticated('invalid API key');

  if (policy.mtls) {
    const user = peerUser(input.peer, policy.mtls.userFrom);
    if (user !== undefined) return { source: 'mtls', user };
  }

  const trusted = policy.trustedHeaders;
  if (trusted && isTrustedSource(policy, input.sourceAddress)) {
    const user = headerValue(input, trusted.userHeader);
    if (user !== undefined) {
      return compact({
        source: 'header',
        user,
        tenant: headerValue(input, trusted.tenantHeader),
        team: headerValue(input, trusted.teamHeader),
      });
    }
  }

  if (policy.unauthenticated === 'Allow') return { source: 'anonymous' };
  throw unauthenticated(missingCredentialsMessage(policy));
}

type JwtClaims = NonNullable<ClientPolicyConfig['jwt']>;

function jwtIdentity(config: JwtClaims, payload: Record<string, unknown>): Identity {
  if (config.issuers.length > 0) {
    const iss = payload.iss;
    if (typeof iss !== 'string' || !config.issuers.includes(iss))
      throw unauthenticated('invalid JWT: issuer not accepted by this policy');
  }
  const claim = (path: string | undefined): string | undefined => {
    if (path === undefined) return undefined;
    const value = claimAt(payload, path);
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (value === undefined || value === null || value === '')
      throw unauthenticated(`JWT is missing the claim "${path}"`);
    throw unauthenticated(`JWT claim "${path}" is not a string`);
  };
  return compact({
    source: 'jwt',
    user: claim(config.userClaim),
    tenant: claim(config.tenantClaim),
    team: claim(config.teamClaim),
    claims: payload,
  });
}

/** A claim by name; when the name itself is not a claim, dots walk into nested objects. */
export function claimAt(payload: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(payload, path)) return payload[path];
  let current: unknown = payload;
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    if (!Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function headerValue(input: IdentityInput, name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const value = input.headers.get(name.toLowerCase())?.trim();
  return value ? value : undefined;
}

function missingCredentialsMessage(policy: ClientPolicyConfig): string {
  const accepted: string[] = [];
  if (policy.apiKeys) accepted.push('an API key (Authorization: Bearer, api-key or x-api-key header)');
  if (policy.jwt) accepted.push('a JWT (Authorization: Bearer)');
  if (policy.mtls) accepted.push('a client certificate');
  return accepted.length > 0
    ? `authentication required: send ${accepted.join(' or ')}`
    : 'authentication required';
}

/** Drops undefined fields so identities compare and serialize cleanly. */
function compact(identity: Identity): Identity {
  return Object.fromEntries(Object.entries(identity).filter(([, v]) => v !== undefined)) as Identity;
}

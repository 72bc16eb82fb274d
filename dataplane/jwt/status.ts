// The failure status jwt_authn writes with failed_status_in_metadata: a Struct {code, message}
// where code is the number of google::jwt_verify::Status (jwt_verify_lib status.h) and message
// its getStatusString() text, e.g. {code: 3, message: "Jwt is expired"}. Only the statuses this
// data plane can tell apart from jose's errors are listed.
// https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/jwt_authn/v3/config.proto
import { jose } from './jose';

export interface JwtStatus {
  code: number;
  message: string;
}

export const JWT_STATUS = {
  notYetValid: { code: 2, message: 'Jwt not yet valid' },
  expired: { code: 3, message: 'Jwt is expired' },
  badFormat: { code: 4, message: 'Jwt is not in the form of Header.Payload.Signature' },
  algNotImplemented: { code: 8, message: 'Jwt header [alg] field value is invalid' },
  unknownIssuer: { code: 21, message: 'Jwt issuer is not configured' },
  audienceNotAllowed: { code: 22, message: 'Audiences in Jwt are not allowed' },
  verificationFail: { code: 23, message: 'Jwt verification fails' },
  jwksParseError: { code: 25, message: 'Jwks is an invalid JSON' },
  jwksKidAlgMismatch: { code: 29, message: "Jwks doesn't have key to match kid or alg from Jwt" },
  jwksFetchFail: { code: 37, message: 'Jwks remote fetch is failed' },
} as const satisfies Record<string, JwtStatus>;

/** Thrown by a key source that could not produce keys at all (network, HTTP status, JSON). */
export class JwksFetchError extends Error {
  override readonly name = 'JwksFetchError';
}

/** The jwt_verify status of a failed verification (jose's error classes, our fetch error). */
export function statusOf(err: unknown): JwtStatus {
  const e = jose.errors;
  if (err instanceof JwksFetchError) return JWT_STATUS.jwksFetchFail;
  if (err instanceof e.JWTExpired) return JWT_STATUS.expired;
  if (err instanceof e.JWTClaimValidationFailed) {
    if (err.claim === 'nbf' || err.claim === 'iat') return JWT_STATUS.notYetValid;
    if (err.claim === 'iss') return JWT_STATUS.unknownIssuer;
    if (err.claim === 'aud') return JWT_STATUS.audienceNotAllowed;
    return JWT_STATUS.badFormat;
  }
  if (err instanceof e.JWKSNoMatchingKey || err instanceof e.JWKSMultipleMatchingKeys)
    return JWT_STATUS.jwksKidAlgMismatch;
  if (err instanceof e.JWKSInvalid || err instanceof e.JWKInvalid) return JWT_STATUS.jwksParseError;
  if (err instanceof e.JOSEAlgNotAllowed || err instanceof e.JOSENotSupported)
    return JWT_STATUS.algNotImplemented;
  if (err instanceof e.JWSSignatureVerificationFailed) return JWT_STATUS.verificationFail;
  // JWSInvalid, JWTInvalid and anything else about the token's shape.
  return JWT_STATUS.badFormat;
}

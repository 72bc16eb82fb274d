// When a certificate must be (re-)issued: it is missing or unparsable, not signed by the
// current CA, lacks a wanted SAN, or has less than a third of its lifetime left (the
// cert-manager default: a 90-day leaf is renewed 30 days before it expires, which leaves time
// for mounted Secrets to propagate and for a failed rotation to be retried many times).
import { X509Certificate } from 'node:crypto';

export interface RotationCheck {
  rotate: boolean;
  reason: string;
}

export const RENEW_FRACTION = 1 / 3;

/** The SANs of a certificate as plain strings ("DNS:x" and "IP Address:y" prefixes removed). */
export function sansOf(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(', ')
    .filter(Boolean)
    .map((s) => s.replace(/^(DNS|IP Address):/, ''));
}

export function rotationNeeded(
  certPem: string | undefined,
  options: { caPem?: string; sans?: string[]; now?: Date } = {},
): RotationCheck {
  if (!certPem) return { rotate: true, reason: 'missing' };
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    return { rotate: true, reason: 'unparsable' };
  }
  if (options.caPem !== undefined) {
    const ca = new X509Certificate(options.caPem);
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return { rotate: true, reason: 'other CA' };
  }
  const have = new Set(sansOf(cert));
  const missing = (options.sans ?? []).filter((s) => !have.has(s));
  if (missing.length > 0) return { rotate: true, reason: `SANs changed (missing ${missing.join(', ')})` };
  const notBefore = Date.parse(cert.validFrom);
  const notAfter = Date.parse(cert.validTo);
  const now = (options.now ?? new Date()).getTime();
  const left = notAfter - now;
  if (left < (notAfter - notBefore) * RENEW_FRACTION) return { rotate: true, reason: 'expiring' };
  return { rotate: false, reason: 'valid' };
}

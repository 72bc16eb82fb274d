// The TLS side of an HTTPS listener: the certificates of its DownstreamTlsContext as Node
// secure contexts (each carrying the client CA bundle when client certificates are verified),
// SNI selection among them, and the optional-client-certificate rule (see listeners.ts).
import { X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import tls from 'node:tls';
import type { ClientValidation, ListenerConfig, SecretConfig } from '../config/types';

export interface Certificate {
  context: tls.SecureContext;
  names: string[];
  /** The context options: key pair, plus the client CA bundle when clients are verified. */
  pem: { cert: string; key: string; ca?: string };
}

export function clientMode(clients: ClientValidation | undefined): string {
  return clients ? (clients.required ? 'required' : 'optional') : 'none';
}

/**
 * A connection that presented a client certificate which did not verify. Envoy fails such a
 * handshake even when certificates are optional; Node (rejectUnauthorized false) accepts it.
 */
export function presentsUnverifiedCertificate(socket: Socket): boolean {
  return (
    socket instanceof tls.TLSSocket && !socket.authorized && socket.getPeerX509Certificate() !== undefined
  );
}

export function certificatesOf(config: ListenerConfig, secrets: Map<string, SecretConfig>): Certificate[] {
  const out: Certificate[] = [];
  const ca = config.tls?.clientValidation?.trustedCa;
  for (const ref of config.tls?.certificates ?? []) {
    const keyPair =
      ref.kind === 'inline'
        ? { cert: ref.certificateChain, key: ref.privateKey }
        : (() => {
            const s = secrets.get(ref.name);
            return s ? { cert: s.certificateChain, key: s.privateKey } : undefined;
          })();
    if (!keyPair) continue;
    // Each SNI context verifies clients itself: the server's own options do not apply to it.
    const pem = ca ? { ...keyPair, ca } : keyPair;
    out.push({ context: tls.createSecureContext(pem), names: certificateNames(pem.cert), pem });
  }
  return out;
}

function certificateNames(pem: string): string[] {
  try {
    const cert = new X509Certificate(pem);
    const sans = (cert.subjectAltName ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.startsWith('DNS:'))
      .map((s) => s.slice(4).toLowerCase());
    const cn = /CN=([^\n,]+)/.exec(cert.subject)?.[1]?.toLowerCase();
    return sans.length > 0 ? sans : cn ? [cn] : [];
  } catch {
    return [];
  }
}

export function selectCertificate(certs: Certificate[], servername: string): Certificate | undefined {
  const name = servername.toLowerCase();
  const matches = (pattern: string): boolean =>
    pattern === name ||
    (pattern.startsWith('*.') &&
      name.endsWith(pattern.slice(1)) &&
      !name.slice(0, -pattern.length + 1).includes('.'));
  return certs.find((c) => c.names.some(matches)) ?? certs[0];
}

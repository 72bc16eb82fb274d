// The connection attributes the router-level ext_proc filter may request
// (ROUTER_REQUEST_ATTRIBUTES), read from the downstream socket the way Envoy prints them:
// source.address as "ip:port" ("[ip]:port" for IPv6), and for TLS connections whose client
// certificate verified, the subject in RFC 2253 form (most specific RDN first, "CN=...,O=...")
// and the first URI and DNS SAN. An unverified or absent certificate yields no certificate
// attributes, so extproc never takes an identity from a certificate nobody checked.
// https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/advanced/attributes
import { isIPv6, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

export const ATTRIBUTE = {
  sourceAddress: 'source.address',
  subject: 'connection.subject_peer_certificate',
  uriSan: 'connection.uri_san_peer_certificate',
  dnsSan: 'connection.dns_san_peer_certificate',
} as const;

export function connectionAttributes(socket: Socket): Record<string, string> {
  const out: Record<string, string> = {};
  const ip = socket.remoteAddress;
  if (ip !== undefined && socket.remotePort !== undefined)
    out[ATTRIBUTE.sourceAddress] = `${isIPv6(ip) ? `[${ip}]` : ip}:${socket.remotePort}`;
  if (!(socket instanceof TLSSocket) || !socket.authorized) return out;
  const cert = socket.getPeerX509Certificate();
  if (!cert) return out;
  out[ATTRIBUTE.subject] = rfc2253(cert.subject);
  const sans = subjectAltNames(cert.subjectAltName ?? '');
  const uri = sans.find((s) => s.type === 'URI')?.value;
  const dns = sans.find((s) => s.type === 'DNS')?.value;
  if (uri !== undefined) out[ATTRIBUTE.uriSan] = uri;
  if (dns !== undefined) out[ATTRIBUTE.dnsSan] = dns;
  return out;
}

/**
 * Node prints a subject one RDN per line in certificate order, values already escaped as RFC
 * 2253 asks, multi-valued RDNs joined by " + ". RFC 2253 order is the reverse, comma-separated.
 */
export function rfc2253(subject: string): string {
  return subject
    .split('\n')
    .filter((line) => line !== '')
    .reverse()
    .map((rdn) => rdn.split(' + ').join('+'))
    .join(',');
}

/** "DNS:a, URI:spiffe://x" (Node quotes a value holding a comma or quote as a JSON string). */
export function subjectAltNames(text: string): { type: string; value: string }[] {
  const out: { type: string; value: string }[] = [];
  const entry = /(?:^|, )([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)/g;
  for (let m = entry.exec(text); m; m = entry.exec(text)) {
    const raw = m[2] ?? '';
    let value = raw;
    if (raw.startsWith('"')) {
      try {
        value = JSON.parse(raw) as string;
      } catch {
        value = raw;
      }
    }
    out.push({ type: m[1] ?? '', value });
  }
  return out;
}

// Upstream server certificate verification as Envoy's default certificate validator does it: the
// chain against trusted_ca when one is configured (no CA, no chain check), and the subject alt
// names against match_typed_subject_alt_names when any are configured (an exact DNS matcher
// honours a wildcard SAN for one label, RFC 6125 6.4.3). Node verifies the chain; we match names.
// https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/common.proto#envoy-v3-api-field-extensions-transport-sockets-tls-v3-certificatevalidationcontext-match-typed-subject-alt-names
import type { AgentOptions } from 'node:https';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { SanMatcher, UpstreamTls } from '../config/types';
import { stringMatches } from '../http/route-match';

/** The https.Agent options that make Node verify the way `tls` says. */
export function tlsAgentOptions(tls: UpstreamTls): AgentOptions {
  return {
    keepAlive: true,
    // Envoy sends SNI only when configured.
    servername: tls.sni ?? '',
    ca: tls.trustedCa,
    rejectUnauthorized: tls.trustedCa !== undefined,
    // Envoy matches names only against configured SAN matchers, never the SNI by itself.
    checkServerIdentity: (_host, cert) => sanMismatch(tls.subjectAltNames, cert),
  };
}

/**
 * With SAN matchers but no trusted_ca, Node does not call checkServerIdentity for an unverified
 * chain, so the names are checked here once the handshake is done. Returns the reason to refuse.
 */
export function unverifiedChainProblem(tls: UpstreamTls, socket: TLSSocket): Error | undefined {
  if (tls.trustedCa !== undefined || tls.subjectAltNames.length === 0) return undefined;
  return sanMismatch(tls.subjectAltNames, socket.getPeerCertificate());
}

export function sanMismatch(matchers: SanMatcher[], cert: PeerCertificate): Error | undefined {
  if (matchers.length === 0) return undefined;
  const sans = parseSans(cert.subjectaltname ?? '');
  const ok = matchers.some((m) => sans.some((san) => san.type === m.type && sanMatches(m, san.value)));
  return ok ? undefined : new Error('upstream certificate subject alt names do not match the configuration');
}

const SAN_PREFIXES: Record<string, SanMatcher['type']> = {
  DNS: 'DNS',
  URI: 'URI',
  'IP Address': 'IP_ADDRESS',
  email: 'EMAIL',
};

/** Node's "DNS:a, IP Address:1.2.3.4, URI:..." form (values with commas come quoted). */
export function parseSans(text: string): { type: SanMatcher['type']; value: string }[] {
  const out: { type: SanMatcher['type']; value: string }[] = [];
  for (const m of text.matchAll(
    /(DNS|URI|IP Address|email|[A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:,\s*|$)/g,
  )) {
    const type = SAN_PREFIXES[m[1] ?? ''];
    const raw = m[2] ?? '';
    if (!type) continue;
    out.push({ type, value: raw.startsWith('"') ? (JSON.parse(raw) as string) : raw });
  }
  return out;
}

function sanMatches(matcher: SanMatcher, san: string): boolean {
  const test = matcher.test;
  if (matcher.type === 'DNS' && test.kind === 'exact') return dnsNameMatch(test.value, san);
  return stringMatches(test, san);
}

/** RFC 6125 6.4.3 as Envoy applies it: "*.example.com" covers exactly one left-most label. */
function dnsNameMatch(name: string, san: string): boolean {
  const host = name.toLowerCase();
  const pattern = san.toLowerCase();
  if (host === pattern) return true;
  if (!pattern.startsWith('*.')) return false;
  const dot = host.indexOf('.');
  return dot > 0 && host.slice(dot) === pattern.slice(1);
}

// IP addresses: dotted-quad IPv4 with octets 0-255 (no leading zeros), and IPv6 in any
// RFC 4291 text form (validated with node:net, so "::" compression and embedded IPv4 work).
// Not matched: version-like strings with more than four parts, times such as 12:30:45, and
// IPv6 candidates with fewer than three groups ("::1", "a::b" read too much like code).
import { isIPv6 } from 'node:net';
import type { DetectorMatch } from './types';

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const V4 = new RegExp(`(?<![\\w.])${OCTET}(?:\\.${OCTET}){3}(?![\\w]|\\.\\d)`, 'g');
const V6 =
  /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?(?![\w:]|\.\d)/g;

export function detectIpAddress(text: string): DetectorMatch[] {
  const out: DetectorMatch[] = [];
  if (text.includes('.')) {
    V4.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = V4.exec(text)) !== null)
      out.push({ start: m.index, end: m.index + m[0].length, label: 'IP_ADDRESS' });
  }
  if (text.includes(':')) {
    V6.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = V6.exec(text)) !== null) {
      // An embedded IPv4 ("::ffff:192.0.2.1") stands for two groups.
      const groups = m[0].split(':').reduce((n, g) => n + (g.includes('.') ? 2 : g.length > 0 ? 1 : 0), 0);
      if (groups >= 3 && isIPv6(m[0]))
        out.push({ start: m.index, end: m.index + m[0].length, label: 'IP_ADDRESS' });
      if (m[0].length === 0) V6.lastIndex++;
    }
  }
  if (out.length < 2) return out;
  // An IPv4 inside an IPv6 match is part of it.
  out.sort((a, b) => a.start - b.start || b.end - a.end);
  return out.filter((m, i) => i === 0 || m.start >= out[i - 1]!.end);
}

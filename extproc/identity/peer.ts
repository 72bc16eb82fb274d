// The user name in a verified client certificate, as the mTLS identity source reads it. Envoy
// prints connection.subject_peer_certificate in RFC 2253 form ("CN=alice,OU=eng,O=Acme", with
// `\,` and `\2C` escapes and `+` joining multi-valued RDNs) and the URI / DNS SAN attributes as
// the first SAN of that type. A JSON object ({"CN": "alice"}) is accepted as well, which is how
// a data plane that forwards Node's getPeerCertificate().subject would print it.
import type { IdentityInput } from '../services';

export type UserFrom = 'SubjectCN' | 'URISAN' | 'DNSSAN';

export function peerUser(peer: IdentityInput['peer'], from: UserFrom): string | undefined {
  if (!peer) return undefined;
  switch (from) {
    case 'SubjectCN':
      return peer.subject === undefined ? undefined : commonName(peer.subject);
    case 'URISAN':
      return nonEmpty(peer.uriSan);
    case 'DNSSAN':
      return nonEmpty(peer.dnsSan);
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v ? v : undefined;
}

/** The first CN attribute of a subject DN (RFC 2253 string or JSON object); undefined if none. */
export function commonName(subject: string): string | undefined {
  const text = subject.trim();
  if (text.startsWith('{')) {
    try {
      const cn = (JSON.parse(text) as { CN?: unknown }).CN;
      const first = Array.isArray(cn) ? (cn[0] as unknown) : cn;
      return typeof first === 'string' ? nonEmpty(first) : undefined;
    } catch {
      return undefined;
    }
  }
  for (const [type, value] of attributes(text)) {
    if (type.toUpperCase() === 'CN' || type === '2.5.4.3') return nonEmpty(value);
  }
  return undefined;
}

/** Splits "T=V,T=V+T=V" on unescaped separators and unescapes values (RFC 4514 section 3). */
function attributes(dn: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let type = '';
  let value = '';
  let inValue = false;
  let quoted = false;
  const flush = (): void => {
    if (inValue) out.push([type.trim(), value.trim()]);
    type = '';
    value = '';
    inValue = false;
  };
  for (let i = 0; i < dn.length; i++) {
    const c = dn[i] as string;
    if (!inValue) {
      if (c === '=') inValue = true;
      else type += c;
      continue;
    }
    if (c === '\\' && i + 1 < dn.length) {
      const hex = dn.slice(i + 1, i + 3);
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        // A run of \HH escapes is UTF-8 bytes: collect them and decode together.
        const bytes: number[] = [];
        while (dn[i] === '\\' && /^[0-9a-fA-F]{2}$/.test(dn.slice(i + 1, i + 3))) {
          bytes.push(parseInt(dn.slice(i + 1, i + 3), 16));
          i += 3;
        }
        i--;
        value += Buffer.from(bytes).toString('utf8');
      } else {
        value += dn[++i];
      }
      continue;
    }
    if (c === '"') {
      quoted = !quoted;
      continue;
    }
    if (!quoted && (c === ',' || c === '+' || c === ';')) {
      flush();
      continue;
    }
    value += c;
  }
  flush();
  return out;
}

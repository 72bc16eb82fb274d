// Header lists in the ext_proc seam's shape (lowercase names, pseudo-headers included) and the
// conversions to and from node:http, plus Envoy's header mutation semantics (append_action).
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { HeaderValueOption } from '../config/types';
import type { HeaderList } from '../ext-proc/types';

/** Connection-specific headers never forwarded by a proxy (RFC 9110 7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);

export function fromRawHeaders(raw: readonly string[]): HeaderList {
  const out: HeaderList = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    if (!HOP_BY_HOP.has(name)) out.push([name, raw[i + 1] ?? '']);
  }
  return out;
}

export function requestHeaderList(
  method: string,
  path: string,
  scheme: string,
  raw: readonly string[],
): HeaderList {
  const rest = fromRawHeaders(raw);
  const authority = rest.find(([n]) => n === 'host')?.[1] ?? '';
  return [
    [':method', method],
    [':path', path],
    [':authority', authority],
    [':scheme', scheme],
    ...rest.filter(([n]) => n !== 'host'),
  ];
}

export function getHeader(list: HeaderList, name: string): string | undefined {
  const values = list.filter(([n]) => n === name).map(([, v]) => v);
  // Envoy matches a repeated header as its values joined with ",".
  return values.length === 0 ? undefined : values.join(',');
}

export function setHeader(list: HeaderList, name: string, value: string): HeaderList {
  return [...list.filter(([n]) => n !== name), [name, value]];
}

export function removeHeaders(list: HeaderList, names: readonly string[]): HeaderList {
  // Pseudo-headers cannot be removed (Envoy ignores such removals).
  return list.filter(([n]) => n.startsWith(':') || !names.includes(n));
}

/** request/response_headers_to_add with Envoy's append_action semantics. */
export function applyHeaderOptions(list: HeaderList, options: readonly HeaderValueOption[]): HeaderList {
  let out = list;
  for (const { key, value, action } of options) {
    const exists = out.some(([n]) => n === key);
    switch (action) {
      case 'append':
        out = [...out, [key, value]];
        break;
      case 'add_if_absent':
        if (!exists) out = [...out, [key, value]];
        break;
      case 'overwrite':
        out = setHeader(out, key, value);
        break;
      case 'overwrite_if_exists':
        if (exists) out = setHeader(out, key, value);
        break;
    }
  }
  return out;
}

/** Splits pseudo-headers from the rest for node:http (which sets Host itself from :authority). */
export function toOutgoing(list: HeaderList): {
  pseudo: Record<string, string>;
  headers: OutgoingHttpHeaders;
} {
  const pseudo: Record<string, string> = {};
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of list) {
    if (name.startsWith(':')) pseudo[name] = value;
    else if (!HOP_BY_HOP.has(name)) {
      const prev = headers[name];
      headers[name] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
    }
  }
  if (pseudo[':authority'] !== undefined && headers.host === undefined) headers.host = pseudo[':authority'];
  return { pseudo, headers };
}

/** A response's headers for writeHead (flat [name, value, ...] keeps repeats in order). */
export function toFlatResponseHeaders(list: HeaderList): string[] {
  return list.filter(([n]) => !n.startsWith(':') && !HOP_BY_HOP.has(n)).flatMap(([n, v]) => [n, v]);
}

export function statusOf(list: HeaderList): number {
  const status = Number(getHeader(list, ':status'));
  return Number.isInteger(status) && status >= 100 && status <= 999 ? status : 502;
}

export function fromIncoming(headers: IncomingHttpHeaders): HeaderList {
  const out: HeaderList = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.push([name, v]);
  }
  return out;
}

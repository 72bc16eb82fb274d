// The HCM's path normalization before any filter or route sees the request (and the upstream
// :path with it): normalize_path (RFC 3986 section 6: percent-encoded unreserved characters
// decoded, other escapes upper-cased, "." and ".." segments removed; no case normalization) and
// merge_slashes ("//a///b" -> "/a/b"). The query string is left alone. Security-relevant: without
// it "/x/../v1/chat" or "//v1/chat" could reach a route its canonical form would not match.
// https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#envoy-v3-api-field-extensions-filters-network-http-connection-manager-v3-httpconnectionmanager-normalize-path

export interface PathNormalization {
  normalizePath: boolean;
  mergeSlashes: boolean;
}

/** The normalized :path, or undefined when it cannot be normalized (Envoy answers 400). */
export function normalizeRequestPath(fullPath: string, options: PathNormalization): string | undefined {
  if (!options.normalizePath && !options.mergeSlashes) return fullPath;
  const q = fullPath.indexOf('?');
  let path = q < 0 ? fullPath : fullPath.slice(0, q);
  const query = q < 0 ? '' : fullPath.slice(q);
  if (options.normalizePath) {
    if (!path.startsWith('/')) return undefined;
    path = removeDotSegments(decodeUnreserved(path));
  }
  if (options.mergeSlashes) path = path.replace(/\/{2,}/g, '/');
  return path + query;
}

/** %41 -> "A" for unreserved characters (RFC 3986 2.3); other escapes upper-cased; a "%" that
 * starts no valid escape passes through unchanged, as Envoy's (Chromium's) canonicalizer does. */
function decodeUnreserved(path: string): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => {
    const ch = String.fromCharCode(parseInt(hex, 16));
    return /[A-Za-z0-9\-._~]/.test(ch) ? ch : `%${hex.toUpperCase()}`;
  });
}

/** RFC 3986 5.2.4 on an absolute path. */
function removeDotSegments(path: string): string {
  const segments = path.split('/').slice(1);
  const out: string[] = [];
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === '.' || segment === '..') {
      if (segment === '..') out.pop();
      // "/a/." and "/a/.." end in a directory: keep the trailing slash.
      if (last) out.push('');
      return;
    }
    out.push(segment);
  });
  return `/${out.join('/')}`;
}

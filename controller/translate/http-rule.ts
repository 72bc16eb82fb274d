// Pieces of an HTTPRoute rule in IR terms: its matches (path, headers, method) and its header
// modifier filters; other filter types are reported as unsupported.
import type { HTTPRoute, HTTPRouteMatch } from '../api';
import type { HeaderMutationIR, RouteMatchIR } from '../ir/types';
import { matchPath } from './precedence';

type Filter = HTTPRoute['spec']['rules'][number]['filters'][number];

export function headerFilters(filters: readonly Filter[]): {
  request?: HeaderMutationIR;
  response?: HeaderMutationIR;
  unsupported: string[];
} {
  const out: { request?: HeaderMutationIR; response?: HeaderMutationIR; unsupported: string[] } = {
    unsupported: [],
  };
  for (const f of filters) {
    const modifier =
      f.type === 'RequestHeaderModifier'
        ? f.requestHeaderModifier
        : f.type === 'ResponseHeaderModifier'
          ? f.responseHeaderModifier
          : undefined;
    if (!modifier) {
      out.unsupported.push(f.type);
      continue;
    }
    const side = f.type === 'RequestHeaderModifier' ? 'request' : 'response';
    const target = (out[side] ??= { set: [], add: [], remove: [] });
    target.set.push(...(modifier.set ?? []));
    target.add.push(...(modifier.add ?? []));
    target.remove.push(...(modifier.remove ?? []));
  }
  return out;
}

export function routeMatch(match: HTTPRouteMatch): RouteMatchIR {
  const { type, value } = matchPath(match);
  // PathPrefix matches by path segment. "/" (everything) stays a plain prefix, the same thing
  // there and not expressible as Envoy's path_separated_prefix; so does a value with ? or #,
  // which the Gateway API CRD rejects but a local file may hold, so that one bad route cannot
  // make toXds refuse the whole IR.
  const segmented = type === 'PathPrefix' && value !== '/' && /^\/[^?#]*$/.test(value);
  const kind =
    type === 'Exact' ? 'exact' : type === 'RegularExpression' ? 'regex' : segmented ? 'pathPrefix' : 'prefix';
  const path: RouteMatchIR['path'] = { kind, value };
  const out: RouteMatchIR = {
    path,
    headers: (match.headers ?? []).map((h) => ({
      name: h.name.toLowerCase(),
      kind: h.type === 'Exact' ? 'exact' : 'regex',
      value: h.value,
    })),
  };
  if (match.method !== undefined) out.method = match.method;
  return out;
}

// The HTTP connection manager of a listener: routes over RDS (same ADS stream, route
// configuration named like the listener) and the one place that orders the HTTP filters.
import { FILTER } from '../../lib/headers';
import type { ProtoObject } from '../../lib/protos';
import type { ExtprocTarget, ListenerIR } from '../ir/types';
import { routerExtProcFilter } from './filters/ext-proc';
import { jwtAuthnFilter } from './filters/jwt-authn';
import { routerFilter } from './filters/router';
import { adsConfigSource, anyOf, TYPED } from './proto-values';

/**
 * The HTTP filter chain of a listener, in the order Envoy runs them on a request.
 * Adding a filter means adding it here, with the reason for its position.
 */
export function httpFilters(gatewayKey: string, listener: ListenerIR, extproc: ExtprocTarget): ProtoObject[] {
  const filters: ProtoObject[] = [];
  // 1. jwt_authn first: it only verifies (allow_missing_or_failed) and writes the payload or the
  //    failure into dynamic metadata, which ext_proc must already see when it is called.
  if (listener.jwt && listener.jwt.providers.length > 0) filters.push(jwtAuthnFilter(listener.jwt));
  // 2. Router-level ext_proc: it must see the client's request before anything routes on it,
  //    identify the caller (API key, JWT metadata, client certificate), strip client-supplied
  //    x-tollgate-* headers, and set x-tollgate-route + clear the route cache so the router
  //    re-matches.
  if (listener.extProc) filters.push(routerExtProcFilter(gatewayKey, extproc));
  // 3. Router last: it is terminal and forwards to the cluster of the matched route.
  filters.push(routerFilter());
  return filters;
}

/** The HCM network filter of `listener`. */
export function httpConnectionManager(
  gatewayKey: string,
  listener: ListenerIR,
  extproc: ExtprocTarget,
): ProtoObject {
  return {
    name: FILTER.hcm,
    typed_config: anyOf(TYPED.hcm, {
      stat_prefix: statPrefix(listener.name),
      codec_type: 'AUTO',
      rds: { route_config_name: listener.name, config_source: adsConfigSource() },
      http_filters: httpFilters(gatewayKey, listener, extproc),
      // This is the edge: trust the peer address, not a client-supplied x-forwarded-for.
      use_remote_address: { value: true },
      // Route on a canonical path, so "/a/../v1/x" or "//v1" cannot dodge a route match (RFC 3986
      // dot segments; adjacent slashes merged). Security-relevant: routes gate ext_proc.
      normalize_path: { value: true },
      merge_slashes: true,
    }),
  };
}

/** Stats names may not contain "/" meaningfully; "ns/gw/80" becomes "ns.gw.80". */
export function statPrefix(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]+/g, '.');
}

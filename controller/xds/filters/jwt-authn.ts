// The jwt_authn HTTP filter of a listener whose Gateway has AIClientPolicy JWT providers
// (ListenerIR.jwt). It only verifies: one rule for every path requires "any provider, or
// allow_missing_or_failed", so the filter never answers the client itself. The verified payload
// (payload_in_metadata) or the failure status (failed_status_in_metadata, a Struct {code,
// message}) lands in the dynamic metadata namespace JWT_METADATA_NAMESPACE, which the
// router-level ext_proc forwards to extproc, and extproc decides (OpenAI-shaped 401).
// https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/jwt_authn/v3/config.proto
import { FILTER, JWT_FAILURE_KEY, JWT_PAYLOAD_KEY } from '../../../lib/headers';
import type { ProtoObject } from '../../../lib/protos';
import type { JwtIR, JwtProviderIR } from '../../ir/types';
import { anyOf, duration, TYPED } from '../proto-values';

/** How long one JWKS fetch may take (http_uri.timeout, required by Envoy). */
export const JWKS_FETCH_TIMEOUT_MS = 5000;

/** Envoy's own default when no header is named: Authorization with the "Bearer " prefix. */
const DEFAULT_FROM_HEADERS = [{ name: 'authorization', valuePrefix: 'Bearer ' }];

export function jwtAuthnFilter(jwt: JwtIR): ProtoObject {
  const providers: Record<string, ProtoObject> = {};
  for (const provider of jwt.providers) providers[provider.name] = renderProvider(provider);
  // requires_any needs at least two entries; allow_missing_or_failed is always one of them.
  const requirements: ProtoObject[] = jwt.providers.map((p) => ({ provider_name: p.name }));
  requirements.push({ allow_missing_or_failed: {} });
  return {
    name: FILTER.jwtAuthn,
    typed_config: anyOf(TYPED.jwtAuthn, {
      providers,
      rules: [{ match: { prefix: '/' }, requires: { requires_any: { requirements } } }],
    }),
  };
}

function renderProvider(provider: JwtProviderIR): ProtoObject {
  const out: ProtoObject = { issuer: provider.issuer };
  if (provider.audiences.length > 0) out.audiences = [...provider.audiences];
  if (provider.jwks.kind === 'remote') {
    out.remote_jwks = {
      http_uri: {
        uri: provider.jwks.uri,
        cluster: provider.jwks.cluster,
        timeout: duration(JWKS_FETCH_TIMEOUT_MS),
      },
      cache_duration: duration(provider.jwks.cacheSeconds * 1000),
      // Fetch when the listener starts and refresh before the cache expires, so no request
      // waits for a JWKS; fast_listener: the listener does not wait for the first fetch (an
      // unreachable issuer must not keep API-key traffic from being served).
      async_fetch: { fast_listener: true },
    };
  } else {
    out.local_jwks = { inline_string: provider.jwks.json };
  }
  const from = provider.fromHeaders?.length ? provider.fromHeaders : DEFAULT_FROM_HEADERS;
  out.from_headers = from.map((h) => {
    const header: ProtoObject = { name: h.name };
    if (h.valuePrefix) header.value_prefix = h.valuePrefix;
    return header;
  });
  // The token stays on the request: extproc reads it (an API key shares the header) and strips
  // client credentials before anything goes upstream.
  out.forward = true;
  out.payload_in_metadata = JWT_PAYLOAD_KEY;
  out.failed_status_in_metadata = JWT_FAILURE_KEY;
  return out;
}

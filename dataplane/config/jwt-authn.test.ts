// Conversion of the jwt_authn filter, client certificate validation and ext_proc's
// metadata_options: what Tollgate renders is read, Envoy's defaults are filled in, and every
// shape the data plane does not implement is refused by name (the listener is NACKed).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage, encodeMessage, type ProtoObject } from '../../lib/protos';
import { FILTER } from '../../lib/headers';
import { parseExtProcConfig } from '../ext-proc/config';
import { EXT_PROC_CONFIG, listener } from '../testing/xds';
import { convertListener } from './listener';
import { TYPE_URL } from './snapshot';

const T = 'type.googleapis.com/';

function provider(extra: ProtoObject = {}): ProtoObject {
  const jwks = extra.remote_jwks ? {} : { local_jwks: { inline_string: '{"keys":[]}' } };
  return { issuer: 'iss', ...jwks, ...extra };
}

function allowAll(names: string[]): ProtoObject {
  const requirements: ProtoObject[] = names.map((provider_name) => ({ provider_name }));
  return {
    match: { prefix: '/' },
    requires: { requires_any: { requirements: [...requirements, { allow_missing_or_failed: {} }] } },
  };
}

/** A listener with [jwt_authn(config), ext_proc, router], through the wire. */
function withJwt(config: ProtoObject, transport?: ProtoObject): ProtoObject {
  const l = listener('l', { extProc: true }) as { filter_chains: ProtoObject[] };
  const chain = l.filter_chains[0] as { filters: { typed_config: { http_filters: ProtoObject[] } }[] };
  chain.filters[0]?.typed_config.http_filters.unshift({
    name: FILTER.jwtAuthn,
    typed_config: { '@type': `${T}envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication`, ...config },
  });
  if (transport) (chain as ProtoObject).transport_socket = transport;
  return decodeMessage(TYPE_URL.listener, encodeMessage(TYPE_URL.listener, l));
}

describe('jwt_authn conversion', () => {
  it("fills in Envoy's defaults: Authorization Bearer, forward false, 60 s clock skew, 10 min cache", () => {
    const remote = {
      remote_jwks: {
        http_uri: { uri: 'https://i.example/jwks', cluster: 'jwks/i', timeout: { seconds: 1 } },
      },
    };
    const l = convertListener(withJwt({ providers: { p: provider(remote) }, rules: [allowAll(['p'])] }));
    const p = l.hcm.jwtAuthn?.providers[0];
    assert.deepEqual(p?.fromHeaders, [{ name: 'authorization', valuePrefix: 'Bearer ' }]);
    assert.equal(p?.forward, false);
    assert.equal(p?.clockSkewSeconds, 60);
    assert.deepEqual(p?.jwks, {
      kind: 'remote',
      uri: 'https://i.example/jwks',
      cluster: 'jwks/i',
      timeoutMs: 1000,
      cacheMs: 600_000,
      asyncFetch: false,
    });
    assert.equal(p?.payloadInMetadata, undefined);
  });

  it('refuses token locations, fields and rules it does not implement', () => {
    assert.throws(
      () =>
        convertListener(
          withJwt({ providers: { p: provider({ from_params: ['token'] }) }, rules: [allowAll(['p'])] }),
        ),
      /providers\[p\]\.from_params: not supported/,
    );
    const rejecting = { match: { prefix: '/' }, requires: { provider_name: 'p' } };
    assert.throws(
      () => convertListener(withJwt({ providers: { p: provider() }, rules: [rejecting] })),
      /rules\[0\]\.requires\.provider_name: not supported/,
    );
    const anyWithoutFallback = {
      match: { prefix: '/' },
      requires: { requires_any: { requirements: [{ provider_name: 'p' }, { provider_name: 'q' }] } },
    };
    assert.throws(
      () =>
        convertListener(
          withJwt({ providers: { p: provider(), q: provider() }, rules: [anyWithoutFallback] }),
        ),
      /only rules with allow_missing_or_failed/,
    );
    assert.throws(
      () => convertListener(withJwt({ providers: { p: provider() }, rules: [allowAll(['p', 'nope'])] })),
      /unknown provider nope/,
    );
    assert.throws(
      () =>
        convertListener(
          withJwt({
            providers: { p: provider() },
            rules: [{ ...allowAll(['p']), match: { prefix: '/v1' } }],
          }),
        ),
      /only prefix "\/"/,
    );
  });

  it('jwt_authn must come first, before ext_proc', () => {
    const l = listener('l', { extProc: true }) as { filter_chains: ProtoObject[] };
    const chain = l.filter_chains[0] as { filters: { typed_config: { http_filters: ProtoObject[] } }[] };
    chain.filters[0]?.typed_config.http_filters.splice(1, 0, {
      name: FILTER.jwtAuthn,
      typed_config: {
        '@type': `${T}envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication`,
        providers: { p: provider() },
        rules: [allowAll(['p'])],
      },
    });
    assert.throws(
      () => convertListener(decodeMessage(TYPE_URL.listener, encodeMessage(TYPE_URL.listener, l))),
      /jwt_authn is not supported here/,
    );
  });
});

describe('client certificate validation', () => {
  const tls = (context: ProtoObject): ProtoObject => ({
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': `${T}envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext`,
      ...context,
      common_tls_context: {
        tls_certificates: [
          { certificate_chain: { inline_string: 'c' }, private_key: { inline_string: 'k' } },
        ],
        ...(context.common_tls_context as ProtoObject | undefined),
      },
    },
  });
  const rules = { providers: { p: provider() }, rules: [allowAll(['p'])] };

  it('reads trusted_ca and require_client_certificate', () => {
    const l = convertListener(
      withJwt(
        rules,
        tls({
          common_tls_context: { validation_context: { trusted_ca: { inline_string: 'CA' } } },
          require_client_certificate: { value: true },
        }),
      ),
    );
    assert.deepEqual(l.tls?.clientValidation, { trustedCa: 'CA', required: true });
    assert.equal(convertListener(withJwt(rules, tls({}))).tls?.clientValidation, undefined);
  });

  it('refuses SAN matchers, and a required certificate with nothing to verify it', () => {
    const san = {
      trusted_ca: { inline_string: 'CA' },
      match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: 'a' } }],
    };
    assert.throws(
      () => convertListener(withJwt(rules, tls({ common_tls_context: { validation_context: san } }))),
      /validation_context\.match_typed_subject_alt_names: not supported/,
    );
    assert.throws(
      () => convertListener(withJwt(rules, tls({ require_client_certificate: { value: true } }))),
      /require_client_certificate needs a validation_context/,
    );
  });
});

describe('ext_proc metadata_options', () => {
  it('reads untyped forwarding namespaces and refuses the rest', () => {
    const forwarding = { forwarding_namespaces: { untyped: ['a', 'b'] } };
    assert.deepEqual(
      parseExtProcConfig({ ...EXT_PROC_CONFIG, metadata_options: forwarding }).forwardingNamespaces,
      ['a', 'b'],
    );
    assert.deepEqual(parseExtProcConfig(EXT_PROC_CONFIG).forwardingNamespaces, []);
    assert.throws(
      () =>
        parseExtProcConfig({
          ...EXT_PROC_CONFIG,
          metadata_options: { receiving_namespaces: { untyped: ['a'] } },
        }),
      /receiving_namespaces is not supported/,
    );
    assert.throws(
      () =>
        parseExtProcConfig({
          ...EXT_PROC_CONFIG,
          metadata_options: { forwarding_namespaces: { typed: ['a'] } },
        }),
      /forwarding_namespaces\.typed is not supported/,
    );
  });
});

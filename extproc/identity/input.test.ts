// identityInputOf: request attributes and jwt_authn's dynamic metadata in the shapes they arrive in.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attributesStruct } from '../../dataplane/ext-proc/attributes';
import {
  JWT_FAILURE_KEY,
  JWT_METADATA_NAMESPACE,
  JWT_PAYLOAD_KEY,
  ROUTER_REQUEST_ATTRIBUTES,
} from '../../lib/headers';
import type { ProcessingRequest } from '../messages';
import { identityInputOf } from './input';

const headers = new Map([['x', 'y']]);

function request(attributes: unknown, jwt?: Record<string, unknown>): ProcessingRequest {
  return {
    attributes,
    metadata_context: jwt ? { filter_metadata: { [JWT_METADATA_NAMESPACE]: { fields: jwt } } } : undefined,
  } as ProcessingRequest;
}

describe('identityInputOf', () => {
  it('reads source address and peer certificate attributes as the data plane sends them', () => {
    const attrs = attributesStruct(ROUTER_REQUEST_ATTRIBUTES, {
      'source.address': '10.0.0.1:4242',
      'connection.subject_peer_certificate': 'CN=a,O=b',
      'connection.uri_san_peer_certificate': 'spiffe://x/y',
      'connection.dns_san_peer_certificate': '',
    });
    assert.deepEqual(identityInputOf(request(attrs), headers), {
      headers,
      sourceAddress: '10.0.0.1:4242',
      peer: { subject: 'CN=a,O=b', uriSan: 'spiffe://x/y' },
    });
  });

  it('reads snake_case values too and ignores a request without attributes or metadata', () => {
    const attrs = {
      'envoy.filters.http.ext_proc': { fields: { 'source.address': { string_value: '[::1]:9' } } },
    };
    assert.equal(identityInputOf(request(attrs), headers).sourceAddress, '[::1]:9');
    assert.deepEqual(identityInputOf(request(undefined), headers), { headers });
  });

  it('decodes the jwt payload Struct into plain values', () => {
    const payload = {
      structValue: {
        fields: {
          sub: { stringValue: 'u1' },
          n: { numberValue: 3 },
          ok: { boolValue: true },
          org: { structValue: { fields: { id: { stringValue: 'o' } } } },
          groups: { listValue: { values: [{ stringValue: 'a' }, { string_value: 'b' }] } },
          none: { nullValue: 'NULL_VALUE' },
        },
      },
    };
    const input = identityInputOf(request(undefined, { [JWT_PAYLOAD_KEY]: payload }), headers);
    assert.deepEqual(input.jwtPayload, {
      sub: 'u1',
      n: 3,
      ok: true,
      org: { id: 'o' },
      groups: ['a', 'b'],
      none: null,
    });
    assert.equal(input.jwtFailure, undefined);
  });

  it('reads the failure as jwt_authn writes it ({code, message}) or as a string', () => {
    const struct = {
      structValue: { fields: { code: { numberValue: 3 }, message: { stringValue: 'Jwt is expired' } } },
    };
    assert.equal(
      identityInputOf(request(undefined, { [JWT_FAILURE_KEY]: struct }), headers).jwtFailure,
      'Jwt is expired',
    );
    const text = { stringValue: 'Jwks remote fetch is failed' };
    assert.equal(
      identityInputOf(request(undefined, { [JWT_FAILURE_KEY]: text }), headers).jwtFailure,
      'Jwks remote fetch is failed',
    );
    const codeOnly = { structValue: { fields: { code: { numberValue: 7 } } } };
    assert.equal(
      identityInputOf(request(undefined, { [JWT_FAILURE_KEY]: codeOnly }), headers).jwtFailure,
      'status code 7',
    );
  });

  it('a missing JWT (JwtMissed) is no failure', () => {
    const missed = {
      structValue: { fields: { code: { numberValue: 1 }, message: { stringValue: 'Jwt is missing' } } },
    };
    assert.equal(
      identityInputOf(request(undefined, { [JWT_FAILURE_KEY]: missed }), headers).jwtFailure,
      undefined,
    );
  });
});

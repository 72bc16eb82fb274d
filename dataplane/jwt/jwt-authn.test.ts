// The jwt_authn filter end to end: the listener the controller renders for a JWT provider
// (jwt_authn before the router-level ext_proc), a local JWKS server, and a scripted ext_proc
// server that records what reaches it. The filter never answers the client; what it found
// arrives as metadata_context.filter_metadata["envoy.filters.http.jwt_authn"].
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ProcessingRequest__Output } from '../../gen/protos/envoy/service/ext_proc/v3/ProcessingRequest';
import { FILTER, JWT_FAILURE_KEY, JWT_METADATA_NAMESPACE, JWT_PAYLOAD_KEY } from '../../lib/headers';
import type { ProtoObject } from '../../lib/protos';
import { routerExtProcFilter } from '../../controller/xds/filters/ext-proc';
import { jwtAuthnFilter } from '../../controller/xds/filters/jwt-authn';
import { structToPlain } from '../config/fields';
import { startFakeProcessor, type FakeProcessor } from '../ext-proc/fake-processor';
import { createExtProcSession } from '../ext-proc/session';
import { startHarness, type Harness } from '../testing/harness';
import { request } from '../testing/upstream';
import { listener, routeConfig, vhost } from '../testing/xds';
import { jose, type Jose } from './jose';

const ISSUER = 'https://issuer.test';
const AUDIENCE = 'tollgate';

interface Key {
  kid: string;
  privateKey: Jose.CryptoKey;
  jwk: Jose.JWK;
}

async function newKey(kid: string): Promise<Key> {
  const { privateKey, publicKey } = await jose.generateKeyPair('ES256', { extractable: true });
  return { kid, privateKey, jwk: { ...(await jose.exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

function sign(key: Key, claims: Jose.JWTPayload, expiresIn: string | number = '10m'): Promise<string> {
  return new jose.SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: key.kid })
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(key.privateKey);
}

describe('jwt_authn into ext_proc metadata_context', () => {
  const served: Key[] = [];
  let fetches = 0;
  let jwks: http.Server;
  let processor: FakeProcessor;
  let h: Harness;
  let k1: Key;
  let k2: Key;

  before(async () => {
    k1 = await newKey('k1');
    k2 = await newKey('k2');
    served.push(k1);
    jwks = http.createServer((_req, res) => {
      fetches++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: served.map((k) => k.jwk) }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const jwksPort = (jwks.address() as AddressInfo).port;
    // Every request is answered by the processor itself: only what it received matters here.
    processor = await startFakeProcessor(() => ({
      immediate_response: { status: { code: 'OK' }, body: Buffer.from('seen') },
    }));
    const [host, port] = processor.target.split(':');
    const extproc = { kind: 'tcp' as const, address: host ?? '', port: Number(port), messageTimeoutMs: 2000 };
    const rendered = listener('l') as { filter_chains: { filters: { typed_config: ProtoObject }[] }[] };
    const hcm = rendered.filter_chains[0]?.filters[0]?.typed_config;
    assert.ok(hcm);
    hcm.http_filters = [
      jwtAuthnFilter({
        providers: [
          {
            name: 'ns/policy/0',
            issuer: ISSUER,
            audiences: [AUDIENCE],
            jwks: {
              kind: 'remote',
              uri: `http://127.0.0.1:${jwksPort}/jwks.json`,
              cluster: `jwks/127.0.0.1/${jwksPort}`,
              cacheSeconds: 60,
            },
          },
        ],
      }),
      routerExtProcFilter('ns/gw', extproc),
      ...(hcm.http_filters as ProtoObject[]),
    ];
    h = await startHarness(
      {
        listeners: [rendered],
        routes: [routeConfig('l', [vhost('any', ['*'], [])])],
        clusters: [
          {
            name: 'tollgate-extproc',
            type: 'STATIC',
            connect_timeout: { seconds: 1 },
            load_assignment: {
              cluster_name: 'tollgate-extproc',
              endpoints: [
                {
                  lb_endpoints: [
                    {
                      endpoint: { address: { socket_address: { address: host, port_value: Number(port) } } },
                    },
                  ],
                },
              ],
            },
          },
        ],
      },
      createExtProcSession,
      // No cooldown between unknown-kid refetches, so rotation is visible at once.
      { jwks: { cooldownMs: 0 } },
    );
  });

  after(async () => {
    await h.close();
    await processor.close();
    await new Promise((resolve) => jwks.close(resolve));
  });

  /** The jwt_authn namespace of the metadata_context of the request's first ext_proc message. */
  async function send(headers: Record<string, string>): Promise<Record<string, unknown> | undefined> {
    const before = processor.requests.length;
    const res = await request(h.port(), { path: '/v1/chat/completions', headers });
    assert.equal(res.status, 200);
    assert.equal(res.body, 'seen');
    const first: ProcessingRequest__Output | undefined = processor.requests[before];
    assert.ok(first?.request_headers, 'the request headers reached ext_proc');
    const ns = first.metadata_context?.filter_metadata?.[JWT_METADATA_NAMESPACE];
    return ns ? structToPlain(ns) : undefined;
  }

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('async_fetch: the JWKS is fetched when the listener starts, before any request', async () => {
    assert.equal(processor.requests.length, 0);
    for (let i = 0; i < 200 && fetches === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(fetches, 1);
  });

  it('a valid token: the verified payload, and the peer address as an attribute', async () => {
    const token = await sign(k1, { iss: ISSUER, aud: AUDIENCE, sub: 'alice', groups: ['a', 'b'], tier: 3 });
    const md = await send(bearer(token));
    const payload = md?.[JWT_PAYLOAD_KEY] as Record<string, unknown>;
    assert.equal(payload.sub, 'alice');
    assert.equal(payload.iss, ISSUER);
    assert.deepEqual(payload.groups, ['a', 'b']);
    assert.equal(payload.tier, 3);
    assert.equal(md?.[JWT_FAILURE_KEY], undefined);
    const attrs = processor.requests.at(-1)?.attributes?.[FILTER.extProc];
    assert.match(String(attrs?.fields?.['source.address']?.stringValue), /^127\.0\.0\.1:\d+$/);
  });

  it('expired, wrong issuer, wrong audience: the failure status, no payload', async () => {
    const expired = await sign(
      k1,
      { iss: ISSUER, aud: AUDIENCE, sub: 'a' },
      Math.floor(Date.now() / 1000) - 3600,
    );
    assert.deepEqual(await send(bearer(expired)), {
      [JWT_FAILURE_KEY]: { code: 3, message: 'Jwt is expired' },
    });
    const otherIssuer = await sign(k1, { iss: 'https://evil.test', aud: AUDIENCE, sub: 'a' });
    assert.deepEqual(await send(bearer(otherIssuer)), {
      [JWT_FAILURE_KEY]: { code: 21, message: 'Jwt issuer is not configured' },
    });
    const otherAudience = await sign(k1, { iss: ISSUER, aud: 'someone-else', sub: 'a' });
    assert.deepEqual(await send(bearer(otherAudience)), {
      [JWT_FAILURE_KEY]: { code: 22, message: 'Audiences in Jwt are not allowed' },
    });
  });

  it('a token signed by another key with a known kid fails verification', async () => {
    const forged = await sign({ ...k2, kid: 'k1' }, { iss: ISSUER, aud: AUDIENCE, sub: 'a' });
    assert.deepEqual(await send(bearer(forged)), {
      [JWT_FAILURE_KEY]: { code: 23, message: 'Jwt verification fails' },
    });
  });

  it('an unknown kid fails until the issuer publishes it, then verifies (key rotation)', async () => {
    const token = await sign(k2, { iss: ISSUER, aud: AUDIENCE, sub: 'rotated' });
    const beforeFetches = fetches;
    assert.deepEqual(await send(bearer(token)), {
      [JWT_FAILURE_KEY]: { code: 29, message: "Jwks doesn't have key to match kid or alg from Jwt" },
    });
    assert.ok(fetches > beforeFetches, 'an unknown kid refetches the JWKS');
    served.push(k2);
    const md = await send(bearer(token));
    assert.equal((md?.[JWT_PAYLOAD_KEY] as Record<string, unknown>).sub, 'rotated');
  });

  it('no token: nothing in the namespace; a garbage token: bad format', async () => {
    assert.equal(await send({}), undefined);
    assert.equal(await send({ authorization: 'Basic dXNlcjpwYXNz' }), undefined);
    assert.deepEqual(await send(bearer('sk-not-a-jwt')), {
      [JWT_FAILURE_KEY]: { code: 4, message: 'Jwt is not in the form of Header.Payload.Signature' },
    });
  });

  it('keys are cached: verified tokens do not refetch the JWKS', async () => {
    const token = await sign(k1, { iss: ISSUER, aud: AUDIENCE, sub: 'cached' });
    const beforeFetches = fetches;
    for (let i = 0; i < 3; i++) await send(bearer(token));
    assert.equal(fetches, beforeFetches);
  });
});

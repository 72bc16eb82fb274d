// Caller identity by source and order: API keys (three headers, expiry, unknown keys), JWT
// payload/failure/missing claims/issuers, mTLS fields, trusted headers by source CIDR, and spoofing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../lib/errors';
import type { ClientPolicyConfig } from '../config/schema';
import type { Headers } from '../messages';
import type { IdentityInput } from '../services';
import { apiKeyOf, authenticate } from './authenticate';
import { sha256Hex } from './keys';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const GOOD = 'tg_goodgoodgoodgoodgoodgoodgoodgoodgoodgood';
const OLD = 'tg_oldoldoldoldoldoldoldoldoldoldoldoldold';

function policy(extra: Partial<ClientPolicyConfig> = {}): ClientPolicyConfig {
  return {
    key: 'default/p',
    unauthenticated: 'Reject',
    access: { rules: [], default: 'Allow' },
    ...extra,
  };
}

const withKeys = (extra: Partial<ClientPolicyConfig> = {}): ClientPolicyConfig =>
  policy({
    apiKeys: {
      keys: [
        { name: 'default/good', sha256: sha256Hex(GOOD), tenant: 'acme', team: 'ml', user: 'ann' },
        { name: 'default/old', sha256: sha256Hex(OLD), expiresAt: '2026-05-31T23:59:59Z' },
      ],
    },
    ...extra,
  });

const input = (headers: Record<string, string>, extra: Partial<IdentityInput> = {}): IdentityInput => ({
  headers: new Map(Object.entries(headers)) as Headers,
  ...extra,
});

function rejects(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof GatewayError);
    assert.equal(err.status, 401);
    assert.equal(err.code, 'unauthenticated');
    assert.match(err.message, message);
    return true;
  });
}

describe('authenticate: API keys', () => {
  it('accepts the key in each of the three headers', () => {
    const variants: Array<Record<string, string>> = [
      { authorization: `Bearer ${GOOD}` },
      { 'api-key': GOOD },
      { 'x-api-key': GOOD },
    ];
    for (const headers of variants) {
      assert.deepEqual(authenticate(withKeys(), input(headers), NOW), {
        source: 'apiKey',
        apiKey: 'default/good',
        tenant: 'acme',
        team: 'ml',
        user: 'ann',
      });
    }
  });

  it('refuses an expired key from its expiry instant on, and does not echo it', () => {
    const p = withKeys();
    assert.equal(
      authenticate(p, input({ 'api-key': OLD }), Date.parse('2026-05-31T23:59:58Z')).apiKey,
      'default/old',
    );
    rejects(
      () => authenticate(p, input({ 'api-key': OLD }), Date.parse('2026-05-31T23:59:59Z')),
      /^API key expired$/,
    );
  });

  it('refuses an unknown key without naming it', () => {
    rejects(
      () => authenticate(withKeys(), input({ authorization: 'Bearer tg_nope' }), NOW),
      /^invalid API key$/,
    );
    rejects(() => authenticate(withKeys(), input({ 'x-api-key': 'tg_nope' }), NOW), /^invalid API key$/);
  });

  it('an unknown key is refused even when unauthenticated callers are allowed', () => {
    const p = withKeys({ unauthenticated: 'Allow' });
    rejects(() => authenticate(p, input({ 'api-key': 'wrong' }), NOW), /invalid API key/);
    assert.deepEqual(authenticate(p, input({}), NOW), { source: 'anonymous' });
  });

  it('a key whose expiresAt cannot be parsed is refused (fail closed)', () => {
    const p = policy({ apiKeys: { keys: [{ name: 'x/y', sha256: sha256Hex(GOOD), expiresAt: 'soon' }] } });
    rejects(() => authenticate(p, input({ 'api-key': GOOD }), NOW), /expired/);
  });

  it('apiKeyOf prefers the dedicated headers over Authorization', () => {
    assert.equal(apiKeyOf(new Map([['authorization', 'Bearer a']])), 'a');
    assert.equal(apiKeyOf(new Map([['authorization', 'bearer  a ']])), 'a');
    assert.equal(apiKeyOf(new Map([['authorization', 'Basic a']])), undefined);
    assert.equal(
      apiKeyOf(
        new Map([
          ['authorization', 'Bearer a'],
          ['x-api-key', 'b'],
        ]),
      ),
      'b',
    );
    assert.equal(apiKeyOf(new Map()), undefined);
  });
});

describe('authenticate: JWT', () => {
  const jwt = { issuers: [], userClaim: 'sub', tenantClaim: 'org.id', teamClaim: 'groups.team' };

  it('maps claims, walking dot paths, and keeps the payload', () => {
    const payload = { sub: 'u-1', org: { id: 42 }, groups: { team: 'ml' }, iss: 'https://idp' };
    const id = authenticate(policy({ jwt }), input({}, { jwtPayload: payload }), NOW);
    assert.deepEqual(id, { source: 'jwt', user: 'u-1', tenant: '42', team: 'ml', claims: payload });
  });

  it('a claim whose name contains dots is read as is before walking', () => {
    const id = authenticate(
      policy({ jwt: { issuers: [], userClaim: 'https://x.io/user' } }),
      input({}, { jwtPayload: { 'https://x.io/user': 'z' } }),
      NOW,
    );
    assert.equal(id.user, 'z');
  });

  it("jwt_authn's failure is a 401 with its message", () => {
    rejects(
      () => authenticate(policy({ jwt }), input({}, { jwtFailure: 'Jwt is expired' }), NOW),
      /Jwt is expired/,
    );
  });

  it('a missing or non-string claim is a 401 naming the claim', () => {
    const p = policy({ jwt });
    rejects(
      () => authenticate(p, input({}, { jwtPayload: { sub: 'u', groups: { team: 'x' } } }), NOW),
      /"org\.id"/,
    );
    rejects(
      () =>
        authenticate(
          p,
          input({}, { jwtPayload: { sub: ['u'], org: { id: 1 }, groups: { team: 'x' } } }),
          NOW,
        ),
      /"sub" is not a string/,
    );
  });

  it('an unknown Bearer token falls through to the JWT source', () => {
    const p = withKeys({ jwt: { issuers: [], userClaim: 'sub' } });
    const id = authenticate(
      p,
      input({ authorization: 'Bearer eyJ.x.y' }, { jwtPayload: { sub: 'bob' } }),
      NOW,
    );
    assert.equal(id.source, 'jwt');
    assert.equal(id.user, 'bob');
    rejects(
      () =>
        authenticate(
          p,
          input({ authorization: 'Bearer eyJ.x.y' }, { jwtFailure: 'Jwt issuer is not configured' }),
          NOW,
        ),
      /issuer/,
    );
    // Neither verified nor refused by jwt_authn: still a wrong credential, never anonymous.
    rejects(
      () => authenticate({ ...p, unauthenticated: 'Allow' }, input({ authorization: 'Bearer zz' }), NOW),
      /invalid API key/,
    );
    // An unknown key in a dedicated header never falls through.
    rejects(
      () => authenticate(p, input({ 'api-key': 'zz' }, { jwtPayload: { sub: 'bob' } }), NOW),
      /invalid API key/,
    );
  });
});

describe('authenticate: JWT issuers of the policy', () => {
  // Every jwt_authn provider on a listener writes the same metadata key: a token verified for
  // another policy's issuer must not pass this policy.
  const p = policy({ jwt: { issuers: ['https://idp-a', 'https://idp-b'], userClaim: 'sub' } });

  it('admits a payload whose iss is one of the policy issuers', () => {
    for (const iss of ['https://idp-a', 'https://idp-b']) {
      const id = authenticate(p, input({}, { jwtPayload: { iss, sub: 'u' } }), NOW);
      assert.equal(id.source, 'jwt');
      assert.equal(id.user, 'u');
    }
  });

  it('refuses another issuer, a near miss, a missing or non-string iss', () => {
    for (const iss of ['https://idp-c', 'https://idp-a/', 'HTTPS://IDP-A', undefined, 7, ['https://idp-a']]) {
      const payload = iss === undefined ? { sub: 'u' } : { iss, sub: 'u' };
      rejects(() => authenticate(p, input({}, { jwtPayload: payload }), NOW), /^invalid JWT: issuer/);
    }
  });

  it('refuses even when unauthenticated callers are allowed, and via the unknown-Bearer path', () => {
    const open = { ...p, unauthenticated: 'Allow' as const };
    rejects(
      () => authenticate(open, input({}, { jwtPayload: { iss: 'https://other', sub: 'u' } }), NOW),
      /issuer/,
    );
    const keysToo = withKeys({ jwt: p.jwt });
    rejects(
      () =>
        authenticate(
          keysToo,
          input({ authorization: 'Bearer eyJ.x.y' }, { jwtPayload: { iss: 'https://other', sub: 'u' } }),
          NOW,
        ),
      /issuer/,
    );
  });

  it('an empty issuer list checks nothing (configs written before the field existed)', () => {
    const any = policy({ jwt: { issuers: [], userClaim: 'sub' } });
    assert.equal(authenticate(any, input({}, { jwtPayload: { sub: 'u' } }), NOW).user, 'u');
  });
});

describe('authenticate: mTLS', () => {
  const peer = {
    subject: 'CN=svc\\, the first,OU=eng+OU=ml,O=Acme',
    uriSan: 'spiffe://acme/ns/a/sa/b',
    dnsSan: 'svc.acme.internal',
  };
  it('reads the subject CN, URI SAN or DNS SAN', () => {
    const cases = [
      ['SubjectCN', 'svc, the first'],
      ['URISAN', 'spiffe://acme/ns/a/sa/b'],
      ['DNSSAN', 'svc.acme.internal'],
    ] as const;
    for (const [userFrom, user] of cases) {
      assert.deepEqual(authenticate(policy({ mtls: { userFrom } }), input({}, { peer }), NOW), {
        source: 'mtls',
        user,
      });
    }
  });

  it('reads hex escapes and JSON subjects; no certificate means no mTLS identity', () => {
    const p = policy({ mtls: { userFrom: 'SubjectCN' } });
    assert.equal(
      authenticate(p, input({}, { peer: { subject: 'O=Acme,CN=J\\C3\\BCrgen' } }), NOW).user,
      'Jürgen',
    );
    assert.equal(
      authenticate(p, input({}, { peer: { subject: '{"CN":"node-client"}' } }), NOW).user,
      'node-client',
    );
    rejects(() => authenticate(p, input({}), NOW), /client certificate/);
    rejects(
      () => authenticate(p, input({}, { peer: { subject: 'O=Acme' } }), NOW),
      /authentication required/,
    );
  });
});

describe('authenticate: trusted headers', () => {
  const trusted = policy({
    unauthenticated: 'Allow',
    trustedHeaders: {
      sourceCIDRs: ['10.0.0.0/8', 'fd00::/8', 'not-a-cidr', '192.168.1.7'],
      userHeader: 'X-User',
      tenantHeader: 'x-tenant',
    },
  });
  const claim = { 'x-user': 'mallory', 'x-tenant': 'root' };

  it('honours the headers from a source inside the CIDRs (IPv4, IPv6, IPv4-mapped, bare host)', () => {
    for (const sourceAddress of [
      '10.1.2.3:5555',
      '[fd12::9]:443',
      '[::ffff:10.9.9.9]:80',
      '::ffff:10.0.0.1',
      '192.168.1.7:1',
    ]) {
      assert.deepEqual(
        authenticate(trusted, input(claim, { sourceAddress }), NOW),
        {
          source: 'header',
          user: 'mallory',
          tenant: 'root',
        },
        sourceAddress,
      );
    }
  });

  it('spoofing: the same headers from anywhere else never become that identity', () => {
    for (const sourceAddress of [
      '11.0.0.1:5555',
      '[fe80::1]:443',
      '[::ffff:11.0.0.1]:80',
      '192.168.1.8:1',
      'garbage',
      undefined,
    ]) {
      const extra = sourceAddress === undefined ? {} : { sourceAddress };
      assert.deepEqual(
        authenticate(trusted, input(claim, extra), NOW),
        { source: 'anonymous' },
        String(sourceAddress),
      );
      rejects(
        () => authenticate({ ...trusted, unauthenticated: 'Reject' }, input(claim, extra), NOW),
        /authentication required/,
      );
    }
  });

  it('a trusted source without the user header is not identified by it', () => {
    assert.deepEqual(
      authenticate(trusted, input({ 'x-tenant': 't' }, { sourceAddress: '10.0.0.1:1' }), NOW),
      { source: 'anonymous' },
    );
  });

  it('sources are tried in order: an API key wins over trusted headers', () => {
    const both = { ...withKeys(), trustedHeaders: trusted.trustedHeaders };
    const id = authenticate(both, input({ ...claim, 'api-key': GOOD }, { sourceAddress: '10.0.0.1:1' }), NOW);
    assert.equal(id.source, 'apiKey');
  });
});

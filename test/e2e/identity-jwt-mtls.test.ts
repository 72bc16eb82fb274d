// JWT and client-certificate identity end to end: `tollgate run` on examples/identity extended
// with an HTTPS listener (client certificates required, from the test client CA), a Gateway
// AIClientPolicy with a JWT provider whose JWKS a local server on 127.0.0.1 serves (tokens signed
// with jose), and an AIRoute-level policy for another issuer, whose provider therefore sits on
// the same listener: its tokens must not pass the Gateway's policy.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import YAML from 'yaml';
import {
  ALICE_CERT,
  ALICE_KEY,
  CLIENT_CA_CERT,
  UNTRUSTED_CLIENT_CERT,
  UNTRUSTED_CLIENT_KEY,
} from '../../dataplane/testing/client-certs';
import { PROVIDER_CERT, PROVIDER_KEY, TEST_CA_CERT } from '../../dataplane/testing/test-ca';
import { jose, type Jose } from '../../dataplane/jwt/jose';
import { startMockLlm, type MockLlm } from '../fakes/mock-llm';
import { assertOpenAIError, chat, pollUntil, readAudit, type RawResponse } from './identity-helpers';
import { freePort, startLocalTollgate, type LocalTollgate } from './local-tollgate';

const ISSUER = 'https://issuer-a.test';
const OTHER_ISSUER = 'https://issuer-b.test';
const AUDIENCE = 'tollgate';

type JWK = Jose.JWK;
type Key = Awaited<ReturnType<typeof Jose.generateKeyPair>>['privateKey'];
interface SigningKey {
  kid: string;
  privateKey: Key;
  jwk: JWK;
}

async function signingKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await jose.generateKeyPair('ES256', { extractable: true });
  return { kid, privateKey, jwk: { ...(await jose.exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

/** The HTTPS listener (appended to the Gateway) and the extra manifests. */
function manifests(jwksUrl: string, httpsPort: number): { listener: string; extra: string } {
  const docs = [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name: 'gateway-cert', namespace: 'default' },
      stringData: { 'tls.crt': PROVIDER_CERT, 'tls.key': PROVIDER_KEY },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'client-ca', namespace: 'default' },
      stringData: { 'ca.crt': CLIENT_CA_CERT },
    },
    {
      apiVersion: 'tollgate.dev/v1alpha1',
      kind: 'AIClientPolicy',
      metadata: { name: 'callers', namespace: 'default' },
      spec: {
        targetRefs: [{ kind: 'Gateway', name: 'identity-gateway' }],
        apiKeys: {},
        jwt: {
          // A short cache so a rotated key is picked up quickly (refetch on an unknown kid).
          providers: [{ issuer: ISSUER, audiences: [AUDIENCE], jwksUri: jwksUrl, cacheDuration: '1s' }],
          userClaim: 'sub',
          tenantClaim: 'org.tenant',
        },
        mtls: { caCertificateRefs: [{ name: 'client-ca' }], userFrom: 'SubjectCN' },
        unauthenticated: 'Reject',
      },
    },
    {
      apiVersion: 'tollgate.dev/v1alpha1',
      kind: 'AIRoute',
      metadata: { name: 'identity-other', namespace: 'default' },
      spec: {
        parentRefs: [{ name: 'identity-gateway' }],
        rules: [
          {
            name: 'other',
            matches: [{ model: { type: 'Exact', value: 'other-model' } }],
            backendRefs: [{ name: 'identity-mock' }],
          },
        ],
      },
    },
    {
      apiVersion: 'tollgate.dev/v1alpha1',
      kind: 'AIClientPolicy',
      metadata: { name: 'other-issuer', namespace: 'default' },
      spec: {
        targetRefs: [{ kind: 'AIRoute', name: 'identity-other' }],
        jwt: { providers: [{ issuer: OTHER_ISSUER, jwksUri: jwksUrl, cacheDuration: '1s' }] },
      },
    },
  ];
  const listener = `    - name: https\n      port: ${httpsPort}\n      protocol: HTTPS\n      tls: { certificateRefs: [{ name: gateway-cert }] }\n`;
  return { listener, extra: docs.map((d) => `---\n${YAML.stringify(d)}`).join('') };
}

describe('identity end to end: JWT and mTLS', () => {
  let mock: MockLlm;
  let tollgate: LocalTollgate;
  let jwksServer: http.Server;
  let jwks: JWK[] = [];
  let keyA: SigningKey;
  let auditDir: string;
  let auditFile: string;
  let httpsPort: number;

  const token = async (
    key: SigningKey,
    claims: Record<string, unknown>,
    opts: { issuer?: string; audience?: string; expiresIn?: string | number } = {},
  ): Promise<string> =>
    new jose.SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: key.kid })
      .setIssuer(opts.issuer ?? ISSUER)
      .setAudience(opts.audience ?? AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(opts.expiresIn ?? '10m')
      .sign(key.privateKey);

  const httpsChat = (cert: string, key: string, requestId: string): Promise<RawResponse> =>
    new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: httpsPort,
          servername: 'provider.test',
          path: '/v1/chat/completions',
          method: 'POST',
          ca: TEST_CA_CERT,
          cert,
          key,
          agent: false,
          headers: { 'content-type': 'application/json', 'x-request-id': requestId },
        },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: new Headers(),
              body: JSON.parse(text) as RawResponse['body'],
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }));
    });

  before(async () => {
    keyA = await signingKey('key-a');
    jwks = [keyA.jwk];
    jwksServer = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: jwks }));
    });
    await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
    const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks`;
    mock = await startMockLlm({ name: 'identity-mock' });
    httpsPort = await freePort();
    auditDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-e2e-audit-'));
    auditFile = path.join(auditDir, 'audit.jsonl');
    const { listener, extra } = manifests(jwksUrl, httpsPort);
    tollgate = await startLocalTollgate('identity', {
      gatewayPort: 8080,
      upstreamPorts: { 9101: mock.port },
      extraArgs: ['--audit-log', auditFile],
      transform: (file, text) => {
        if (file === 'gateway.yaml') return `${text.trimEnd()}\n${listener}${extra}`;
        // The example's API-key policy is replaced by the one above (same target).
        if (file === 'policy.yaml') return '';
        return text;
      },
    });
  });

  after(async () => {
    await tollgate?.stop();
    await mock?.close();
    jwksServer?.closeAllConnections();
    await new Promise((r) => jwksServer?.close(r));
    if (auditDir) fs.rmSync(auditDir, { recursive: true, force: true });
  });

  /** The audit record of the admitted request with this id (polls retried under the same id). */
  const auditOf = (requestId: string) =>
    pollUntil(
      async () => readAudit(auditFile).find((l) => l.requestId === requestId && l.status === 200),
      `audit ${requestId}`,
    );

  test('a valid token is admitted with the identity from its claims (audit record)', async () => {
    const jwt = await token(keyA, { sub: 'dana', org: { tenant: 'acme' } });
    // The JWKS is fetched in the background when the listener starts: poll until it is there.
    const res = await pollUntil(async () => {
      const r = await chat(tollgate.baseURL, { authorization: `Bearer ${jwt}`, 'x-request-id': 'jwt-ok' });
      return r.status === 200 ? r : undefined;
    }, 'a valid JWT to be accepted');
    assert.match(JSON.stringify(res.body), /identity-mock/);
    const rec = await auditOf('jwt-ok');
    assert.deepEqual(rec.identity, { source: 'jwt', user: 'dana', tenant: 'acme' });
    assert.ok(!fs.readFileSync(auditFile, 'utf8').includes(jwt), 'the token is not in the audit log');
    const seen = mock.requests.at(-1)?.headers ?? {};
    assert.equal(seen.authorization, undefined, 'the token does not reach the upstream');
  });

  test('expired, wrong issuer, wrong audience, bad signature: OpenAI-shaped 401', async () => {
    const cases: Array<[string, Promise<string>, RegExp]> = [
      [
        'expired',
        token(keyA, { sub: 'dana' }, { expiresIn: Math.floor(Date.now() / 1000) - 600 }),
        /expired/i,
      ],
      ['unknown issuer', token(keyA, { sub: 'dana' }, { issuer: 'https://evil.test' }), /issuer/i],
      ['wrong audience', token(keyA, { sub: 'dana' }, { audience: 'someone-else' }), /audience/i],
      ['bad signature', signingKey('key-a').then((k) => token(k, { sub: 'dana' })), /signature|verif/i],
    ];
    for (const [what, jwt, message] of cases) {
      const res = await chat(tollgate.baseURL, { authorization: `Bearer ${await jwt}` });
      assert.equal(res.status, 401, `${what}: ${JSON.stringify(res.body)}`);
      assertOpenAIError(res, 401, 'unauthenticated', message);
    }
  });

  test("a token another policy's provider verified is refused by the Gateway's policy (issuer check)", async () => {
    const jwt = await token(
      keyA,
      { sub: 'eve', org: { tenant: 'acme' } },
      { issuer: OTHER_ISSUER, audience: 'anything' },
    );
    const res = await chat(tollgate.baseURL, { authorization: `Bearer ${jwt}` });
    assertOpenAIError(res, 401, 'unauthenticated', /issuer not accepted/);
  });

  test('JWKS rotation: a token signed with a new kid is accepted once the JWKS serves it', async () => {
    const keyB = await signingKey('key-b');
    jwks = [keyB.jwk];
    const jwt = await token(keyB, { sub: 'frank', org: { tenant: 'acme' } });
    await pollUntil(async () => {
      const r = await chat(tollgate.baseURL, {
        authorization: `Bearer ${jwt}`,
        'x-request-id': 'jwt-rotated',
      });
      return r.status === 200 ? r : undefined;
    }, 'the rotated key to be accepted');
    assert.equal((await auditOf('jwt-rotated')).identity?.user, 'frank');
    // The retired key is refused once the JWKS no longer has it.
    const old = await token(keyA, { sub: 'dana' });
    await pollUntil(async () => {
      const r = await chat(tollgate.baseURL, { authorization: `Bearer ${old}` });
      return r.status === 401 ? r : undefined;
    }, 'the retired key to be refused');
  });

  test('mTLS: identity from the certificate subject; a certificate from another CA is refused', async () => {
    const res = await httpsChat(ALICE_CERT, ALICE_KEY, 'mtls-ok');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual((await auditOf('mtls-ok')).identity, { source: 'mtls', user: 'alice' });
    await assert.rejects(httpsChat(UNTRUSTED_CLIENT_CERT, UNTRUSTED_CLIENT_KEY, 'mtls-bad'));
    assert.equal(
      readAudit(auditFile).find((l) => l.requestId === 'mtls-bad'),
      undefined,
      'refused at the handshake',
    );
  });
});

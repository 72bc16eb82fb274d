// Bedrock web identity against a fake STS: the strict XML reader, caching, refresh 5 minutes
// before expiry (injected clock), single flight, token file rotation, a clear 502 naming the
// backend on STS failure without the token in errors or logs, and a SigV4 signature with the
// temporary credentials + session token accepted by the fake Bedrock.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GatewayError } from '../../../lib/errors';
import {
  startFakeSts,
  stsCredentialsXml,
  stsErrorXml,
  type FakeTokenServer,
} from '../../../test/fakes/mock-sts';
import { startMockBedrock } from '../../../test/fakes/mock-bedrock';
import type { BackendConfig } from '../../config/schema';
import { parseRequest } from '../../request';
import { bedrockTranslator } from './bedrock';
import {
  bedrockCredentials,
  webIdentitySettings,
  WebIdentityCredentials,
  EARLY_REFRESH_MS,
} from './credentials';
import { parseAssumeRoleResponse } from './sts';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.projected-sa-token.sig';
let sts: FakeTokenServer;
let dir: string;
let tokenFile: string;

before(async () => {
  sts = await startFakeSts();
  dir = mkdtempSync(join(tmpdir(), 'tollgate-wi-'));
  tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, `${TOKEN}\n`);
});
after(async () => {
  await sts.close();
  rmSync(dir, { recursive: true, force: true });
});

const settings = (roleArn: string) => ({
  roleArn,
  tokenFile,
  sessionName: 'tollgate-test',
  stsEndpoint: sts.url,
});

function backend(roleArn: string, host = 'bedrock.invalid'): BackendConfig {
  return {
    key: 'ns/bedrock-irsa',
    schema: 'Bedrock',
    host,
    pathPrefix: '',
    models: [],
    bedrock: { region: 'eu-west-1', webIdentity: { roleArn, tokenFile, stsEndpoint: sts.url } },
  };
}

describe('STS response reader', () => {
  it('reads the credentials and decodes entities', () => {
    const c = parseAssumeRoleResponse(stsCredentialsXml(7, Date.UTC(2030, 0, 1)));
    assert.deepEqual(c, {
      accessKeyId: 'ASIAFAKE7',
      secretAccessKey: 'secret/7+key',
      sessionToken: 'session&token/7==',
      expiresAt: Date.UTC(2030, 0, 1),
    });
  });
  it('refuses missing, duplicated or foreign elements', () => {
    const good = stsCredentialsXml(1, Date.UTC(2030, 0, 1));
    assert.throws(() => parseAssumeRoleResponse(good.replace(/<SessionToken>.*<\/SessionToken>/, '')));
    assert.throws(() =>
      parseAssumeRoleResponse(good.replace('</Credentials>', '</Credentials><Credentials></Credentials>')),
    );
    assert.throws(() =>
      parseAssumeRoleResponse(good.replace(/<Expiration>.*<\/Expiration>/, '<Expiration>soon</Expiration>')),
    );
    assert.throws(() => parseAssumeRoleResponse(stsErrorXml('AccessDenied', 'no')));
  });
});

describe('WebIdentityCredentials', () => {
  it('assumes the role with the token file, caches, and refreshes 5 minutes before expiry', async () => {
    let now = Date.now();
    const provider = new WebIdentityCredentials(settings('arn:aws:iam::1:role/cache'), { now: () => now });
    const before = sts.forms.length;
    const first = await provider.credentials();
    const form = sts.forms.at(-1)?.form;
    assert.equal(form?.Action, 'AssumeRoleWithWebIdentity');
    assert.equal(form?.Version, '2011-06-15');
    assert.equal(form?.RoleArn, 'arn:aws:iam::1:role/cache');
    assert.equal(form?.RoleSessionName, 'tollgate-test');
    assert.equal(form?.WebIdentityToken, TOKEN);
    assert.match(first.sessionToken ?? '', /^session&token\/\d+==$/);
    now += sts.lifetimeMs - EARLY_REFRESH_MS - 1000;
    assert.deepEqual(await provider.credentials(), first);
    assert.equal(sts.forms.length, before + 1);
    now += 2000; // now within 5 minutes of expiry
    const second = await provider.credentials();
    assert.equal(sts.forms.length, before + 2);
    assert.notEqual(second.accessKeyId, first.accessKeyId);
  });

  it('shares one STS call between concurrent requests', async () => {
    const provider = new WebIdentityCredentials(settings('arn:aws:iam::1:role/flight'));
    const before = sts.forms.length;
    const all = await Promise.all(Array.from({ length: 20 }, () => provider.credentials()));
    assert.equal(sts.forms.length, before + 1);
    assert.ok(all.every((c) => c.accessKeyId === all[0]?.accessKeyId));
  });

  it('reads the rotated token file on each refresh', async () => {
    let now = Date.now();
    const own = join(dir, 'rotating');
    writeFileSync(own, 'token-one');
    const provider = new WebIdentityCredentials(
      { ...settings('arn:aws:iam::1:role/rotate'), tokenFile: own },
      { now: () => now },
    );
    await provider.credentials();
    assert.equal(sts.forms.at(-1)?.form.WebIdentityToken, 'token-one');
    writeFileSync(own, 'token-two');
    now += sts.lifetimeMs;
    await provider.credentials();
    assert.equal(sts.forms.at(-1)?.form.WebIdentityToken, 'token-two');
  });

  it('keeps valid credentials when an early refresh fails, then fails once they expire', async () => {
    let now = Date.now();
    const provider = new WebIdentityCredentials(settings('arn:aws:iam::1:role/keep'), { now: () => now });
    const first = await provider.credentials();
    const saved = sts.answer;
    sts.answer = () => ({ status: 503, body: stsErrorXml('ServiceUnavailable', 'down') });
    try {
      now += sts.lifetimeMs - 60_000;
      assert.deepEqual(await provider.credentials(), first);
      now += 120_000;
      await assert.rejects(provider.credentials(), /HTTP 503 ServiceUnavailable/);
    } finally {
      sts.answer = saved;
    }
  });
});

describe('bedrockCredentials', () => {
  it('answers an STS refusal with a 502 naming the backend, never the token, and logs nothing', async () => {
    const saved = sts.answer;
    sts.answer = () => ({ status: 400, body: stsErrorXml('InvalidIdentityToken', `bad token ${TOKEN}`) });
    const logged: string[] = [];
    const originals = { log: console.log, error: console.error, warn: console.warn };
    console.log = console.error = console.warn = (...args: unknown[]) => void logged.push(args.join(' '));
    try {
      const err: unknown = await bedrockCredentials(backend('arn:aws:iam::1:role/refused')).catch(
        (e: unknown) => e,
      );
      assert.ok(err instanceof GatewayError);
      assert.equal(err.status, 502);
      assert.match(err.message, /ns\/bedrock-irsa/);
      assert.match(err.message, /InvalidIdentityToken/);
      assert.ok(!err.message.includes(TOKEN));
    } finally {
      Object.assign(console, originals);
      sts.answer = saved;
    }
    assert.ok(logged.every((l) => !l.includes(TOKEN)));
  });

  it('takes the role and token file from the IRSA environment', () => {
    const b: BackendConfig = { ...backend('x'), bedrock: { region: 'us-west-2', webIdentity: {} } };
    const env = { AWS_ROLE_ARN: 'arn:aws:iam::2:role/env', AWS_WEB_IDENTITY_TOKEN_FILE: '/t/token' };
    assert.deepEqual(webIdentitySettings(b, env), {
      roleArn: 'arn:aws:iam::2:role/env',
      tokenFile: '/t/token',
      sessionName: 'tollgate',
      stsEndpoint: 'https://sts.us-west-2.amazonaws.com/',
    });
    assert.throws(() => webIdentitySettings(b, {}), /no role ARN/);
  });

  it('signs with the temporary credentials and session token, accepted by the fake Bedrock', async () => {
    const roleArn = 'arn:aws:iam::1:role/sign';
    const issued = parseAssumeRoleResponse(stsCredentialsXml(sts.forms.length + 1, Date.now() + 3_600_000));
    const mock = await startMockBedrock(issued, 'eu-west-1');
    try {
      const b = backend(roleArn, `127.0.0.1:${mock.port}`);
      const req = parseRequest(
        'chat',
        Buffer.from(JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })),
      );
      const t = await bedrockTranslator.requestBody(req, 'm', '/v1/chat/completions', b);
      const headers = new Map(t.headers);
      assert.equal(headers.get('x-amz-security-token'), issued.sessionToken);
      const res = await fetch(`http://127.0.0.1:${mock.port}${t.path ?? ''}`, {
        method: 'POST',
        headers: { ...Object.fromEntries(t.headers ?? []), 'content-type': 'application/json' },
        body: t.body,
      });
      assert.equal(res.status, 200);
      assert.equal(mock.requests.at(-1)?.signatureValid, true);
    } finally {
      await mock.close();
    }
  });
});

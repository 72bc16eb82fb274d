// Entra ID client credentials against a fake token endpoint: the form sent (client secret, or a
// federated token read again on each refresh), caching until 5 minutes before expires_in with an
// injected clock, single flight, a clear 502 naming the backend without the secret, and the
// Azure translator setting Authorization: Bearer at the body phase.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GatewayError } from '../../../lib/errors';
import { startFakeEntra, type FakeTokenServer } from '../../../test/fakes/mock-sts';
import type { BackendConfig } from '../../config/schema';
import { parseRequest } from '../../request';
import { azureOpenAITranslator } from './azure';
import {
  DEFAULT_ENTRA_SCOPE,
  EARLY_REFRESH_MS,
  EntraTokenSource,
  JWT_BEARER_ASSERTION,
  entraAuthorization,
  type EntraSettings,
} from './entra';

const SECRET = 'client-secret-value~123';
let entra: FakeTokenServer;
let dir: string;

before(async () => {
  entra = await startFakeEntra();
  dir = mkdtempSync(join(tmpdir(), 'tollgate-entra-'));
});
after(async () => {
  await entra.close();
  rmSync(dir, { recursive: true, force: true });
});

const settings = (
  clientId: string,
  extra: Partial<EntraSettings> = { clientSecret: SECRET },
): EntraSettings => ({
  tenantId: 'tenant-1',
  clientId,
  authorityHost: entra.url,
  scope: DEFAULT_ENTRA_SCOPE,
  ...extra,
});

describe('EntraTokenSource', () => {
  it('posts client credentials, caches, and refreshes 5 minutes before expires_in', async () => {
    let now = Date.now();
    const source = new EntraTokenSource(settings('app-cache'), { now: () => now });
    const before = entra.forms.length;
    const first = await source.token();
    const sent = entra.forms.at(-1);
    assert.equal(sent?.path, '/tenant-1/oauth2/v2.0/token');
    assert.deepEqual(sent?.form, {
      grant_type: 'client_credentials',
      client_id: 'app-cache',
      scope: DEFAULT_ENTRA_SCOPE,
      client_secret: SECRET,
    });
    now += entra.lifetimeMs - EARLY_REFRESH_MS - 1000;
    assert.equal(await source.token(), first);
    assert.equal(entra.forms.length, before + 1);
    now += 2000;
    assert.notEqual(await source.token(), first);
    assert.equal(entra.forms.length, before + 2);
  });

  it('shares one fetch between concurrent requests', async () => {
    const source = new EntraTokenSource(settings('app-flight'));
    const before = entra.forms.length;
    const tokens = await Promise.all(Array.from({ length: 20 }, () => source.token()));
    assert.equal(entra.forms.length, before + 1);
    assert.equal(new Set(tokens).size, 1);
  });

  it('sends the federated token file as a jwt-bearer assertion, read again on refresh', async () => {
    let now = Date.now();
    const file = join(dir, 'azure-identity-token');
    writeFileSync(file, 'federated-one\n');
    const source = new EntraTokenSource(settings('app-wi', { federatedTokenFile: '' }), {
      now: () => now,
      env: { AZURE_FEDERATED_TOKEN_FILE: file },
    });
    await source.token();
    let form = entra.forms.at(-1)?.form;
    assert.equal(form?.client_assertion_type, JWT_BEARER_ASSERTION);
    assert.equal(form?.client_assertion, 'federated-one');
    assert.equal(form?.client_secret, undefined);
    writeFileSync(file, 'federated-two');
    now += entra.lifetimeMs;
    await source.token();
    form = entra.forms.at(-1)?.form;
    assert.equal(form?.client_assertion, 'federated-two');
  });
});

describe('Azure OpenAI with Entra ID', () => {
  const backend = (clientId: string): BackendConfig => ({
    key: 'ns/azure-entra',
    schema: 'AzureOpenAI',
    host: 'example.openai.azure.com',
    pathPrefix: '',
    models: [],
    azure: { apiVersion: '2024-10-21', entra: settings(clientId) },
  });
  const chat = parseRequest(
    'chat',
    Buffer.from(JSON.stringify({ model: 'gpt', messages: [{ role: 'user', content: 'hi' }] })),
  );

  it('sets Authorization: Bearer with the fetched token at the body phase', async () => {
    const t = await azureOpenAITranslator.requestBody(
      chat,
      'gpt-dep',
      '/v1/chat/completions',
      backend('app-tr'),
    );
    assert.equal(new Map(t.headers).get('authorization'), `Bearer entra-token-${entra.forms.length}`);
    assert.equal(t.path, '/openai/deployments/gpt-dep/chat/completions?api-version=2024-10-21');
  });

  it('answers a refused fetch with a 502 naming the backend, never the secret, and logs nothing', async () => {
    const saved = entra.answer;
    entra.answer = () => ({
      status: 401,
      contentType: 'application/json',
      body: JSON.stringify({
        error: 'invalid_client',
        error_description: `AADSTS7000215: bad secret ${SECRET}`,
      }),
    });
    const logged: string[] = [];
    const originals = { log: console.log, error: console.error, warn: console.warn };
    console.log = console.error = console.warn = (...args: unknown[]) => void logged.push(args.join(' '));
    try {
      const b = backend('app-refused');
      const err: unknown = await entraAuthorization(b, b.azure?.entra as EntraSettings).catch(
        (e: unknown) => e,
      );
      assert.ok(err instanceof GatewayError);
      assert.equal(err.status, 502);
      assert.match(err.message, /ns\/azure-entra/);
      assert.match(err.message, /HTTP 401 invalid_client/);
      assert.ok(!err.message.includes(SECRET));
    } finally {
      Object.assign(console, originals);
      entra.answer = saved;
    }
    assert.ok(logged.every((l) => !l.includes(SECRET)));
  });
});

// End to end with rotating cloud credentials through `tollgate run`: examples/bedrock with its
// Secret replaced by a web identity (a fake STS on loopback and a token file), so extproc assumes
// the role, signs with the temporary credentials and session token (the fake Bedrock recomputes
// the signature), and reuses the cached credentials for the next request. Then the example's
// OpenAI backend turned into Azure OpenAI with Entra ID client credentials (a fake token
// endpoint and a fake Azure upstream that records the Authorization header).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startMockBedrock, type MockBedrock } from '../fakes/mock-bedrock';
import { startMockLlm } from '../fakes/mock-llm';
import { startFakeEntra, startFakeSts, stsCredentialsXml, type FakeTokenServer } from '../fakes/mock-sts';
import { parseAssumeRoleResponse } from '../../extproc/providers/bedrock/sts';
import { startLocalTollgate, type LocalTollgate } from './local-tollgate';

const ROLE = 'arn:aws:iam::123456789012:role/tollgate-bedrock';
const TOKEN = 'projected.service-account.token';

describe('Bedrock with web identity end to end', () => {
  let sts: FakeTokenServer;
  let bedrock: MockBedrock;
  let openai: Awaited<ReturnType<typeof startMockLlm>>;
  let tollgate: LocalTollgate;
  let client: OpenAI;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-e2e-wi-'));
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, TOKEN);
    sts = await startFakeSts();
    // The fake STS's first answer carries ASIAFAKE1...; the fake Bedrock accepts only those.
    bedrock = await startMockBedrock(parseAssumeRoleResponse(stsCredentialsXml(1, Date.now())), 'us-east-1');
    openai = await startMockLlm({ name: 'mock-openai', host: '127.0.0.1' });
    const webIdentity = `webIdentity: { roleArn: "${ROLE}", tokenFile: "${tokenFile}", stsEndpoint: "${sts.url}" }`;
    tollgate = await startLocalTollgate('bedrock', {
      gatewayPort: 8080,
      upstreamPorts: { 9301: bedrock.port, 9302: openai.port },
      transform: (file, text) =>
        file === 'backends.yaml' ? text.replace('secretRef: { name: aws-bedrock }', webIdentity) : text,
    });
    client = new OpenAI({ baseURL: tollgate.baseURL, apiKey: 'client-key', maxRetries: 0 });
  });

  after(async () => {
    await tollgate?.stop();
    await bedrock?.close();
    await openai?.close();
    await sts?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('assumes the role once, signs with the session token, reuses the cached credentials', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await client.chat.completions.create({
        model: 'claude-haiku',
        messages: [{ role: 'user', content: 'Hello' }],
      });
      assert.equal(res.object, 'chat.completion');
    }
    assert.equal(sts.forms.length, 1, 'one STS call for both requests');
    assert.equal(sts.forms[0]?.form.RoleArn, ROLE);
    assert.equal(sts.forms[0]?.form.WebIdentityToken, TOKEN);
    const seen = bedrock.requests.at(-1);
    assert.equal(seen?.signatureValid, true);
    assert.equal(seen?.headers['x-amz-security-token'], 'session&token/1==');
    assert.match(String(seen?.headers.authorization), /Credential=ASIAFAKE1\//);
  });
});

describe('Azure OpenAI with Entra ID end to end', () => {
  const SECRET = 'entra-client-secret';
  let entra: FakeTokenServer;
  let azure: http.Server;
  const seen: Array<{ path: string; authorization: string | undefined }> = [];
  let tollgate: LocalTollgate;
  let client: OpenAI;

  before(async () => {
    entra = await startFakeEntra();
    azure = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id: 'chatcmpl-azure',
            object: 'chat.completion',
            created: 1,
            model: 'gpt-4o-mini',
            choices: [
              { index: 0, message: { role: 'assistant', content: 'hi from azure' }, finish_reason: 'stop' },
            ],
            usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => azure.listen(0, '127.0.0.1', resolve));
    const entraSpec = [
      '  schema: AzureOpenAI',
      '  endpoint:',
      `    url: http://127.0.0.1:${(azure.address() as AddressInfo).port}`,
      '  azure:',
      '    entra:',
      '      tenantId: tenant-e2e',
      '      clientId: client-e2e',
      '      clientSecretRef: { name: entra, key: clientSecret }',
      `      authorityHost: ${entra.url}`,
    ].join('\n');
    const secret = `---\napiVersion: v1\nkind: Secret\nmetadata: { name: entra, namespace: default }\nstringData: { clientSecret: ${SECRET} }\n`;
    tollgate = await startLocalTollgate('bedrock', {
      gatewayPort: 8080,
      upstreamPorts: {
        9301: (azure.address() as AddressInfo).port,
        9302: (azure.address() as AddressInfo).port,
      },
      transform: (file, text) =>
        file === 'backends.yaml'
          ? text.replace(
              / {2}schema: OpenAI\n {2}endpoint:\n {4}url: http:\/\/127\.0\.0\.1:\d+\/v1/,
              entraSpec,
            ) + secret
          : text,
    });
    client = new OpenAI({ baseURL: tollgate.baseURL, apiKey: 'client-key', maxRetries: 0 });
  });

  after(async () => {
    await tollgate?.stop();
    await entra?.close();
    await new Promise<void>((resolve) => (azure ? azure.close(() => resolve()) : resolve()));
  });

  test('fetches a token with the client secret once and sends it as a bearer token', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await client.chat.completions.create({
        model: 'gpt-with-bedrock-fallback',
        messages: [{ role: 'user', content: 'Hello' }],
      });
      assert.equal(res.choices[0]?.message.content, 'hi from azure');
    }
    assert.equal(entra.forms.length, 1, 'one token fetch for both requests');
    assert.equal(entra.forms[0]?.path, '/tenant-e2e/oauth2/v2.0/token');
    assert.equal(entra.forms[0]?.form.client_secret, SECRET);
    assert.equal(seen.length, 2);
    assert.match(seen[1]?.path ?? '', /^\/openai\/deployments\/gpt-4o-mini\/chat\/completions\?api-version=/);
    assert.equal(seen[1]?.authorization, 'Bearer entra-token-1');
  });
});

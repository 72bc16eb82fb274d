// A fake AWS STS for AssumeRoleWithWebIdentity (form POST, XML answers as AWS writes them) and a
// fake Entra ID token endpoint (POST /{tenant}/oauth2/v2.0/token, JSON answers), on 127.0.0.1
// with an ephemeral port. Each records the forms it received; `answer` decides what to send back
// (default: fresh credentials/tokens numbered by request, valid for `lifetimeMs`).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeAnswer {
  status: number;
  body: string;
  contentType?: string;
}

export interface FakeTokenServer {
  port: number;
  url: string;
  forms: Array<{ path: string; form: Record<string, string> }>;
  /** Replace to script answers; n counts requests from 1. */
  answer: (n: number, form: Record<string, string>) => FakeAnswer;
  /** The validity of default answers. */
  lifetimeMs: number;
  close(): Promise<void>;
}

export function stsCredentialsXml(n: number, expiresAt: number): string {
  return `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>system:serviceaccount:tollgate:extproc</SubjectFromWebIdentityToken>
    <Credentials>
      <AccessKeyId>ASIAFAKE${n}</AccessKeyId>
      <SecretAccessKey>secret/${n}+key</SecretAccessKey>
      <SessionToken>session&amp;token/${n}==</SessionToken>
      <Expiration>${new Date(expiresAt).toISOString()}</Expiration>
    </Credentials>
    <Audience>sts.amazonaws.com</Audience>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>req-${n}</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>`;
}

export function stsErrorXml(code: string, message: string): string {
  return `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r</RequestId></ErrorResponse>`;
}

async function start(defaultAnswer: (n: number, lifetimeMs: number) => FakeAnswer): Promise<FakeTokenServer> {
  const fake: Omit<FakeTokenServer, 'port' | 'url' | 'close'> = {
    forms: [],
    lifetimeMs: 3_600_000,
    answer: (n) => defaultAnswer(n, fake.lifetimeMs),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      fake.forms.push({ path: req.url ?? '', form });
      const a = fake.answer(fake.forms.length, form);
      res.writeHead(a.status, { 'content-type': a.contentType ?? 'text/xml' });
      res.end(a.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(fake, {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

export function startFakeSts(): Promise<FakeTokenServer> {
  return start((n, lifetimeMs) => ({ status: 200, body: stsCredentialsXml(n, Date.now() + lifetimeMs) }));
}

export function startFakeEntra(): Promise<FakeTokenServer> {
  return start((n, lifetimeMs) => ({
    status: 200,
    contentType: 'application/json',
    body: JSON.stringify({
      token_type: 'Bearer',
      expires_in: Math.floor(lifetimeMs / 1000),
      ext_expires_in: Math.floor(lifetimeMs / 1000),
      access_token: `entra-token-${n}`,
    }),
  }));
}

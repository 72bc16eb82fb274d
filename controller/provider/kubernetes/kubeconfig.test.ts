// Loading connections from kubeconfig files with client-node's KubeConfig: inline and
// file-referenced credentials, the current context's namespace, exec credential plugins (which
// our former loader refused), and clear errors for a missing context or use before loading.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { RequestOptions } from 'node:https';
import path from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { KubeConfig, requireLoaded } from './kubeconfig';

function write(doc: unknown, extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-kc-'));
  for (const [name, content] of Object.entries(extra)) writeFileSync(path.join(dir, name), content);
  const file = path.join(dir, 'config');
  writeFileSync(file, stringify(doc));
  return file;
}

function config(user: Record<string, unknown>, cluster: Record<string, unknown> = {}) {
  return {
    clusters: [{ name: 'c', cluster: { server: 'https://k8s.example:6443', ...cluster } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u', namespace: 'ops' } }],
    'current-context': 'ctx',
  };
}

async function authorization(kc: KubeConfig): Promise<string | undefined> {
  const options: RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  const value = (options.headers as Record<string, unknown> | undefined)?.Authorization;
  return typeof value === 'string' ? value : undefined;
}

void describe('KubeConfig', () => {
  void it('reads inline CA data, a token and the context namespace', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(
      write(config({ token: 't0k' }, { 'certificate-authority-data': Buffer.from('CA').toString('base64') })),
    );
    requireLoaded(kc);
    assert.equal(kc.getCurrentCluster()?.server, 'https://k8s.example:6443');
    assert.equal(Buffer.from(kc.getCurrentCluster()?.caData ?? '', 'base64').toString(), 'CA');
    assert.equal(await authorization(kc), 'Bearer t0k');
    assert.equal(kc.getContextObject(kc.getCurrentContext())?.namespace, 'ops');
    assert.equal(kc.getCurrentCluster()?.skipTLSVerify, false);
  });

  void it('resolves certificate files relative to the kubeconfig', () => {
    const kc = new KubeConfig();
    const file = write(config({ 'client-certificate': 'tls.crt', 'client-key': 'tls.key' }), {
      'tls.crt': 'CERT',
      'tls.key': 'KEY',
    });
    kc.loadFromFile(file);
    const user = kc.getCurrentUser();
    assert.equal(readFileSync(user?.certFile ?? '', 'utf8'), 'CERT');
    assert.equal(readFileSync(user?.keyFile ?? '', 'utf8'), 'KEY');
  });

  void it('gets a token from an exec credential plugin', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-exec-'));
    const plugin = path.join(dir, 'cred.js');
    const credential = {
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      status: { token: 'from-exec' },
    };
    writeFileSync(plugin, `process.stdout.write(${JSON.stringify(JSON.stringify(credential))});\n`);
    chmodSync(plugin, 0o700);
    const kc = new KubeConfig();
    kc.loadFromFile(
      write(
        config({
          exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: [plugin] },
        }),
      ),
    );
    assert.equal(await authorization(kc), 'Bearer from-exec');
  });

  void it('fails clearly on a missing context or use before loading', () => {
    const kc = new KubeConfig();
    kc.loadFromFile(write(config({})));
    kc.setCurrentContext('nope');
    assert.throws(() => requireLoaded(kc), /context "nope" not found/);
    assert.throws(() => requireLoaded(new KubeConfig()), /not loaded/);
  });
});

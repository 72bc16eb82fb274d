// Loading connections from kubeconfig files: inline and file-referenced credentials, the
// current context's namespace, and clear errors for what we do not support.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { KubeConfig } from './kubeconfig';

function write(doc: unknown, extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-kc-'));
  for (const [name, content] of Object.entries(extra)) writeFileSync(path.join(dir, name), content);
  const file = path.join(dir, 'config');
  writeFileSync(file, stringify(doc));
  return file;
}

function config(user: Record<string, unknown>, cluster: Record<string, unknown> = {}) {
  return {
    clusters: [{ name: 'c', cluster: { server: 'https://k8s.example:6443/', ...cluster } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u', namespace: 'ops' } }],
    'current-context': 'ctx',
  };
}

void describe('KubeConfig', () => {
  void it('reads inline CA data, a token and the context namespace', () => {
    const kc = new KubeConfig();
    kc.loadFromFile(
      write(config({ token: 't0k' }, { 'certificate-authority-data': Buffer.from('CA').toString('base64') })),
    );
    const conn = kc.connection();
    assert.equal(conn.server, 'https://k8s.example:6443');
    assert.equal(conn.ca?.toString(), 'CA');
    assert.equal(conn.token, 't0k');
    assert.equal(conn.namespace, 'ops');
    assert.equal(conn.insecureSkipTlsVerify, false);
  });

  void it('resolves certificate files relative to the kubeconfig', () => {
    const kc = new KubeConfig();
    const file = write(config({ 'client-certificate': 'tls.crt', 'client-key': 'tls.key' }), {
      'tls.crt': 'CERT',
      'tls.key': 'KEY',
    });
    kc.loadFromFile(file);
    assert.equal(kc.connection().cert?.toString(), 'CERT');
    assert.equal(kc.connection().key?.toString(), 'KEY');
  });

  void it('fails clearly on exec credentials, a missing context, or use before loading', () => {
    assert.throws(() => new KubeConfig().loadFromFile(write(config({ exec: { command: 'aws' } }))), /exec/);
    assert.throws(
      () => new KubeConfig().loadFromFile(write(config({}), {}), 'nope'),
      /context "nope" not found/,
    );
    assert.throws(() => new KubeConfig().connection(), /not loaded/);
  });
});

// Tests for the files provider: loading a folder of manifests and watching it, in temp dirs.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { loadResources, watchResources, type WatchOptions } from './files';
import type { Resources } from './resources';

const roots: string[] = [];
after(() => {
  for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
});

function tempDir(files: Record<string, string> = {}): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-files-'));
  roots.push(root);
  for (const [name, text] of Object.entries(files)) write(root, name, text);
  return root;
}

function write(root: string, name: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
  fs.writeFileSync(path.join(root, name), text);
}

const backend = (name: string, port = 9101, ns?: string) => `apiVersion: tollgate.dev/v1alpha1
kind: AIBackend
metadata:
  name: ${name}${ns ? `\n  namespace: ${ns}` : ''}
spec:
  endpoint:
    url: http://127.0.0.1:${port}/v1
`;

const gateway = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: infra }
spec:
  gatewayClassName: tollgate
  listeners: [{ name: http, port: 8080, protocol: HTTP }]
`;

void describe('loadResources', () => {
  void test('reads yaml, yml and json recursively, multi-document and List, defaulting the namespace', () => {
    const root = tempDir({
      'a.yaml': `${backend('one')}---\n${gateway}---\n`,
      'nested/deeper/b.yml': backend('two', 9102, 'team-b'),
      'c.json': JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'key' }, stringData: { apiKey: 'x' } }],
      }),
      'notes.txt': 'kind: AIBackend',
      '.hidden/d.yaml': backend('hidden'),
      'deploy.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: app }\n',
    });
    const { resources, errors } = loadResources(root);
    assert.deepEqual(errors, []);
    assert.deepEqual(
      resources.aiBackends.map((b) => `${b.metadata.namespace}/${b.metadata.name}`),
      ['default/one', 'team-b/two'],
    );
    assert.equal(resources.gateways[0]?.metadata.namespace, 'infra');
    assert.equal(resources.secrets[0]?.metadata.namespace, 'default');
    assert.equal(resources.aiBackends[0]?.spec.connectTimeout, '10s', 'validated by zod, defaults applied');
  });

  void test('a YAML syntax error names the file and line, and the other files still load', () => {
    const root = tempDir({
      'good.yaml': backend('ok'),
      'bad.yaml': 'kind: AIBackend\nmetadata:\n  name: [unclosed\n',
    });
    const { resources, errors } = loadResources(root);
    assert.equal(resources.aiBackends.length, 1);
    assert.equal(errors.length >= 1, true);
    assert.match(errors[0] ?? '', new RegExp(`^${escape(path.join(root, 'bad.yaml'))}:\\d+:\\d+: `));
  });

  void test('invalid objects are kept aside with a message that names the field', () => {
    const root = tempDir({ 'x.yaml': backend('both').replace('spec:\n', 'spec:\n  connectTimeout: soon\n') });
    const { resources } = loadResources(root);
    assert.equal(resources.aiBackends.length, 0);
    assert.equal(resources.invalid[0]?.name, 'both');
    assert.match(resources.invalid[0]?.message ?? '', /spec\.connectTimeout/);
  });

  void test('documents without kind, scalars, unknown tollgate kinds and duplicates are reported', () => {
    const root = tempDir({
      'a.yaml': `just a string\n---\nmetadata: { name: x }\n---\napiVersion: tollgate.dev/v1alpha1\nkind: AIRout\n`,
      'b.yaml': backend('dup', 1),
      'c.yaml': backend('dup', 2),
    });
    const { resources, errors } = loadResources(root);
    assert.equal(errors.length, 4, errors.join('\n'));
    assert.match(errors[0] ?? '', /a\.yaml \(document 1\): expected a Kubernetes object/);
    assert.match(errors[1] ?? '', /a\.yaml \(document 2\): apiVersion and kind are required/);
    assert.match(errors[2] ?? '', /unknown kind "AIRout"/);
    assert.match(errors[3] ?? '', /c\.yaml: AIBackend default\/dup is also defined in .*b\.yaml/);
    assert.equal(resources.aiBackends.length, 1);
    assert.equal(resources.aiBackends[0]?.spec.endpoint.url, 'http://127.0.0.1:2/v1', 'the later one wins');
  });

  void test('a single file path and a missing path', () => {
    const root = tempDir({ 'only.yaml': backend('solo'), 'other.yaml': backend('other') });
    assert.equal(loadResources(path.join(root, 'only.yaml')).resources.aiBackends.length, 1);
    const missing = loadResources(path.join(root, 'nope'));
    assert.match(missing.errors[0] ?? '', /nope: no such file or directory/);
  });
});

void describe('watchResources', () => {
  /** Starts a watch and returns a function that resolves with the next change (bounded wait). */
  function watch(target: string, opts: WatchOptions = {}) {
    const changes: Resources[] = [];
    let waiter: ((r: Resources) => void) | undefined;
    const handle = watchResources(
      target,
      (r) => {
        changes.push(r);
        waiter?.(r);
      },
      { debounceMs: 20, pollIntervalMs: 0, ...opts },
    );
    const next = () =>
      new Promise<Resources>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no change reported within 5 s')), 5000);
        waiter = (r) => {
          clearTimeout(timer);
          waiter = undefined;
          resolve(r);
        };
      });
    return { handle, next, changes };
  }

  const names = (r: Resources) => r.aiBackends.map((b) => b.metadata.name).sort();

  void test('fires on edits, new files in new folders and deletions; not on identical rewrites', async () => {
    const root = tempDir({ 'a.yaml': backend('a') });
    const w = watch(root);
    try {
      fs.writeFileSync(path.join(root, 'a.yaml'), backend('a')); // same bytes: must not fire
      // Give that write time to be processed on its own; on a slow machine the check is weaker, not flaky.
      await new Promise((r) => setTimeout(r, 150));
      let next = w.next();
      write(root, 'sub/b.yaml', backend('b'));
      assert.deepEqual(names(await next), ['a', 'b']);
      assert.equal(w.changes.length, 1, 'the identical rewrite did not fire');
      next = w.next();
      fs.rmSync(path.join(root, 'a.yaml'));
      assert.deepEqual(names(await next), ['b']);
    } finally {
      w.handle.close();
    }
  });

  void test('survives an editor that writes a temp file and renames it over the original', async () => {
    const root = tempDir({ 'a.yaml': backend('a') });
    const file = path.join(root, 'a.yaml');
    const w = watch(file);
    try {
      for (const name of ['a2', 'a3']) {
        const next = w.next();
        fs.writeFileSync(path.join(root, '.a.yaml.swp'), backend(name));
        fs.renameSync(path.join(root, '.a.yaml.swp'), file);
        assert.deepEqual(names(await next), [name]);
      }
    } finally {
      w.handle.close();
    }
  });

  void test('polling alone notices changes when fs.watch is off', async () => {
    const root = tempDir({ 'a.yaml': backend('a') });
    const w = watch(root, { useFsWatch: false, pollIntervalMs: 30 });
    try {
      const next = w.next();
      write(root, 'a.yaml', backend('changed'));
      assert.deepEqual(names(await next), ['changed']);
    } finally {
      w.handle.close();
    }
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

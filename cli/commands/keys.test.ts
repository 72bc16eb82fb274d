// `tollgate keys` in local mode: create -> list -> revoke in a temp folder, the manifest parsed
// back, and the key printed once and stored nowhere.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import YAML from 'yaml';
import { parseApiKeySecret, sha256Hex } from '../../extproc/identity/keys';
import { expiryFrom, keyFile, keysCommand, type KeysIO } from './keys';

const NOW = Date.parse('2026-06-01T12:00:00Z');

function io(): KeysIO & { stdout: string; stderr: string } {
  const captured = {
    stdout: '',
    stderr: '',
    out: (t: string) => void (captured.stdout += t),
    err: (t: string) => void (captured.stderr += t),
    nowMs: () => NOW,
  };
  return captured;
}

describe('tollgate keys', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-keys-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('create -> list -> revoke round trip', () => {
    const created = io();
    const argv = [
      'create',
      '--name',
      'ci',
      '--tenant',
      'acme',
      '--user',
      'bot',
      '--expires',
      '30d',
      '--dir',
      dir,
    ];
    assert.equal(keysCommand(argv, created), 0);
    const key = created.stdout.trim();
    assert.match(key, /^tg_[0-9A-Za-z]{40}$/);
    assert.match(created.stderr, /will not be shown again/);

    const text = fs.readFileSync(keyFile(dir, 'ci'), 'utf8');
    assert.ok(!text.includes(key), 'the raw key is never written');
    const parsed = parseApiKeySecret(YAML.parse(text));
    assert.deepEqual(parsed, {
      record: {
        name: 'ci',
        namespace: 'default',
        sha256: sha256Hex(key),
        tenant: 'acme',
        user: 'bot',
        expiresAt: '2026-07-01T12:00:00Z',
      },
    });

    const listed = io();
    assert.equal(keysCommand(['list', '--dir', dir], listed), 0);
    const lines = listed.stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0] ?? '', /^NAMESPACE\s+NAME\s+TENANT\s+TEAM\s+USER\s+EXPIRES\s+SHA256$/);
    assert.match(
      lines[1] ?? '',
      new RegExp(
        `^default\\s+ci\\s+acme\\s+-\\s+bot\\s+2026-07-01T12:00:00Z\\s+${sha256Hex(key).slice(0, 12)}\\.\\.\\.$`,
      ),
    );
    assert.ok(!listed.stdout.includes(key) && !listed.stdout.includes(sha256Hex(key)));

    assert.throws(() => keysCommand(['create', '--name', 'ci', '--dir', dir], io()), /already exists/);

    const revoked = io();
    assert.equal(keysCommand(['revoke', '--name', 'ci', '--dir', dir], revoked), 0);
    assert.equal(fs.existsSync(keyFile(dir, 'ci')), false);
    const after = io();
    keysCommand(['list', '--dir', dir], after);
    assert.equal(after.stdout.trim().split('\n').length, 1);
    assert.throws(
      () => keysCommand(['revoke', '--name', 'ci', '--dir', dir], io()),
      /no API key default\/ci/,
    );
  });

  it('without --dir prints the manifest on stdout and the key on stderr', () => {
    const out = io();
    assert.equal(keysCommand(['create', '--name', 'k8s', '--namespace', 'team-a', '--team', 'ml'], out), 0);
    const key = /tg_[0-9A-Za-z]{40}/.exec(out.stderr)?.[0];
    assert.ok(key);
    assert.ok(!out.stdout.includes(key));
    const parsed = parseApiKeySecret(YAML.parse(out.stdout));
    assert.deepEqual(parsed, {
      record: { name: 'k8s', namespace: 'team-a', sha256: sha256Hex(key), team: 'ml' },
    });
    const revoke = io();
    keysCommand(['revoke', '--name', 'k8s', '-n', 'team-a'], revoke);
    assert.equal(revoke.stdout, 'kubectl delete secret k8s --namespace team-a\n');
  });

  it('lists an expired key as expired, and revoke refuses a key defined in another file', () => {
    fs.writeFileSync(
      path.join(dir, 'mixed.yaml'),
      YAML.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'tollgate.dev/api-key',
        metadata: { name: 'old' },
        stringData: { sha256: sha256Hex('x'), expiresAt: '2026-01-01T00:00:00Z' },
      }),
    );
    const listed = io();
    keysCommand(['list', '--dir', dir], listed);
    assert.match(listed.stdout, /2026-01-01T00:00:00Z \(expired\)/);
    assert.throws(() => keysCommand(['revoke', '--name', 'old', '--dir', dir], io()), /mixed\.yaml/);
    assert.ok(fs.existsSync(path.join(dir, 'mixed.yaml')));
  });

  it('validates names and expiry', () => {
    assert.throws(
      () => keysCommand(['create', '--name', 'Bad_Name', '--dir', dir], io()),
      /not a valid Secret name/,
    );
    assert.equal(expiryFrom('12h', NOW), '2026-06-02T00:00:00Z');
    assert.equal(expiryFrom('2w', NOW), '2026-06-15T12:00:00Z');
    assert.equal(expiryFrom('2027-01-01T00:00:00Z', NOW), '2027-01-01T00:00:00Z');
    assert.throws(() => expiryFrom('2020-01-01T00:00:00Z', NOW), /future/);
    assert.throws(() => expiryFrom('tomorrow', NOW), /duration/);
    assert.throws(() => expiryFrom('0d', NOW), /future/);
    assert.equal(keysCommand(['frobnicate'], io()), 2);
  });
});

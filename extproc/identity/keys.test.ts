// Key generation and the API-key Secret format (the contract with the controller).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { ApiKeyEntry } from '../config/schema';
import { apiKeyEntryOf, apiKeySecretYaml, generateApiKey, parseApiKeySecret, sha256Hex } from './keys';

describe('generateApiKey', () => {
  it('is tg_ + 40 base62 characters, different every time', () => {
    const keys = new Set(Array.from({ length: 200 }, generateApiKey));
    assert.equal(keys.size, 200);
    for (const k of keys) assert.match(k, /^tg_[0-9A-Za-z]{40}$/);
  });

  it('uses the whole alphabet', () => {
    // 4,000 draws from 62 symbols: a missing symbol has a probability of about 1e-26.
    const seen = new Set(Array.from({ length: 100 }, () => generateApiKey().slice(3)).join(''));
    assert.equal(seen.size, 62);
  });

  it('sha256Hex is lowercase hex SHA-256 of the UTF-8 key', () => {
    assert.equal(sha256Hex('tg_x'), createHash('sha256').update('tg_x').digest('hex'));
  });
});

describe('API key Secret', () => {
  const record = {
    name: 'ci-bot',
    namespace: 'team-a',
    sha256: sha256Hex('tg_abc'),
    tenant: 'acme',
    team: 'no', // a YAML 1.1 boolean unless quoted
    user: 'ci',
    expiresAt: '2027-01-01T00:00:00Z',
  };

  it('round-trips through YAML (also a YAML 1.1 reader, as kubectl) into a valid ApiKeyEntry', () => {
    const manifest = YAML.parse(apiKeySecretYaml(record), { version: '1.1' }) as Record<string, unknown>;
    assert.equal(manifest.kind, 'Secret');
    assert.equal(manifest.type, 'tollgate.dev/api-key');
    assert.deepEqual((manifest.metadata as { labels: unknown }).labels, { 'tollgate.dev/api-key': 'true' });
    const parsed = parseApiKeySecret(manifest);
    assert.deepEqual(parsed, { record });
    const entry = apiKeyEntryOf(record);
    assert.deepEqual(ApiKeyEntry.parse(entry), { ...entry, name: 'team-a/ci-bot' });
    assert.doesNotMatch(JSON.stringify(manifest), /tg_abc/);
  });

  it('reads base64 data and the default namespace', () => {
    const b64 = (s: string): string => Buffer.from(s).toString('base64');
    const secret = {
      kind: 'Secret',
      type: 'tollgate.dev/api-key',
      metadata: { name: 'k' },
      data: { sha256: b64(record.sha256), team: b64('ml') },
    };
    assert.deepEqual(parseApiKeySecret(secret), {
      record: { name: 'k', namespace: 'default', sha256: record.sha256, team: 'ml' },
    });
  });

  it('reports unusable key Secrets and ignores other objects', () => {
    const bad = {
      kind: 'Secret',
      type: 'tollgate.dev/api-key',
      metadata: { name: 'k' },
      stringData: { sha256: 'xyz' },
    };
    assert.match((parseApiKeySecret(bad) as { error: string }).error, /sha256/);
    const when = { ...bad, stringData: { sha256: record.sha256, expiresAt: 'next week' } };
    assert.match((parseApiKeySecret(when) as { error: string }).error, /RFC 3339/);
    assert.equal(parseApiKeySecret({ kind: 'Secret', type: 'Opaque', metadata: { name: 'x' } }), undefined);
    assert.equal(parseApiKeySecret({ kind: 'ConfigMap', metadata: { name: 'x' } }), undefined);
    assert.equal(parseApiKeySecret('nope'), undefined);
  });
});

// AIBackend cloud identities into the processor config: Bedrock web identity (explicit and
// fromEnvironment), Azure Entra ID with a client secret (a missing Secret leaves the backend out
// with ResolvedRefs false) and with workload identity; "exactly one of" is enforced by the API.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyResources, addObject, type Resources } from '../provider/resources';
import { resolveBackends } from './aibackend';

const NOW = '2026-01-01T00:00:00.000Z';

function load(docs: readonly unknown[]): Resources {
  const resources = emptyResources();
  for (const doc of docs) addObject(resources, doc);
  return resources;
}

const backend = (name: string, spec: Record<string, unknown>): unknown => ({
  apiVersion: 'tollgate.dev/v1alpha1',
  kind: 'AIBackend',
  metadata: { name, namespace: 'ai', generation: 1 },
  spec: { endpoint: { url: 'https://example.test' }, ...spec },
});

const secret = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'entra', namespace: 'ai' },
  data: { clientSecret: Buffer.from('s3cret').toString('base64') },
};

describe('AIBackend cloud identities', () => {
  it('passes Bedrock web identity settings through, and fromEnvironment as an empty one', () => {
    const out = resolveBackends(
      load([
        backend('wi', {
          schema: 'Bedrock',
          bedrock: {
            region: 'us-east-1',
            credentials: { webIdentity: { roleArn: 'arn:aws:iam::1:role/r' } },
          },
        }),
        backend('env', {
          schema: 'Bedrock',
          bedrock: { region: 'us-east-1', credentials: { fromEnvironment: true } },
        }),
      ]),
      NOW,
    );
    assert.deepEqual(out.usable.get('ai/wi')?.config.bedrock, {
      region: 'us-east-1',
      webIdentity: { roleArn: 'arn:aws:iam::1:role/r' },
    });
    assert.deepEqual(out.usable.get('ai/env')?.config.bedrock, { region: 'us-east-1', webIdentity: {} });
  });

  it('refuses two Bedrock credential sources', () => {
    const out = resolveBackends(
      load([
        backend('both', {
          schema: 'Bedrock',
          bedrock: { region: 'us-east-1', credentials: { fromEnvironment: true, secretRef: { name: 'x' } } },
        }),
      ]),
      NOW,
    );
    assert.ok(!out.usable.has('ai/both'));
    assert.match(
      out.unusable.get('ai/both') ?? '',
      /exactly one of secretRef, webIdentity and fromEnvironment/,
    );
  });

  it('reads the Entra client secret, and leaves the backend out when the Secret is missing', () => {
    const entra = { tenantId: 't', clientId: 'c', clientSecretRef: { name: 'entra', key: 'clientSecret' } };
    const spec = { schema: 'AzureOpenAI', azure: { entra } };
    const out = resolveBackends(load([backend('ok', spec), secret]), NOW);
    assert.deepEqual(out.usable.get('ai/ok')?.config.azure, {
      apiVersion: '2024-10-21',
      entra: {
        tenantId: 't',
        clientId: 'c',
        authorityHost: 'https://login.microsoftonline.com',
        scope: 'https://cognitiveservices.azure.com/.default',
        clientSecret: 's3cret',
      },
    });
    const missing = resolveBackends(load([backend('nosecret', spec)]), NOW);
    assert.ok(!missing.usable.has('ai/nosecret'));
    const status = missing.statuses[0]?.status as { conditions: Array<Record<string, string>> } | undefined;
    const resolved = status?.conditions.find((c) => c.type === 'ResolvedRefs');
    assert.equal(resolved?.status, 'False');
    assert.match(resolved?.message ?? '', /Secret ai\/entra not found/);
  });

  it('uses workload identity with the default federated token file', () => {
    const out = resolveBackends(
      load([
        backend('wi', {
          schema: 'AzureOpenAI',
          azure: { entra: { tenantId: 't', clientId: 'c', workloadIdentity: {} } },
        }),
      ]),
      NOW,
    );
    assert.equal(out.usable.get('ai/wi')?.config.azure?.entra?.federatedTokenFile, '');
    assert.equal(out.usable.get('ai/wi')?.config.azure?.entra?.clientSecret, undefined);
  });
});

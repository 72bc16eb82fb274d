// examples/kubernetes: every manifest parses and is valid for its schema (Kubernetes OpenAPI,
// our CRDs, the controller's own validation), and the walkthrough in its README applies every
// manifest file and only files that exist, so the docs that quote it stay true.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../golden';
import { parseManifests } from './render';
import { validateObject } from './validate';

const DIR = path.join(repoRoot(), 'examples', 'kubernetes');
const manifests = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

for (const file of manifests) {
  test(`examples/kubernetes/${file} is valid`, () => {
    const docs = parseManifests(fs.readFileSync(path.join(DIR, file), 'utf8'));
    assert.ok(docs.length > 0, 'has at least one object');
    assert.deepEqual(docs.flatMap(validateObject), []);
  });
}

test('examples/kubernetes/README.md applies every manifest, and only ones that exist', () => {
  const readme = fs.readFileSync(path.join(DIR, 'README.md'), 'utf8');
  const applied = [...readme.matchAll(/kubectl apply -f examples\/kubernetes\/([\w.-]+\.yaml)/g)].map(
    (m) => m[1],
  );
  assert.deepEqual([...new Set(applied)].sort(), manifests);
});

test('the validator refuses an unknown field and a wrong type (it can fail)', () => {
  const route = parseManifests(fs.readFileSync(path.join(DIR, '30-route.yaml'), 'utf8'))[0] as Record<
    string,
    unknown
  >;
  const typo = structuredClone(route);
  (typo.spec as Record<string, unknown>).rulez = [];
  assert.match(validateObject(typo).join('\n'), /rulez|additional/);
  const svc = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 's' },
    spec: { ports: [{ port: 'x' }] },
  };
  assert.match(validateObject(svc).join('\n'), /port/);
  assert.match(
    validateObject({ apiVersion: 'v9', kind: 'Nope', metadata: { name: 'n' } }).join(''),
    /no schema/,
  );
});

// The offline renderer behaves as `helm template` does on a small fixture chart: values
// coalescing (deep merge, null deletes), .Release/.Chart/.Template/.Files/.Capabilities,
// include/tpl/required/toYaml/fromYaml/toJson/fromJson/lookup, partials and NOTES.txt left
// out, comment-only documents dropped, install order of kinds, and env removed from sprig.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../golden';
import { parseManifests, renderChart } from './render';

const DATA = path.join(repoRoot(), 'test', 'helm', 'testdata');
const fixture = { chartDir: path.join(DATA, 'fixture-chart'), releaseName: 'rel', namespace: 'ns1' };

// The fixture chart has no values.schema.json, so its renders skip the values check.
function renderFixture(valuesFiles: string[] = [], apiVersions: string[] = []): string {
  return renderChart({ ...fixture, valuesFiles, apiVersions, schema: false });
}

test('renderer: built-in objects and Helm functions', () => {
  const text = renderFixture([path.join(DATA, 'fixture-override.yaml')], ['monitoring.coreos.com/v1']);
  const docs = parseManifests(text);
  assert.deepEqual(
    docs.map((d) => d.kind),
    ['Namespace', 'ConfigMap'],
    'Namespace sorts before ConfigMap (install order); the comment-only document is dropped',
  );
  assert.match(text, /^---\n# Source: fixture\/templates\/things\.yaml\n/);
  assert.doesNotMatch(text, /never rendered/, 'NOTES.txt is not rendered');
  const data = docs[1]?.data as Record<string, string>;
  assert.equal((docs[1]?.metadata as { name: string }).name, 'fixture-1.2.3', 'include of a partial');
  assert.equal(data.release, 'rel/Helm/9.9/true/1');
  assert.equal(data.template, 'fixture/templates/things.yaml|fixture/templates');
  assert.deepEqual(
    JSON.parse(data.nested ?? ''),
    { keep: 1, inner: { a: 'x', b: 'z' } },
    'deep merge; null deletes',
  );
  assert.equal(data.yaml, '- one\n- two\n');
  assert.equal(data.tpl, 'hi from tpl');
  assert.equal(data.file, 'from a file');
  assert.equal(data.lookup, '0', 'lookup finds nothing offline');
  assert.equal(data.fromYaml, '3');
  assert.equal(data.fromJson, '2');
  assert.equal(data.capabilities, 'v1.30.0 true true');
  assert.equal(data.missing, '', 'a missing value renders empty, not <no value>');
  assert.equal((docs[0]?.metadata as { name: string }).name, 'hi');
});

test('renderer: Capabilities.APIVersions.Has is false for groups the cluster lacks', () => {
  const data = parseManifests(renderFixture())[1]?.data as Record<string, string>;
  assert.equal(data.capabilities, 'v1.30.0 true false');
});

test('renderer: required fails the render with its message', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-helm-'));
  const values = path.join(dir, 'v.yaml');
  fs.writeFileSync(values, 'greeting: null\n');
  assert.throws(() => renderFixture([values]), /greeting is required/);
  fs.rmSync(dir, { recursive: true });
});

test('renderer: env and expandenv are not available (as in Helm)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-helm-'));
  fs.mkdirSync(path.join(dir, 'templates'));
  fs.writeFileSync(path.join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: envchart\nversion: 0.0.1\n');
  fs.writeFileSync(path.join(dir, 'values.yaml'), '{}\n');
  fs.writeFileSync(path.join(dir, 'templates', 'x.yaml'), 'home: {{ env "HOME" }}\n');
  assert.throws(() => renderChart({ chartDir: dir, schema: false }), /function "env" not defined/);
  fs.rmSync(dir, { recursive: true });
});

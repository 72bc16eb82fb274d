// The printed bootstrap is what an operator feeds to Envoy: it must parse and pass the same
// proto round trip and validate.rules checks as everything else we render.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import YAML from 'yaml';

const CLI = path.join(__dirname, '..', 'main.js');

test('tollgate bootstrap prints a valid Envoy bootstrap for a Gateway', () => {
  const out = execFileSync(
    process.execPath,
    [
      CLI,
      'bootstrap',
      '--gateway',
      'default/ai-gateway',
      '--ads',
      'tollgate-controller.tollgate-system:18000',
      '--admin-port',
      '9901',
    ],
    { encoding: 'utf8' },
  );
  const bootstrap = YAML.parse(out) as { node: { cluster: string } };
  assert.equal(bootstrap.node.cluster, 'default/ai-gateway');
  assert.doesNotMatch(out, /seconds:/, 'durations in the proto3 JSON form Envoy parses');
  assert.match(out, /connect_timeout: 5s/);
});

test('tollgate bootstrap refuses a Gateway key that is not namespace/name', () => {
  assert.throws(() =>
    execFileSync(process.execPath, [CLI, 'bootstrap', '--gateway', 'ai-gateway'], {
      encoding: 'utf8',
      stdio: 'pipe',
    }),
  );
});

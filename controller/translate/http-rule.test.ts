// HTTPRoute path matches in IR terms: Gateway API PathPrefix matches whole path segments
// ("/web" must not match "/webx"), so it becomes the segment-wise 'pathPrefix' kind.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { routeMatch } from './http-rule';

void test('PathPrefix becomes a segment-wise pathPrefix without the trailing slash', () => {
  assert.deepEqual(routeMatch({ path: { type: 'PathPrefix', value: '/web' } }).path, {
    kind: 'pathPrefix',
    value: '/web',
  });
  assert.deepEqual(routeMatch({ path: { type: 'PathPrefix', value: '/web/' } }).path, {
    kind: 'pathPrefix',
    value: '/web',
  });
});

void test('"/" and values Envoy cannot take as path_separated_prefix stay plain prefixes', () => {
  assert.deepEqual(routeMatch({ path: { type: 'PathPrefix', value: '/' } }).path, {
    kind: 'prefix',
    value: '/',
  });
  assert.deepEqual(routeMatch({}).path, { kind: 'prefix', value: '/' });
  assert.equal(routeMatch({ path: { type: 'PathPrefix', value: '/a?b' } }).path.kind, 'prefix');
});

void test('Exact and RegularExpression keep their kinds', () => {
  assert.equal(routeMatch({ path: { type: 'Exact', value: '/web' } }).path.kind, 'exact');
  assert.equal(routeMatch({ path: { type: 'RegularExpression', value: '/w.*' } }).path.kind, 'regex');
});

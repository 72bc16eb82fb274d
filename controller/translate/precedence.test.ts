// Gateway API precedence of HTTPRoute matches.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HTTPRouteMatch } from '../api';
import { compareOrder, httpMatchOrder } from './precedence';

const OLD = { creationTimestamp: '2025-01-01T00:00:00Z', key: 'b/route' };
const NEW = { creationTimestamp: '2025-06-01T00:00:00Z', key: 'a/route' };

function sortMatches(
  items: { id: string; match: HTTPRouteMatch; route?: typeof OLD; rule?: number }[],
): string[] {
  return items
    .map((i) => ({ id: i.id, order: httpMatchOrder(i.match, i.route ?? OLD, i.rule ?? 0, 0) }))
    .sort((a, b) => compareOrder(a.order, b.order))
    .map((i) => i.id);
}

void test('exact paths come before regex and prefix paths; longer prefixes first', () => {
  const ids = sortMatches([
    { id: 'prefix-root', match: { path: { type: 'PathPrefix', value: '/' } } },
    { id: 'prefix-long', match: { path: { type: 'PathPrefix', value: '/api/v1' } } },
    { id: 'regex', match: { path: { type: 'RegularExpression', value: '/x/.*' } } },
    { id: 'exact', match: { path: { type: 'Exact', value: '/api' } } },
    { id: 'prefix-short', match: { path: { type: 'PathPrefix', value: '/api' } } },
  ]);
  assert.deepEqual(ids, ['exact', 'regex', 'prefix-long', 'prefix-short', 'prefix-root']);
});

void test('on equal paths, a method match and then more header matches win', () => {
  const path = { type: 'PathPrefix' as const, value: '/api' };
  const header = (name: string) => ({ type: 'Exact' as const, name, value: 'v' });
  const ids = sortMatches([
    { id: 'plain', match: { path } },
    { id: 'one-header', match: { path, headers: [header('a')] } },
    { id: 'two-headers', match: { path, headers: [header('a'), header('b')] } },
    { id: 'method', match: { path, method: 'GET' } },
  ]);
  assert.deepEqual(ids, ['method', 'two-headers', 'one-header', 'plain']);
});

void test('ties go to the older route, then namespace/name, then rule order', () => {
  const match: HTTPRouteMatch = { path: { type: 'PathPrefix', value: '/' } };
  const ids = sortMatches([
    { id: 'new', match, route: NEW },
    { id: 'old-rule-1', match, route: OLD, rule: 1 },
    { id: 'old-rule-0', match, route: OLD, rule: 0 },
    { id: 'old-other-name', match, route: { ...OLD, key: 'a/route' }, rule: 5 },
  ]);
  assert.deepEqual(ids, ['old-other-name', 'old-rule-0', 'old-rule-1', 'new']);
});

void test('a trailing slash does not make a prefix longer', () => {
  const ids = sortMatches([
    { id: 'slash', match: { path: { type: 'PathPrefix', value: '/api/' } }, rule: 1 },
    { id: 'method', match: { path: { type: 'PathPrefix', value: '/api' }, method: 'POST' }, rule: 0 },
  ]);
  assert.deepEqual(ids, ['method', 'slash']);
});

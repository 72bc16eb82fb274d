// Hostname intersection between listeners and routes (Gateway API rules).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ANY_HOST, intersectHostnames, intersectOne } from './hostnames';

void test('no hostnames on either side means any host', () => {
  assert.deepEqual(intersectHostnames(undefined, []), [ANY_HOST]);
});

void test('a route without hostnames takes the listener hostname', () => {
  assert.deepEqual(intersectHostnames('*.example.com', []), ['*.example.com']);
  assert.deepEqual(intersectHostnames('API.example.com', []), ['api.example.com']);
});

void test('a listener without hostname accepts the route hostnames', () => {
  assert.deepEqual(intersectHostnames(undefined, ['a.example.com', 'A.example.com', 'b.test']), [
    'a.example.com',
    'b.test',
  ]);
});

void test('a wildcard listener keeps the route hostnames it covers, with any number of labels', () => {
  assert.deepEqual(
    intersectHostnames('*.example.com', ['a.example.com', 'x.y.example.com', 'example.com', 'a.other.com']),
    ['a.example.com', 'x.y.example.com'],
  );
});

void test('an exact listener keeps itself when a route wildcard covers it', () => {
  assert.deepEqual(intersectHostnames('api.example.com', ['*.example.com']), ['api.example.com']);
  assert.deepEqual(intersectHostnames('api.example.com', ['*.other.com']), []);
});

void test('two wildcards intersect to the more specific one', () => {
  assert.equal(intersectOne('*.example.com', '*.eu.example.com'), '*.eu.example.com');
  assert.equal(intersectOne('*.eu.example.com', '*.example.com'), '*.eu.example.com');
  assert.equal(intersectOne('*.example.com', '*.other.com'), undefined);
});

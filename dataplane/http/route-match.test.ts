// Unit tests of virtual host and route selection (Envoy route_components.proto semantics).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HeaderMatcher, Route, RouteTable } from '../config/types';
import type { HeaderList } from '../ext-proc/types';
import { headerMatches, matchRoute, selectVirtualHost } from './route-match';

const route = (name: string, path: Route['match']['path'], headers: HeaderMatcher[] = []): Route => ({
  name,
  match: { path, caseSensitive: true, headers },
  action: { kind: 'direct', status: 200, body: name },
  requestHeadersToAdd: [],
  requestHeadersToRemove: [],
  responseHeadersToAdd: [],
  responseHeadersToRemove: [],
});

const table: RouteTable = {
  name: 't',
  virtualHosts: [
    {
      name: 'star',
      domains: ['*'],
      routes: [
        route('exact', { kind: 'path', value: '/a' }),
        route('prefix', { kind: 'prefix', value: '/a' }),
      ],
    },
    { name: 'suffix', domains: ['*.example.com'], routes: [] },
    { name: 'longer', domains: ['*.api.example.com'], routes: [] },
    { name: 'prefixwild', domains: ['example.*'], routes: [] },
    { name: 'exact', domains: ['api.example.com', 'api.example.com:8080'], routes: [] },
  ],
  ignorePortInHostMatching: false,
};

describe('selectVirtualHost', () => {
  it('prefers exact, then the longest suffix wildcard, then prefix wildcard, then "*"', () => {
    assert.equal(selectVirtualHost(table, 'api.example.com')?.name, 'exact');
    assert.equal(selectVirtualHost(table, 'API.example.com:8080')?.name, 'exact');
    assert.equal(selectVirtualHost(table, 'v1.api.example.com')?.name, 'longer');
    assert.equal(selectVirtualHost(table, 'x.example.com')?.name, 'suffix');
    assert.equal(selectVirtualHost(table, 'example.org')?.name, 'prefixwild');
    assert.equal(selectVirtualHost(table, 'other')?.name, 'star');
    // The port is part of the authority unless the HCM strips it (strip_any_host_port).
    assert.equal(selectVirtualHost(table, 'x.example.com:80')?.name, 'star');
  });
});

describe('ignore_port_in_host_matching', () => {
  const portless: RouteTable = {
    name: 'p',
    virtualHosts: [
      { name: 'ip', domains: ['127.0.0.1'], routes: [] },
      { name: 'v6', domains: ['[::1]'], routes: [] },
      { name: 'star', domains: ['*'], routes: [] },
    ],
    ignorePortInHostMatching: true,
  };
  it('matches "host:port" against domains without the port', () => {
    assert.equal(selectVirtualHost(portless, '127.0.0.1:8080')?.name, 'ip');
    assert.equal(selectVirtualHost(portless, '127.0.0.1')?.name, 'ip');
    assert.equal(selectVirtualHost(portless, '[::1]:8080')?.name, 'v6');
    // Without the flag the port takes part, as in Envoy.
    assert.equal(
      selectVirtualHost({ ...portless, ignorePortInHostMatching: false }, '127.0.0.1:8080')?.name,
      'star',
    );
  });
});

describe('matchRoute', () => {
  const h = (path: string, extra: HeaderList = []): HeaderList => [
    [':authority', 'other'],
    [':path', path],
    ...extra,
  ];
  it('takes the first route that matches, ignoring the query string', () => {
    assert.equal(matchRoute(table, h('/a?x=1'))?.name, 'exact');
    assert.equal(matchRoute(table, h('/ab'))?.name, 'prefix');
    assert.equal(matchRoute(table, h('/b')), undefined);
  });

  it('path_separated_prefix matches whole segments only ("/web" is not "/webx")', () => {
    const seg: RouteTable = {
      name: 's',
      virtualHosts: [
        { name: 'star', domains: ['*'], routes: [route('web', { kind: 'separated_prefix', value: '/web' })] },
      ],
      ignorePortInHostMatching: false,
    };
    assert.equal(matchRoute(seg, h('/web'))?.name, 'web');
    assert.equal(matchRoute(seg, h('/web/'))?.name, 'web');
    assert.equal(matchRoute(seg, h('/web/x?y=1'))?.name, 'web');
    assert.equal(matchRoute(seg, h('/web?y=1'))?.name, 'web');
    assert.equal(matchRoute(seg, h('/webx')), undefined);
    assert.equal(matchRoute(seg, h('/we')), undefined);
  });

  it('matches headers exact, regex, present and inverted', () => {
    const exact: HeaderMatcher = {
      name: 'x',
      test: { kind: 'exact', value: 'v', ignoreCase: false },
      invert: false,
    };
    assert.ok(headerMatches(exact, [['x', 'v']]));
    assert.ok(!headerMatches(exact, [['x', 'w']]));
    assert.ok(!headerMatches(exact, []));
    assert.ok(headerMatches({ ...exact, invert: true }, [['x', 'w']]));
    const regex: HeaderMatcher = { name: 'x', test: { kind: 'regex', regex: /^(?:a+)$/ }, invert: false };
    assert.ok(headerMatches(regex, [['x', 'aaa']]));
    assert.ok(!headerMatches(regex, [['x', 'aab']]));
    const present: HeaderMatcher = { name: 'x', test: { kind: 'any' }, invert: false, present: true };
    assert.ok(headerMatches(present, [['x', '']]));
    assert.ok(!headerMatches(present, []));
    assert.ok(headerMatches({ ...present, present: false }, []));
    // Repeated headers are matched as their values joined with ",".
    assert.ok(
      headerMatches({ ...exact, test: { kind: 'exact', value: 'a,b', ignoreCase: false } }, [
        ['x', 'a'],
        ['x', 'b'],
      ]),
    );
  });
});

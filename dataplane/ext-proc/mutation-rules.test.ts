// HeaderMutationRules as Envoy's checker applies them, the forward_rules string matcher, and
// the config parsing that feeds both (defaults, per-route metadata, rejected configs).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExtProcConfigError, parseExtProcConfig } from './config';
import { applyHeaderMutation, headersToProto, MutationError } from './header-mutation';
import {
  type CheckOperation,
  type CheckResult,
  HeaderMutationChecker,
  stringMatches,
} from './mutation-rules';

type Case = [name: string, op: CheckOperation, header: string, value: string, expected: CheckResult];

void describe('HeaderMutationChecker', () => {
  const defaults: Case[] = [
    ['plain set', 'set', 'x-a', 'v', 'ok'],
    [':path may change', 'set', ':path', '/x', 'ok'],
    [':authority is a routing header', 'set', ':authority', 'h', 'ignore'],
    ['host is a routing header', 'set', 'host', 'h', 'ignore'],
    [':method is a routing header', 'set', ':method', 'GET', 'ignore'],
    ['x-envoy is internal', 'set', 'x-envoy-foo', 'v', 'ignore'],
    ['no appending to pseudo-headers', 'append', ':path', '/y', 'ignore'],
    ['no removing pseudo-headers', 'remove', ':path', '', 'ignore'],
    ['no removing host', 'remove', 'host', '', 'ignore'],
    ['invalid value', 'set', 'x-a', 'a\nb', 'ignore'],
    [':status must be >= 200', 'set', ':status', '100', 'ignore'],
    [':status ok', 'set', ':status', '404', 'ok'],
  ];
  for (const [name, op, header, value, expected] of defaults) {
    void it(`defaults: ${name}`, () => {
      assert.equal(new HeaderMutationChecker({}).check(op, header, value), expected);
    });
  }

  void it('honours allow_all_routing, disallow_system, expressions and disallow_is_error', () => {
    const routing = new HeaderMutationChecker({ allow_all_routing: { value: true } });
    assert.equal(routing.check('set', 'host', 'api.example:443'), 'ok');
    assert.equal(routing.check('set', ':scheme', 'ftp'), 'ignore');
    const system = new HeaderMutationChecker({ disallow_system: { value: true } });
    assert.equal(system.check('set', ':path', '/x'), 'ignore');
    const expr = new HeaderMutationChecker({
      disallow_all: { value: true },
      allow_expression: { regex: 'x-tollgate-.*' },
      disallow_expression: { regex: 'x-tollgate-secret' },
      disallow_is_error: { value: true },
    });
    assert.equal(expr.check('set', 'x-tollgate-route', 'r'), 'ok');
    assert.equal(expr.check('set', 'x-tollgate-secret', 'r'), 'fail');
    assert.equal(expr.check('set', 'x-other', 'r'), 'fail');
  });

  void it('rejects a mutation with both value and raw_value, or invalid characters', () => {
    const options = {
      checker: new HeaderMutationChecker({}),
      replacingMessage: false,
      skipContentLength: false,
    };
    assert.throws(
      () =>
        applyHeaderMutation(
          [],
          { set_headers: [{ header: { key: 'x', value: 'a', raw_value: Buffer.from('b') } }] },
          options,
        ),
      MutationError,
    );
    assert.throws(() => applyHeaderMutation([], { remove_headers: ['bad header'] }, options), MutationError);
  });
});

void describe('forward_rules', () => {
  void it('forwards allowed headers minus disallowed ones', () => {
    const rules = {
      allowed: [{ prefix: 'x-' }, { exact: ':path' }],
      disallowed: [{ safe_regex: { regex: 'x-secret.*' } }],
    };
    const map = headersToProto(
      [
        [':path', '/'],
        ['x-a', '1'],
        ['x-secret-key', '2'],
        ['authorization', '3'],
      ],
      rules,
    );
    assert.deepEqual(
      map.headers?.map((h) => h.key),
      [':path', 'x-a'],
    );
    assert.equal(stringMatches({ suffix: 'KEY', ignore_case: true }, 'x-api-key'), true);
  });
});

void describe('parseExtProcConfig', () => {
  const base = {
    grpc_service: { envoy_grpc: { cluster_name: 'c' }, initial_metadata: [{ key: 'a', value: '1' }] },
  };

  void it("fills Envoy's defaults", () => {
    const s = parseExtProcConfig(base);
    assert.equal(s.messageTimeoutMs, 200);
    assert.equal(s.failureModeAllow, false);
    assert.deepEqual(s.modes, {
      requestHeaders: true,
      responseHeaders: true,
      requestBody: 'NONE',
      responseBody: 'NONE',
    });
    assert.equal(parseExtProcConfig({ ...base, disable_clear_route_cache: true }).routeCacheAction, 'RETAIN');
    assert.equal(parseExtProcConfig({ ...base, message_timeout: '1.5s' }).messageTimeoutMs, 1500);
  });

  void it('merges per-route grpc_initial_metadata by key', () => {
    const s = parseExtProcConfig(base, {
      overrides: {
        grpc_initial_metadata: [
          { key: 'a', value: '2' },
          { key: 'b', value: '3' },
        ],
      },
    });
    assert.deepEqual(s.initialMetadata, [
      ['a', '2'],
      ['b', '3'],
    ]);
  });

  void it('rejects what it cannot serve, with a message naming the field', () => {
    assert.throws(() => parseExtProcConfig({}), /grpc_service is required/);
    assert.throws(() => parseExtProcConfig({ ...base, observability_mode: true }), ExtProcConfigError);
    assert.throws(
      () => parseExtProcConfig({ ...base, processing_mode: { response_body_mode: 'BUFFERED_PARTIAL' } }),
      /response_body_mode BUFFERED_PARTIAL/,
    );
    assert.throws(
      () => parseExtProcConfig({ ...base, processing_mode: { request_body_mode: 'LOTS' } }),
      /unknown value/,
    );
    assert.throws(
      () => parseExtProcConfig({ ...base, mutation_rules: { allow_expression: { regex: '(' } } }),
      ExtProcConfigError,
    );
  });
});

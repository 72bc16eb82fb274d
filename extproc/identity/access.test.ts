// Access rules: first match wins, globs, subjects, route filters, default, and the 403 shape.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AccessRule, ClientPolicyConfig } from '../config/schema';
import type { Identity } from '../services';
import { authorize, glob, mayUse } from './access';

function policy(
  rules: Array<Partial<AccessRule> & Pick<AccessRule, 'effect'>>,
  def: 'Allow' | 'Deny',
): ClientPolicyConfig {
  return {
    key: 'default/p',
    unauthenticated: 'Allow',
    access: { rules: rules.map((r) => ({ subjects: [], models: [], routes: [], ...r })), default: def },
  };
}

const ann: Identity = { source: 'apiKey', tenant: 'acme', team: 'ml', user: 'ann', apiKey: 'default/ann' };
const bob: Identity = { source: 'jwt', tenant: 'acme', team: 'web', user: 'bob' };
const anon: Identity = { source: 'anonymous' };
const ROUTE = 'default/chat/0';

describe('glob', () => {
  it('matches * as any run and everything else literally', () => {
    assert.equal(glob('gpt-4*')('gpt-4o-mini'), true);
    assert.equal(glob('gpt-4*')('gpt-3.5'), false);
    assert.equal(glob('*/chat/*')('default/chat/0'), true);
    assert.equal(glob('gpt-4.1')('gpt-4x1'), false, '. is literal');
    assert.equal(glob('a*b*c')('a-b-c'), true);
    assert.equal(glob('a*b*c')('a-c-b'), false);
    assert.equal(glob('GPT*')('gpt-4'), false, 'case-sensitive');
    assert.equal(glob('*')(undefined), false);
  });
});

describe('authorize', () => {
  it('the first matching rule decides', () => {
    const p = policy(
      [
        { effect: 'Deny', subjects: [{ user: 'ann' }], models: ['gpt-4*'] },
        { effect: 'Allow', subjects: [{ tenant: 'acme' }] },
      ],
      'Deny',
    );
    assert.equal(mayUse(p, ann, ROUTE, 'gpt-4o'), false);
    assert.equal(mayUse(p, ann, ROUTE, 'claude-3'), true);
    assert.equal(mayUse(p, bob, ROUTE, 'gpt-4o'), true);
    assert.equal(mayUse(p, anon, ROUTE, 'claude-3'), false, 'falls to the default');
  });

  it('a subject matches only if every given field matches; any subject entry selects', () => {
    const p = policy(
      [{ effect: 'Allow', subjects: [{ tenant: 'acme', team: 'ml' }, { user: 'b*' }] }],
      'Deny',
    );
    assert.equal(mayUse(p, ann, ROUTE, 'm'), true);
    assert.equal(mayUse(p, bob, ROUTE, 'm'), true);
    assert.equal(mayUse(p, { ...bob, user: 'carl' }, ROUTE, 'm'), false);
  });

  it('"*" needs the field to exist: the anonymous caller has no tenant', () => {
    const p = policy([{ effect: 'Allow', subjects: [{ tenant: '*' }] }], 'Deny');
    assert.equal(mayUse(p, bob, ROUTE, 'm'), true);
    assert.equal(mayUse(p, anon, ROUTE, 'm'), false);
  });

  it('matches API key names and route globs', () => {
    const p = policy(
      [
        { effect: 'Allow', subjects: [{ apiKey: 'default/*' }], routes: ['default/chat/*'] },
        { effect: 'Deny', routes: ['*'] },
      ],
      'Allow',
    );
    assert.equal(mayUse(p, ann, ROUTE, 'm'), true);
    assert.equal(mayUse(p, ann, 'default/embed/0', 'm'), false);
    assert.equal(mayUse(p, bob, ROUTE, 'm'), false);
  });

  it('with no rule matching, the default decides', () => {
    assert.equal(mayUse(policy([], 'Allow'), anon, ROUTE, 'm'), true);
    assert.equal(mayUse(policy([], 'Deny'), anon, ROUTE, 'm'), false);
  });

  it('a denial is a 403 naming the caller and model, not the rule', () => {
    const p = policy([{ effect: 'Deny', subjects: [{ team: 'ml' }], models: ['secret-*'] }], 'Allow');
    assert.equal(authorize(p, ann, ROUTE, 'gpt-4o'), undefined);
    const err = authorize(p, ann, ROUTE, 'secret-model');
    assert.ok(err);
    assert.equal(err.status, 403);
    assert.equal(err.code, 'permission_denied');
    assert.equal(err.message, 'caller ann may not use model secret-model');
    assert.doesNotMatch(err.toBody(), /ml|secret-\*/);
    assert.equal(
      authorize(policy([], 'Deny'), anon, ROUTE, 'x')?.message,
      'anonymous caller may not use model x',
    );
  });
});

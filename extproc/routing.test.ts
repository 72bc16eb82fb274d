// Rule selection details: Gateway API hostname wildcards, Envoy-style full-match regexes,
// precedence order, and the backend path rewrite.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sampleConfig } from '../test/envoy-harness/fixtures';
import { rewritePath } from './providers/openai/openai';
import { hostnameMatches, selectRoute } from './routing';

describe('routing', () => {
  it('matches hostnames like the Gateway API', () => {
    assert.equal(hostnameMatches([], 'anything'), true);
    assert.equal(hostnameMatches(['api.example.com'], 'API.example.com:443'), true);
    assert.equal(hostnameMatches(['*.example.com'], 'a.b.example.com'), true);
    assert.equal(hostnameMatches(['*.example.com'], 'example.com'), false);
    assert.equal(hostnameMatches(['*.example.com'], 'badexample.com'), false);
    assert.equal(hostnameMatches(['[::1]'], '[::1]:8080'), true);
  });

  it('uses full-match regexes and the first matching rule', () => {
    const config = sampleConfig();
    const h = new Map([['x-team', 'ml']]);
    assert.equal(
      selectRoute(config, 'default/gw', 'x.internal.example', 'claude-3', h)?.key,
      'default/team/0',
    );
    assert.equal(selectRoute(config, 'default/gw', 'x.internal.example', 'my-claude-3', h), undefined);
    assert.equal(
      selectRoute(config, 'default/gw', 'x.internal.example', 'gpt-4o-mini', h)?.key,
      'default/chat/0',
    );
    assert.equal(selectRoute(config, 'other/gw', 'x', 'gpt-4o', h), undefined);
    const embed = config.routes['default/embed/0'];
    const gateway = config.gateways['default/gw'];
    assert.ok(embed && gateway);
    config.routes['default/all/0'] = { ...embed, key: 'default/all/0', matches: [] };
    gateway.routes.unshift('default/all/0');
    assert.equal(selectRoute(config, 'default/gw', 'x', 'gpt-4o', h)?.key, 'default/all/0');
  });

  it('rewrites /v1 to the backend prefix, keeping the query', () => {
    assert.equal(rewritePath('/v1/chat/completions', '/openai/v1'), '/openai/v1/chat/completions');
    assert.equal(rewritePath('/v1/embeddings?x=1', '/'), '/embeddings?x=1');
    assert.equal(rewritePath('/v1/responses', '/v1/'), '/v1/responses');
  });
});

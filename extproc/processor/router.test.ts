// Bad input at the router level, as a table: each case must end in an OpenAI-shaped error
// (ImmediateResponse) with the right status and code, before any upstream is involved.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sampleConfig, chatHeaders } from '../../test/envoy-harness/fixtures';
import type { ProcessingResponse } from '../messages';
import { MAX_ARRAY_ITEMS } from '../request';
import { RouterProcessor } from './router';
import { requestBody, requestHeaders, sync, testContext } from './testing';

interface Case {
  name: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the body in these pieces instead of one. */
  pieces?: string[];
  status: number;
  code: string;
}

const msgs = [{ role: 'user', content: 'hi' }];
const limit = sampleConfig().limits.maxRequestBodyBytes;

const CASES: Case[] = [
  { name: 'non-JSON body', body: 'model=gpt-4o', status: 400, code: 'invalid_json' },
  {
    name: 'truncated JSON',
    body: '{"model":"gpt-4o","messages":[{"role":"us',
    status: 400,
    code: 'invalid_json',
  },
  { name: 'empty body', body: '', status: 400, code: 'invalid_json' },
  { name: 'JSON array body', body: '[1,2]', status: 400, code: 'invalid_request' },
  { name: 'JSON string body', body: '"gpt-4o"', status: 400, code: 'invalid_request' },
  {
    name: 'wrong content-type',
    headers: { 'content-type': 'text/plain' },
    body: '{}',
    status: 415,
    code: 'unsupported_content_type',
  },
  {
    name: 'form content-type',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'a=b',
    status: 415,
    code: 'unsupported_content_type',
  },
  {
    name: 'declared length over the limit',
    headers: { 'content-length': String(limit + 1) },
    body: '{}',
    status: 413,
    code: 'body_too_large',
  },
  {
    name: 'body over the limit',
    body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x'.repeat(limit) }] }),
    status: 413,
    code: 'body_too_large',
  },
  {
    name: 'body over the limit in pieces',
    pieces: ['{"model":"gpt-4o","x":"', 'y'.repeat(limit), '"}'],
    status: 413,
    code: 'body_too_large',
  },
  { name: 'missing model', body: JSON.stringify({ messages: msgs }), status: 400, code: 'model_required' },
  {
    name: 'empty model',
    body: JSON.stringify({ model: '', messages: msgs }),
    status: 400,
    code: 'model_required',
  },
  {
    name: 'numeric model',
    body: JSON.stringify({ model: 4, messages: msgs }),
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'stream of the wrong type',
    body: JSON.stringify({ model: 'gpt-4o', messages: msgs, stream: 'yes' }),
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'stream_options not an object',
    body: JSON.stringify({ model: 'gpt-4o', messages: msgs, stream_options: true }),
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'messages missing',
    body: JSON.stringify({ model: 'gpt-4o' }),
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'messages not an array',
    body: JSON.stringify({ model: 'gpt-4o', messages: 'hi' }),
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'huge messages array',
    body: JSON.stringify({ model: 'gpt-4o', messages: Array.from({ length: MAX_ARRAY_ITEMS + 1 }, () => 0) }),
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'unknown model',
    body: JSON.stringify({ model: 'nope', messages: msgs }),
    status: 404,
    code: 'model_not_found',
  },
  {
    name: 'header-gated model without the header',
    body: JSON.stringify({ model: 'claude-3', messages: msgs }),
    status: 404,
    code: 'model_not_found',
  },
  {
    name: 'streaming embeddings',
    headers: { ':path': '/v1/embeddings' },
    body: JSON.stringify({ model: 'text-embedding-3-small', input: 'x', stream: true }),
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'embeddings without input',
    headers: { ':path': '/v1/embeddings' },
    body: JSON.stringify({ model: 'text-embedding-3-small' }),
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'unknown AI path',
    headers: { ':path': '/v1/audio/speech' },
    body: '{}',
    status: 404,
    code: 'route_not_found',
  },
  { name: 'GET on chat completions', headers: { ':method': 'GET' }, status: 400, code: 'invalid_request' },
  { name: 'POST without a body', headers: {}, status: 400, code: 'invalid_json' },
  {
    name: 'POST /v1/models',
    headers: { ':path': '/v1/models' },
    body: '{}',
    status: 400,
    code: 'invalid_request',
  },
];

function run(c: Case): ProcessingResponse {
  const p = new RouterProcessor(testContext(sampleConfig()));
  const hasBody = c.body !== undefined || c.pieces !== undefined;
  let r = sync(p.process(requestHeaders(chatHeaders(c.headers), !hasBody)));
  if (r.immediate_response || !hasBody) return r;
  const pieces = c.pieces ?? [c.body ?? ''];
  for (let i = 0; i < pieces.length && !r.immediate_response; i++) {
    r = sync(p.process(requestBody(pieces[i] ?? '', i === pieces.length - 1)));
  }
  return r;
}

describe('router level: bad input', () => {
  for (const c of CASES) {
    it(`${c.name} -> ${c.status} ${c.code}`, () => {
      const r = run(c);
      const i = r.immediate_response;
      assert.ok(i, 'an immediate response');
      assert.equal(i.status?.code, c.status);
      const body = JSON.parse(String(i.body)) as { error: { code: string; type: string; message: string } };
      assert.equal(body.error.code, c.code);
      assert.equal(typeof body.error.message, 'string');
      assert.ok(!String(i.body).includes('secret'));
    });
  }

  it('passes unknown fields through untouched and routes', () => {
    const r = run({
      name: 'ok',
      body: JSON.stringify({ model: 'gpt-4o', messages: msgs, new_field: { x: [1] } }),
      status: 0,
      code: '',
    });
    assert.equal(r.immediate_response, undefined);
    assert.equal(r.request_body?.response?.body_mutation, undefined);
    assert.equal(r.request_body?.response?.clear_route_cache, true);
  });

  it('routes a header-gated model on the right host with the header', () => {
    const r = run({
      name: 'ok',
      headers: { ':authority': 'a.internal.example:8080', 'x-team': 'ml' },
      body: JSON.stringify({ model: 'claude-3', messages: msgs }),
      status: 0,
      code: '',
    });
    const set = r.request_body?.response?.header_mutation?.set_headers?.[0]?.header;
    assert.equal(set?.raw_value?.toString(), 'default/team/0');
  });

  it('ignores trailers', () => {
    const p = new RouterProcessor(testContext(sampleConfig()));
    const r = sync(
      p.process({ request_trailers: { trailers: { headers: [] } }, request: 'request_trailers' }),
    );
    assert.deepEqual(r, { request_trailers: {} });
  });
});

// Property: whatever body a client sends (random JSON, random bytes, or a valid request with
// a mutation), both levels answer every message with exactly one valid ProcessingResponse that
// encodes, and never throw.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { grpcService, loadGrpcPackage } from '../../lib/protos';
import { chatHeaders, sampleConfig } from '../../test/envoy-harness/fixtures';
import { upstreamHostAttributes } from '../../test/envoy-harness/ext-proc-client';
import type { ProcessingResponse } from '../messages';
import { RouterProcessor } from './router';
import { UpstreamProcessor } from './upstream';
import { requestBody, requestHeaders, sync, testContext } from './testing';

const definition = grpcService(
  loadGrpcPackage('envoy/service/ext_proc/v3/external_processor.proto'),
  'envoy.service.ext_proc.v3.ExternalProcessor',
).service.Process;
if (!definition) throw new Error('no Process method');
const method = definition;

const ONEOF = [
  'request_headers',
  'response_headers',
  'request_body',
  'response_body',
  'request_trailers',
  'response_trailers',
  'immediate_response',
];

function assertValid(r: ProcessingResponse): void {
  const set = ONEOF.filter(
    (k) => r[k as keyof ProcessingResponse] !== undefined && r[k as keyof ProcessingResponse] !== null,
  );
  assert.equal(set.length, 1, `exactly one response kind, got ${set.join(',')}`);
  const decoded = method.responseDeserialize(method.responseSerialize(r)) as ProcessingResponse;
  assert.equal(decoded.response, set[0], 'survives an encode/decode round trip');
  if (r.immediate_response) {
    const code = r.immediate_response.status?.code;
    assert.ok(typeof code === 'number' && code >= 400 && code < 600);
    JSON.parse(String(r.immediate_response.body)); // always an OpenAI-shaped JSON error
  }
}

const valid = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true };

const bodies = fc.oneof(
  fc.json().map((j) => Buffer.from(j)),
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  fc
    .record({
      key: fc.constantFrom('model', 'messages', 'stream', 'stream_options', 'input', 'prompt'),
      value: fc.jsonValue(),
    })
    .map(({ key, value }) => Buffer.from(JSON.stringify({ ...valid, [key]: value }))),
  fc.nat(60).map((n) => Buffer.from(JSON.stringify(valid).slice(0, n))),
);

const paths = fc.constantFrom(
  '/v1/chat/completions',
  '/v1/completions',
  '/v1/embeddings',
  '/v1/responses',
  '/v1/models',
  '/v1/x',
);

describe('processors never throw and always answer validly', () => {
  it('router level', () => {
    fc.assert(
      fc.property(paths, bodies, fc.boolean(), (path, body, split) => {
        const p = new RouterProcessor(testContext(sampleConfig()));
        const first = sync(p.process(requestHeaders(chatHeaders({ ':path': path }))));
        assertValid(first);
        if (first.immediate_response) return;
        const pieces = split ? [body.subarray(0, body.length >> 1), body.subarray(body.length >> 1)] : [body];
        for (let i = 0; i < pieces.length; i++) {
          const r = sync(p.process(requestBody(pieces[i] as Buffer, i === pieces.length - 1)));
          assertValid(r);
          if (r.immediate_response) return;
        }
        p.end('cancelled');
      }),
      { numRuns: 300 },
    );
  });

  it('upstream level', () => {
    fc.assert(
      fc.property(paths, bodies, (path, body) => {
        const p = new UpstreamProcessor(testContext(sampleConfig(), undefined));
        const headers = requestHeaders(chatHeaders({ ':path': path, 'x-tollgate-route': 'default/chat/0' }));
        headers.attributes = upstreamHostAttributes('default/fallback') as typeof headers.attributes;
        const first = sync(p.process(headers));
        assertValid(first);
        if (first.immediate_response) return;
        assertValid(sync(p.process(requestBody(body))));
        p.end('complete');
      }),
      { numRuns: 300 },
    );
  });
});

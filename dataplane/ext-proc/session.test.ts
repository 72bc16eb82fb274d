// The ext_proc session against a real gRPC ExternalProcessor: what is sent in each processing
// mode, how responses mutate headers and bodies, immediate responses, clear_route_cache,
// mode_override and per-route overrides.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ProcessingRequest__Output } from '../../gen/protos/envoy/service/ext_proc/v3/ProcessingRequest';
import type { ProcessingResponse } from '../../gen/protos/envoy/service/ext_proc/v3/ProcessingResponse';
import type { ProtoObject } from '../../lib/protos';
import { ExtProcConfigError } from './config';
import { type FakeProcessor, headersOf, type Script, setHeaders, startFakeProcessor } from './fake-processor';
import { closeExtProcClients } from './grpc-stream';
import { createExtProcSession } from './session';
import type { Decision, ExtProcSession, HeaderList } from './types';

const REQUEST: HeaderList = [
  [':method', 'POST'],
  [':path', '/v1/chat/completions'],
  [':authority', 'gw.example'],
  ['content-type', 'application/json'],
  ['content-length', '11'],
  ['x-caller', 'caf\u00e9'],
];
const RESPONSE: HeaderList = [
  [':status', '200'],
  ['content-type', 'text/event-stream'],
  ['content-length', '6'],
];

/** Answers every message with an empty response of its own phase. */
function echo(request: ProcessingRequest__Output): ProcessingResponse {
  return { [request.request as string]: {} };
}

let script: Script = echo;
let proc: FakeProcessor;
const sessions: ExtProcSession[] = [];

before(async () => {
  proc = await startFakeProcessor((r, i) => script(r, i));
});
after(async () => {
  for (const s of sessions) s.close();
  closeExtProcClients();
  await proc.close();
});

function open(
  config: ProtoObject = {},
  perRoute?: ProtoObject,
  attributes: Record<string, unknown> = {},
): ExtProcSession {
  const session = createExtProcSession({
    config: {
      grpc_service: {
        envoy_grpc: { cluster_name: 'tollgate-extproc' },
        initial_metadata: [{ key: 'x-tollgate-phase', value: 'router' }],
      },
      // Far above Envoy's 200 ms so a loaded machine cannot turn a test into a timeout.
      message_timeout: { seconds: 30 },
      ...config,
    },
    perRoute,
    resolveCluster: (name) => (name === 'tollgate-extproc' ? proc.target : 'unknown'),
    attributes,
  });
  sessions.push(session);
  return session;
}

/** Runs `fn` with a fresh script and returns the requests the processor received meanwhile. */
async function withScript(next: Script, fn: () => Promise<void>): Promise<ProcessingRequest__Output[]> {
  script = next;
  const start = proc.requests.length;
  await fn();
  return proc.requests.slice(start);
}

function continued(decision: Decision): Extract<Decision, { kind: 'continue' }> {
  assert.equal(decision.kind, 'continue', JSON.stringify(decision));
  return decision as Extract<Decision, { kind: 'continue' }>;
}

void describe('ext_proc session: what is sent', () => {
  void it('sends request headers as raw_value bytes with end_of_stream, metadata and attributes', async () => {
    const metadataBefore = proc.metadata.length;
    const session = open({ request_attributes: ['xds.upstream_host_metadata', 'missing'] }, undefined, {
      'xds.upstream_host_metadata': { filter_metadata: { tollgate: { backend: 'ns/b' } } },
    });
    const sent = await withScript(echo, async () => {
      continued(await session.requestHeaders(REQUEST, true));
    });
    assert.equal(sent.length, 1);
    const headers = sent[0]?.request_headers;
    assert.equal(headers?.end_of_stream, true);
    assert.deepEqual(headersOf(sent[0] as ProcessingRequest__Output), REQUEST);
    assert.ok(
      headers?.headers?.headers?.every((h) => !h.value),
      'value stays empty; raw_value carries it',
    );
    const attrs = sent[0]?.attributes?.['envoy.filters.http.ext_proc']?.fields ?? {};
    assert.deepEqual(Object.keys(attrs), ['xds.upstream_host_metadata']);
    assert.match(String(attrs['xds.upstream_host_metadata']?.stringValue), /"backend":"ns\/b"/);
    assert.deepEqual(proc.metadata[metadataBefore]?.get('x-tollgate-phase'), ['router']);
  });

  void it('default mode sends headers both ways and no body', async () => {
    const session = open();
    const sent = await withScript(echo, async () => {
      continued(await session.requestHeaders(REQUEST, false));
      assert.equal(session.requestBodyMode(), 'NONE');
      continued(await session.responseHeaders(RESPONSE, false));
      assert.equal(session.responseBodyMode(), 'NONE');
    });
    assert.deepEqual(
      sent.map((r) => r.request),
      ['request_headers', 'response_headers'],
    );
  });

  void it('SKIP sends nothing and opens no stream', async () => {
    const peersBefore = proc.peers.length;
    const session = open({ processing_mode: { request_header_mode: 'SKIP', response_header_mode: 'SKIP' } });
    const sent = await withScript(echo, async () => {
      const decision = continued(await session.requestHeaders(REQUEST, true));
      assert.deepEqual(decision.headers, REQUEST);
      continued(await session.responseHeaders(RESPONSE, true));
    });
    assert.equal(sent.length, 0);
    assert.equal(proc.peers.length, peersBefore);
  });

  void it('BUFFERED request body: one message, body and header mutations, content-length check', async () => {
    const session = open({ processing_mode: { request_body_mode: 'BUFFERED' } });
    const sent = await withScript(
      (r) =>
        r.request === 'request_body'
          ? {
              request_body: {
                response: {
                  header_mutation: {
                    set_headers: setHeaders([
                      ['content-length', '2'],
                      ['x-model', 'gpt'],
                    ]),
                  },
                  body_mutation: { body: Buffer.from('{}') },
                },
              },
            }
          : echo(r),
      async () => {
        const headers = continued(await session.requestHeaders(REQUEST, false));
        assert.equal(
          headers.headers.find(([n]) => n === 'content-length')?.[1],
          '11',
          'kept in BUFFERED+SEND',
        );
        assert.equal(session.requestBodyMode(), 'BUFFERED');
        const body = continued(await session.requestBody(Buffer.from('{"a":"bcd"}')));
        assert.equal(body.body?.toString(), '{}');
        assert.equal(body.headers.find(([n]) => n === 'x-model')?.[1], 'gpt');
        assert.equal(body.headers.find(([n]) => n === 'content-length')?.[1], '2');
      },
    );
    assert.equal(sent[1]?.request_body?.body?.toString(), '{"a":"bcd"}');
    assert.equal(sent[1]?.request_body?.end_of_stream, true);

    const strict = open({ processing_mode: { request_body_mode: 'BUFFERED' } });
    await withScript(
      (r) =>
        r.request === 'request_body'
          ? { request_body: { response: { body_mutation: { body: Buffer.from('{}') } } } }
          : echo(r),
      async () => {
        continued(await strict.requestHeaders(REQUEST, false));
        const decision = await strict.requestBody(Buffer.from('{"a":"bcd"}'));
        assert.equal(decision.kind, 'immediate');
        assert.equal(decision.kind === 'immediate' && decision.status, 500);
        assert.match(
          decision.kind === 'immediate' ? decision.details : '',
          /mismatch_between_content_length/,
        );
      },
    );
  });

  void it('STREAMED response body: every chunk in order, mutated; content-length dropped; no header changes', async () => {
    const session = open({ processing_mode: { response_body_mode: 'STREAMED' } });
    const sent = await withScript(
      (r) =>
        r.request === 'response_body'
          ? {
              response_body: {
                response: {
                  header_mutation: { set_headers: setHeaders([['x-late', '1']]) },
                  body_mutation: { body: Buffer.from(String(r.response_body?.body).toUpperCase()) },
                },
              },
            }
          : echo(r),
      async () => {
        continued(await session.requestHeaders(REQUEST, true));
        const headers = continued(await session.responseHeaders(RESPONSE, false));
        assert.equal(
          headers.headers.find(([n]) => n === 'content-length'),
          undefined,
        );
        assert.equal(session.responseBodyMode(), 'STREAMED');
        const one = continued(await session.responseChunk(Buffer.from('abc'), false));
        const two = continued(await session.responseChunk(Buffer.from('def'), true));
        assert.equal(`${one.body}${two.body}`, 'ABCDEF');
        assert.equal(
          two.headers.find(([n]) => n === 'x-late'),
          undefined,
        );
      },
    );
    const chunks = sent.filter((r) => r.request === 'response_body').map((r) => r.response_body);
    assert.deepEqual(
      chunks.map((c) => [c?.body?.toString(), c?.end_of_stream ?? false]),
      [
        ['abc', false],
        ['def', true],
      ],
    );
  });

  void it('BUFFERED response body through chunks: gathered, sent once at the end', async () => {
    const session = open({ processing_mode: { response_body_mode: 'BUFFERED' } });
    const sent = await withScript(echo, async () => {
      continued(await session.requestHeaders(REQUEST, true));
      continued(await session.responseHeaders(RESPONSE, false));
      assert.equal(continued(await session.responseChunk(Buffer.from('abc'), false)).body?.length, 0);
      assert.equal(
        continued(await session.responseChunk(Buffer.from('def'), true)).body?.toString(),
        'abcdef',
      );
    });
    assert.deepEqual(
      sent.filter((r) => r.request === 'response_body').map((r) => r.response_body?.body?.toString()),
      ['abcdef'],
    );
  });
});

void describe('ext_proc session: responses', () => {
  void it('applies header mutations under the default mutation rules', async () => {
    const session = open();
    await withScript(
      () => ({
        request_headers: {
          response: {
            header_mutation: {
              set_headers: [
                ...setHeaders([
                  [':path', '/v1/other'],
                  [':authority', 'evil.example'],
                  ['host', 'evil.example'],
                  ['x-envoy-original-path', '/x'],
                  ['x-new', 'v'],
                ]),
                ...setHeaders([['x-caller', 'second']], true),
              ],
              remove_headers: ['content-type', ':method', 'host'],
            },
          },
        },
      }),
      async () => {
        const decision = continued(await session.requestHeaders(REQUEST, true));
        assert.deepEqual(decision.headers, [
          [':method', 'POST'],
          [':path', '/v1/other'],
          [':authority', 'gw.example'],
          ['content-length', '11'],
          ['x-caller', 'caf\u00e9'],
          ['x-new', 'v'],
          ['x-caller', 'second'],
        ]);
      },
    );
  });

  void it('disallow_is_error turns a forbidden mutation into a 500', async () => {
    const session = open({ mutation_rules: { disallow_is_error: { value: true } } });
    await withScript(
      () => ({
        request_headers: { response: { header_mutation: { set_headers: setHeaders([['host', 'x']]) } } },
      }),
      async () => {
        const decision = await session.requestHeaders(REQUEST, true);
        assert.deepEqual(decision, {
          kind: 'immediate',
          status: 500,
          headers: [],
          body: Buffer.alloc(0),
          details: 'Invalid_attempt_to_modify_host',
        });
      },
    );
  });

  void it('clear_route_cache only with a header mutation, on the request path, unless RETAIN', async () => {
    const reply =
      (mutate: boolean): Script =>
      (r) => ({
        [r.request as string]: {
          response: {
            clear_route_cache: true,
            ...(mutate ? { header_mutation: { set_headers: setHeaders([['x-tollgate-route', 'a']]) } } : {}),
          },
        },
      });
    await withScript(reply(true), async () => {
      const session = open();
      assert.equal(continued(await session.requestHeaders(REQUEST, true)).clearRouteCache, true);
      assert.equal(continued(await session.responseHeaders(RESPONSE, true)).clearRouteCache, false);
      assert.equal(
        continued(await open({ route_cache_action: 'RETAIN' }).requestHeaders(REQUEST, true)).clearRouteCache,
        false,
      );
    });
    await withScript(reply(false), async () => {
      assert.equal(continued(await open().requestHeaders(REQUEST, true)).clearRouteCache, false);
    });
  });

  void it('CONTINUE_AND_REPLACE replaces the body and stops body processing', async () => {
    const session = open({ processing_mode: { request_body_mode: 'BUFFERED' } });
    const sent = await withScript(
      () => ({
        request_headers: {
          response: {
            status: 'CONTINUE_AND_REPLACE',
            header_mutation: { set_headers: setHeaders([[':method', 'PUT']]) },
            body_mutation: { body: Buffer.from('new') },
          },
        },
      }),
      async () => {
        const decision = continued(await session.requestHeaders(REQUEST, false));
        assert.equal(decision.body?.toString(), 'new');
        assert.equal(decision.headers[0]?.[1], 'PUT', ':method may change when replacing');
        assert.equal(
          decision.headers.find(([n]) => n === 'content-length'),
          undefined,
        );
        assert.equal(session.requestBodyMode(), 'NONE');
        assert.equal(continued(await session.requestBody(Buffer.from('old'))).body?.length, 0);
      },
    );
    assert.equal(sent.length, 1);
  });

  void it('immediate_response becomes an immediate decision and ends the stream', async () => {
    const session = open();
    const sent = await withScript(
      () => ({
        immediate_response: {
          status: { code: 'Forbidden' },
          headers: { set_headers: setHeaders([['x-reason', 'budget']]) },
          body: Buffer.from('no budget'),
          details: 'budget exceeded',
        },
      }),
      async () => {
        const decision = await session.requestHeaders(REQUEST, true);
        assert.deepEqual(decision, {
          kind: 'immediate',
          status: 403,
          headers: [
            ['content-type', 'text/plain'],
            ['x-reason', 'budget'],
          ],
          body: Buffer.from('no budget'),
          details: 'budget_exceeded',
        });
        continued(await session.responseHeaders(RESPONSE, true));
      },
    );
    assert.equal(sent.length, 1, 'nothing is sent after an immediate response');
  });

  void it('honours mode_override on a headers response only when allow_mode_override is set', async () => {
    const override: Script = (r) =>
      r.request === 'request_headers'
        ? {
            request_headers: {},
            mode_override: { request_body_mode: 'BUFFERED', response_header_mode: 'SKIP' },
          }
        : echo(r);
    const allowed = open({ allow_mode_override: true });
    const sentAllowed = await withScript(override, async () => {
      continued(await allowed.requestHeaders(REQUEST, false));
      assert.equal(allowed.requestBodyMode(), 'BUFFERED');
      continued(await allowed.requestBody(Buffer.from('{}')));
      continued(await allowed.responseHeaders(RESPONSE, true));
    });
    assert.deepEqual(
      sentAllowed.map((r) => r.request),
      ['request_headers', 'request_body'],
    );

    const ignored = open();
    const sentIgnored = await withScript(override, async () => {
      continued(await ignored.requestHeaders(REQUEST, false));
      assert.equal(ignored.requestBodyMode(), 'NONE');
      continued(await ignored.responseHeaders(RESPONSE, true));
    });
    assert.deepEqual(
      sentIgnored.map((r) => r.request),
      ['request_headers', 'response_headers'],
    );
  });

  void it('per-route: disabled turns the filter off; overrides replace the processing mode', async () => {
    const disabled = open({ processing_mode: { request_body_mode: 'BUFFERED' } }, { disabled: true });
    const none = await withScript(echo, async () => {
      continued(await disabled.requestHeaders(REQUEST, false));
      assert.equal(disabled.requestBodyMode(), 'NONE');
      continued(await disabled.responseHeaders(RESPONSE, true));
    });
    assert.equal(none.length, 0);

    const overridden = open(
      {},
      { overrides: { processing_mode: { request_header_mode: 'SKIP', response_body_mode: 'STREAMED' } } },
    );
    const sent = await withScript(echo, async () => {
      continued(await overridden.requestHeaders(REQUEST, false));
      continued(await overridden.responseHeaders(RESPONSE, false));
      continued(await overridden.responseChunk(Buffer.from('x'), true));
    });
    assert.deepEqual(
      sent.map((r) => r.request),
      ['response_headers', 'response_body'],
    );
  });

  void it('shares one channel per target across sessions', async () => {
    const before = proc.peers.length;
    await withScript(echo, async () => {
      continued(await open().requestHeaders(REQUEST, true));
      continued(await open().requestHeaders(REQUEST, true));
    });
    const [a, b] = proc.peers.slice(before);
    assert.ok(a && a === b, `one connection for both streams: ${a} vs ${b}`);
  });

  void it('reaches a processor on a Unix socket', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'extproc-'));
    const unix = await startFakeProcessor(echo, `unix:${path.join(dir, 'p.sock')}`);
    try {
      const session = createExtProcSession({
        config: {
          grpc_service: { envoy_grpc: { cluster_name: 'tollgate-extproc' } },
          message_timeout: { seconds: 30 },
        },
        resolveCluster: () => unix.target,
        attributes: {},
      });
      sessions.push(session);
      continued(await session.requestHeaders(REQUEST, true));
      assert.equal(unix.requests.length, 1);
      session.close();
      await unix.allClosed();
    } finally {
      await unix.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  void it('rejects configs it cannot serve', () => {
    assert.throws(
      () => open({ processing_mode: { request_body_mode: 'BUFFERED_PARTIAL' } }),
      ExtProcConfigError,
    );
    assert.throws(
      () =>
        createExtProcSession({
          config: { grpc_service: { google_grpc: {} } },
          resolveCluster: () => '',
          attributes: {},
        }),
      /cluster_name is required/,
    );
  });
});

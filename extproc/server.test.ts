// Whole request lifecycles through the real gRPC server, driven like Envoy drives it: router
// level, upstream level, response back (streaming and not), immediate responses, disconnects,
// mode override, hot reload.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ConfigStore } from './config/store';
import { ExtprocServer } from './server';
import { tokenizerLoaded } from './tokens/count';
import { ExtProcClient } from '../test/envoy-harness/ext-proc-client';
import { exchange, type FakeUpstreamResponse } from '../test/envoy-harness/exchange';
import {
  FALLBACK_SECRET,
  GATEWAY,
  UPSTREAM_SECRET,
  chatHeaders,
  memoryLogger,
  sampleConfig,
  sseStream,
  startExtproc,
  type Running,
} from '../test/envoy-harness/fixtures';
import { headerMap } from '../test/envoy-harness/ext-proc-client';

const chatJson = (model: string) =>
  JSON.stringify({
    id: 'x',
    object: 'chat.completion',
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: 'hi' } }],
    usage: {
      prompt_tokens: 11,
      completion_tokens: 7,
      prompt_tokens_details: { cached_tokens: 3 },
      completion_tokens_details: { reasoning_tokens: 2 },
    },
  });

const json = (body: string): FakeUpstreamResponse => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  chunks: [body],
});

describe('extproc server', () => {
  let x: Running;
  before(async () => {
    x = await startExtproc();
  });
  after(async () => {
    await x.stop();
  });

  it('routes a chat request, rewrites the attempt and counts usage', async () => {
    const body = JSON.stringify({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
      vendor_field: { a: 1 },
    });
    const result = await exchange(x.client, {
      gateway: GATEWAY,
      headers: chatHeaders({
        authorization: 'Bearer client-key',
        'x-api-key': 'client-key-2',
        'x-tollgate-route': 'default/evil/0',
        'x-tollgate-anything': 'x',
      }),
      body,
      backend: 'default/openai',
      upstream: () => json(chatJson('gpt-4o-2024-08-06')),
    });
    assert.equal(result.status, 200);
    assert.equal(result.routedHeaders.get('x-tollgate-route'), 'default/chat/0');
    assert.equal(result.routedHeaders.has('x-tollgate-anything'), false);
    assert.equal(result.clearRouteCache, true);
    const up = result.upstreamRequest;
    assert.ok(up);
    assert.equal(up.headers.get(':path'), '/v1/chat/completions');
    assert.equal(up.headers.get(':authority'), 'api.openai.example');
    assert.equal(up.headers.get('authorization'), UPSTREAM_SECRET);
    assert.equal(up.headers.has('x-api-key'), false);
    assert.deepEqual(
      [...up.headers.keys()].filter((k) => k.startsWith('x-tollgate-')),
      [],
    );
    assert.equal(up.body.toString(), body, 'a body that needs no change goes upstream byte for byte');
    assert.equal(result.upstreamResponseBodyMode, 'NONE', 'upstream level opts out of the response body');
    assert.equal(result.headers.has('x-tollgate-backend'), false);
    assert.equal(JSON.parse(result.body.toString()).usage.prompt_tokens, 11);

    const metrics = await x.server.metrics.registry.metrics();
    const line = (type: string) =>
      new RegExp(
        `gen_ai_client_token_usage_sum\\{[^}]*route="default/chat/0",backend="default/openai",gen_ai_request_model="gpt-4o",gen_ai_response_model="gpt-4o",error_type="",gen_ai_token_type="${type}"\\} (\\d+)`,
      );
    assert.equal(metrics.match(line('input'))?.[1], '11');
    assert.equal(metrics.match(line('output'))?.[1], '7');
    assert.equal(metrics.match(line('cached'))?.[1], '3');
    assert.equal(metrics.match(line('reasoning'))?.[1], '2');
    assert.ok(!metrics.includes('sk-upstream-secret') && !metrics.includes('client-key'));
    const log = x.lines.find((l) => l.msg === 'request' && l.route === 'default/chat/0');
    assert.ok(log);
    assert.deepEqual(log.tokens, { input: 11, output: 7, cached: 3, reasoning: 2 });
    assert.ok(!JSON.stringify(x.lines).includes('sk-upstream-secret'));
  });

  it('streams: asks upstream for usage, hides the usage chunk from a client that did not ask', async () => {
    const body = JSON.stringify({
      model: 'gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: 'x' }],
      zz: [1],
    });
    const stream = sseStream('gpt-4o-mini', ['Hel', 'lo', '!'], { prompt: 5, completion: 3 });
    const cut = stream.indexOf('"choices":[]') + 4; // split inside the usage-only event
    const result = await exchange(x.client, {
      gateway: GATEWAY,
      headers: chatHeaders(),
      body,
      backend: 'default/openai',
      upstream: (req) => {
        const sent = JSON.parse(req.body.toString());
        assert.deepEqual(sent.stream_options, { include_usage: true });
        assert.deepEqual(sent.zz, [1]);
        assert.equal(req.headers.get('content-length'), String(req.body.length));
        return {
          status: 200,
          headers: { 'content-type': 'text/event-stream' },
          chunks: [stream.slice(0, cut), stream.slice(cut)],
        };
      },
    });
    assert.equal(result.body.toString(), sseStream('gpt-4o-mini', ['Hel', 'lo', '!']));
    const metrics = await x.server.metrics.registry.metrics();
    assert.match(
      metrics,
      /gen_ai_client_token_usage_sum\{[^}]*gen_ai_request_model="gpt-4o-mini"[^}]*gen_ai_token_type="output"\} 3/,
    );
    assert.match(
      metrics,
      /gen_ai_server_time_to_first_token_count\{[^}]*gen_ai_request_model="gpt-4o-mini"[^}]*\} 1/,
    );
    assert.match(
      metrics,
      /gen_ai_server_time_per_output_token_count\{[^}]*gen_ai_request_model="gpt-4o-mini"[^}]*\} 1/,
    );
  });

  it('streams: keeps the usage chunk when the client asked for it, body untouched', async () => {
    const body = JSON.stringify({
      model: 'gpt-4o',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'x' }],
    });
    const stream = sseStream('gpt-4o', ['a', 'b'], { prompt: 2, completion: 2 });
    const result = await exchange(x.client, {
      gateway: GATEWAY,
      headers: chatHeaders(),
      body,
      backend: 'default/openai',
      upstream: (req) => {
        assert.equal(req.body.toString(), body);
        return {
          status: 200,
          headers: { 'content-type': 'text/event-stream' },
          chunks: [...stream].map(String),
        };
      },
    });
    assert.equal(result.body.toString(), stream);
  });

  it('falls back: model override, path prefix, key header, Host (struct-shaped metadata)', async () => {
    const result = await exchange(x.client, {
      gateway: GATEWAY,
      headers: chatHeaders({ authorization: 'Bearer client' }),
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
      backend: 'default/fallback',
      attributeShape: 'struct',
      upstream: (req) => {
        assert.equal(req.headers.get(':path'), '/openai/v1/chat/completions');
        assert.equal(req.headers.get(':authority'), '127.0.0.1:9001');
        assert.equal(req.headers.get('api-key'), FALLBACK_SECRET);
        assert.equal(req.headers.has('authorization'), false);
        assert.equal(JSON.parse(req.body.toString()).model, 'llama-3');
        return json(chatJson('llama-3'));
      },
    });
    assert.equal(result.status, 200);
    assert.equal(result.headers.has('x-tollgate-upstream-model'), false);
    const metrics = await x.server.metrics.registry.metrics();
    assert.match(
      metrics,
      /backend="default\/fallback",gen_ai_request_model="gpt-4o",gen_ai_response_model="llama-3"/,
    );
  });

  it('answers GET /v1/models itself from the routes visible to the caller', async () => {
    const list = async (authority: string, extra: Record<string, string> = {}) => {
      const r = await exchange(x.client, {
        gateway: GATEWAY,
        headers: { ':method': 'GET', ':path': '/v1/models', ':authority': authority, ...extra },
        backend: 'default/openai',
        upstream: () => assert.fail('must not reach upstream'),
      });
      assert.equal(r.status, 200);
      return (JSON.parse(r.body.toString()) as { data: Array<{ id: string }> }).data.map((d) => d.id);
    };
    assert.deepEqual(await list('gw.example'), ['gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small']);
    assert.deepEqual(await list('a.internal.example', { 'x-team': 'ml' }), [
      'claude-3',
      'gpt-4o',
      'gpt-4o-mini',
      'text-embedding-3-small',
    ]);
  });

  it('refuses an unknown model with an OpenAI-shaped 404 that lists nothing', async () => {
    const r = await exchange(x.client, {
      gateway: GATEWAY,
      headers: chatHeaders(),
      body: JSON.stringify({ model: 'claude-3', messages: [{ role: 'user', content: 'x' }] }),
      backend: 'default/openai',
      upstream: () => assert.fail('must not reach upstream'),
    });
    assert.equal(r.status, 404);
    assert.equal(r.immediate?.level, 'router');
    assert.equal(r.headers.get('content-type'), 'application/json');
    const err = JSON.parse(r.body.toString()).error;
    assert.equal(err.code, 'model_not_found');
    assert.equal(err.type, 'not_found_error');
    assert.ok(!r.body.toString().includes('gpt-4o') && !r.body.toString().includes('default/'));
  });

  it('counts embeddings usage from the JSON body', async () => {
    const r = await exchange(x.client, {
      gateway: GATEWAY,
      headers: chatHeaders({ ':path': '/v1/embeddings' }),
      body: JSON.stringify({ model: 'text-embedding-3-small', input: 'hello' }),
      backend: 'default/openai',
      upstream: (req) => {
        assert.equal(req.headers.get(':path'), '/v1/embeddings');
        return json(
          JSON.stringify({
            object: 'list',
            data: [],
            model: 'text-embedding-3-small',
            usage: { prompt_tokens: 4, total_tokens: 4 },
          }),
        );
      },
    });
    assert.equal(r.status, 200);
    const metrics = await x.server.metrics.registry.metrics();
    assert.match(
      metrics,
      /gen_ai_operation_name="embeddings",route="default\/embed\/0"[^}]*gen_ai_token_type="input"\} 4/,
    );
  });

  it('a client disconnect mid-stream ends the gRPC stream and still records the request', async () => {
    const stream = sseStream('gpt-4o', ['a', 'b', 'c'], { prompt: 1, completion: 3 });
    await exchange(x.client, {
      gateway: GATEWAY,
      headers: chatHeaders({ 'x-trace': 'disconnect' }),
      body: JSON.stringify({ model: 'gpt-4o-2', stream: true, messages: [{ role: 'user', content: 'x' }] }),
      backend: 'default/openai',
      disconnectAfterChunks: 1,
      upstream: () => ({
        status: 200,
        headers: { 'content-type': 'text/event-stream' },
        chunks: stream.split('\n\n').map((e) => `${e}\n\n`),
      }),
    });
    const find = () => x.lines.find((l) => l.msg === 'request' && l.model === 'gpt-4o-2');
    // The log waits for the tokenizer worker (usage never came); bounded wait, no timing check.
    for (let i = 0; i < 3000 && (x.server.activeStreams > 0 || !find()); i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(x.server.activeStreams, 0);
    const log = find();
    assert.equal(log?.error, 'client_disconnected');
    assert.equal(log?.estimated, true);
    assert.equal((log?.tokens as { output: number }).output, 1, 'the one content chunk the client got');
  });

  it('a stream keeps the config it started with across a reload', async () => {
    const stream = x.client.open('router', GATEWAY);
    await stream.send({ request_headers: headerMap(new Map(Object.entries(chatHeaders()))) });
    const old = x.store.current();
    x.store.set({ ...sampleConfig('v2'), gateways: {} });
    try {
      const r = await stream.send({
        request_body: {
          body: Buffer.from(JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] })),
          end_of_stream: true,
        },
      });
      const set = r.request_body?.response?.header_mutation?.set_headers?.[0]?.header;
      assert.equal(set?.raw_value?.toString(), 'default/chat/0');
    } finally {
      stream.end();
      if (old) x.store.set(old);
    }
  });

  it('never loads the tokenizer on the thread that answers Envoy', () => {
    assert.equal(tokenizerLoaded(), false, 'token counting happens in the worker');
  });

  it('rejects a stream without a valid phase', async () => {
    const stream = x.client.open('sideways', GATEWAY);
    await assert.rejects(stream.send({ request_headers: headerMap(new Map()) }));
    const status = await stream.done;
    assert.equal(status.code, grpc.status.INVALID_ARGUMENT);
  });
});

describe('extproc server on a Unix socket', () => {
  it('binds over the stale socket of a killed process, never over a live one', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'extproc-'));
    const sock = path.join(dir, 'x.sock');
    const live = net.createServer();
    await new Promise<void>((r) => live.listen(sock, r));
    const newServer = () =>
      new ExtprocServer({ store: new ConfigStore(sampleConfig()), logger: memoryLogger().logger });
    const refused = newServer();
    const server = newServer();
    try {
      await assert.rejects(refused.listen(`unix:${sock}`));
      await new Promise<void>((r) => live.close(() => r()));
      // A SIGKILLed process leaves its socket file behind.
      const child = spawn(process.execPath, [
        '-e',
        `require('net').createServer().listen(${JSON.stringify(sock)}, () => console.log('up'))`,
      ]);
      await new Promise<void>((r) => child.stdout.once('data', () => r()));
      child.kill('SIGKILL');
      await new Promise<void>((r) => child.once('exit', () => r()));
      assert.ok(fs.existsSync(sock));
      const address = await server.listen(`unix:${sock}`);
      const client = new ExtProcClient(address);
      try {
        const r = await exchange(client, {
          gateway: GATEWAY,
          headers: { ':method': 'GET', ':path': '/v1/models', ':authority': 'gw.example' },
          backend: 'default/openai',
          upstream: () => assert.fail('unreachable'),
        });
        assert.equal(r.status, 200);
      } finally {
        client.close();
      }
    } finally {
      live.close();
      await refused.close(500);
      await server.close(500);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('extproc server without config', () => {
  it('answers 500 processor_unavailable until a config arrives', async () => {
    const x = await startExtproc(null);
    try {
      const r = await exchange(x.client, {
        gateway: GATEWAY,
        headers: chatHeaders(),
        body: '{}',
        backend: 'default/openai',
        upstream: () => assert.fail('unreachable'),
      });
      assert.equal(r.status, 500);
      assert.equal(JSON.parse(r.body.toString()).error.code, 'processor_unavailable');
    } finally {
      await x.stop();
    }
  });
});

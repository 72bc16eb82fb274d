// Bedrock translator specifics beyond the shared conformance suite: the SigV4 signature over the
// final body is accepted by a fake that recomputes it (and a tampered body is refused with 403),
// temporary credentials add x-amz-security-token, exceptions and corrupt frames in a stream
// become OpenAI error events, a frame split at every byte still decodes, and what Converse
// cannot take is refused with a 400 naming it.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { GatewayError } from '../../../lib/errors';
import { startMockBedrock, type MockBedrock } from '../../../test/fakes/mock-bedrock';
import type { BackendConfig } from '../../config/schema';
import { parseRequest } from '../../request';
import { bedrockTranslator } from './bedrock';
import { EventStreamReader } from './event-stream';
import { bedrockEvent, bedrockException } from './frames';
import { toConverseRequest } from './request';

const CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'not-a-real-secret' };

function backend(
  host: string,
  credentials: NonNullable<BackendConfig['bedrock']>['credentials'] = CREDENTIALS,
): BackendConfig {
  return {
    key: 'ns/bedrock',
    schema: 'Bedrock',
    host,
    pathPrefix: '',
    models: [],
    bedrock: { region: 'eu-west-1', credentials },
  };
}

const chat = (extra: Record<string, unknown> = {}): ReturnType<typeof parseRequest> =>
  parseRequest(
    'chat',
    Buffer.from(JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...extra })),
  );

async function post(
  port: number,
  path: string,
  headers: Array<[string, string]>,
  body: Buffer,
): Promise<{ status: number; body: Buffer; type: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: 'POST', headers: Object.fromEntries(headers) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks),
            type: String(res.headers['content-type']),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('bedrock translator', () => {
  let mock: MockBedrock;
  before(async () => {
    mock = await startMockBedrock(CREDENTIALS, 'eu-west-1');
  });
  after(async () => {
    await mock.close();
  });

  it('signs the final body: the fake recomputes the signature and answers; a tampered body gets 403', async () => {
    const b = backend(`127.0.0.1:${mock.port}`);
    const head = bedrockTranslator.requestHeaders('/v1/chat/completions', b);
    const out = await bedrockTranslator.requestBody(
      chat(),
      'anthropic.claude-3-haiku-20240307-v1:0',
      '/v1/chat/completions',
      b,
    );
    assert.equal(out.path, '/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse');
    const headers = [...head.headers, ...(out.headers ?? []), ['host', b.host] as [string, string]];
    const ok = await post(mock.port, out.path ?? '', headers, out.body ?? Buffer.alloc(0));
    assert.equal(ok.status, 200, ok.body.toString());
    assert.equal(mock.requests.at(-1)?.signatureValid, true);
    const tampered = Buffer.from((out.body ?? Buffer.alloc(0)).toString().replace('hi', 'ho'));
    const refused = await post(mock.port, out.path ?? '', headers, tampered);
    assert.equal(refused.status, 403);
    assert.match(refused.body.toString(), /signature we calculated does not match/);
  });

  it('temporary credentials sign x-amz-security-token too', async () => {
    const b = backend(`127.0.0.1:${mock.port}`, { ...CREDENTIALS, sessionToken: 'session-token' });
    const out = await bedrockTranslator.requestBody(chat(), 'm', '/v1/chat/completions', b);
    const headers = new Map(out.headers);
    assert.equal(headers.get('x-amz-security-token'), 'session-token');
    assert.match(headers.get('authorization') ?? '', /SignedHeaders=[^,]*x-amz-security-token/);
  });

  it('streams go to converse-stream; an exception frame becomes an OpenAI error event', () => {
    const rt = bedrockTranslator.responseTranslator(chat({ stream: true }));
    assert.ok(rt);
    assert.equal(rt.headers(200, 'application/vnd.amazon.eventstream'), 'text/event-stream');
    const bytes = Buffer.concat([
      bedrockEvent('messageStart', { role: 'assistant' }),
      bedrockEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hel' } }),
      bedrockException('throttlingException', 'Too many requests, please wait before trying again.'),
    ]);
    const out = rt.body(bytes, true).toString();
    assert.match(out, /"content":"Hel"/);
    assert.match(
      out,
      /"error":\{"message":"Too many requests[^"]*","type":"server_error","param":null,"code":"throttlingException"\}/,
    );
    assert.doesNotMatch(out, /\[DONE\]/);
  });

  it('a corrupt frame (bad CRC) and a stream cut inside a frame become error events', () => {
    const frame = bedrockEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'x' } });
    const corrupt = Buffer.from(frame);
    corrupt.writeUInt8((corrupt.at(-1) ?? 0) ^ 0xff, corrupt.length - 1);
    const a = bedrockTranslator.responseTranslator(chat({ stream: true }));
    a?.headers(200, 'application/vnd.amazon.eventstream');
    assert.match(a?.body(corrupt, false).toString() ?? '', /"code":"event_stream_error"/);
    const b = bedrockTranslator.responseTranslator(chat({ stream: true }));
    b?.headers(200, 'application/vnd.amazon.eventstream');
    assert.match(b?.body(frame.subarray(0, 20), true).toString() ?? '', /ended inside a message/);
  });

  it('the event-stream reader reassembles frames fed one byte at a time', () => {
    const frames = Buffer.concat([
      bedrockEvent('messageStart', { role: 'assistant' }),
      bedrockEvent('messageStop', { stopReason: 'end_turn' }),
    ]);
    const reader = new EventStreamReader();
    const seen: string[] = [];
    for (let i = 0; i < frames.length; i++)
      for (const m of reader.push(frames.subarray(i, i + 1))) seen.push(m.headers[':event-type'] ?? '');
    assert.deepEqual(seen, ['messageStart', 'messageStop']);
    assert.equal(reader.leftover, 0);
  });

  it('refuses legacy completions, embeddings with non-embedding models, image URLs and tool_choice none with tool blocks; drops tools for none otherwise', async () => {
    const b = backend('h');
    await assert.rejects(
      Promise.resolve().then(() =>
        bedrockTranslator.requestBody(
          parseRequest('completions', Buffer.from('{"model":"m","prompt":"x"}')),
          'm',
          '/v1/completions',
          b,
        ),
      ),
      (e: unknown) =>
        e instanceof GatewayError && e.status === 400 && /do not serve \/v1\/completions/.test(e.message),
    );
    await assert.rejects(
      Promise.resolve().then(() =>
        bedrockTranslator.requestBody(
          parseRequest('embeddings', Buffer.from('{"model":"m","input":"x"}')),
          'anthropic.claude-3-5-haiku-20241022-v1:0',
          '/v1/embeddings',
          b,
        ),
      ),
      (e: unknown) => e instanceof GatewayError && e.status === 400 && e.param === 'model',
    );
    const image = {
      role: 'user',
      content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }],
    };
    assert.throws(
      () => toConverseRequest({ messages: [image] }),
      (e: unknown) => e instanceof GatewayError && e.param === 'messages[0].content',
    );
    const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
    assert.equal(
      toConverseRequest({ messages: [{ role: 'user', content: 'x' }], tools, tool_choice: 'none' })
        .toolConfig,
      undefined,
    );
    const withCall = [
      {
        role: 'assistant',
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'ok' },
    ];
    assert.throws(
      () => toConverseRequest({ messages: withCall, tools, tool_choice: 'none' }),
      (e: unknown) => e instanceof GatewayError && e.param === 'tool_choice',
    );
    const named = toConverseRequest({
      messages: withCall,
      tools,
      tool_choice: { type: 'function', function: { name: 'f' } },
    });
    assert.deepEqual((named.toolConfig as { toolChoice: unknown }).toolChoice, { tool: { name: 'f' } });
  });
});

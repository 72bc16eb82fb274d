// A fake Bedrock Runtime upstream (POST /model/{modelId}/converse and /converse-stream) for the
// e2e tests, speaking Bedrock's real wire format: Converse JSON, or the binary
// application/vnd.amazon.eventstream of ConverseStream (messageStart, contentBlock*, messageStop,
// metadata; a toolUse block with its input in pieces when the request has tools), written in
// odd-sized pieces so frames straddle network chunks. Like AWS, it recomputes the SigV4
// signature with @smithy/signature-v4 from the request it received and answers 403
// InvalidSignatureException on a mismatch. x-mock-* headers (mock-llm-behaviour.ts) control it:
// x-mock-status (a Bedrock error body), x-mock-content, x-mock-fail-on; x-mock-stream-exception
// ends a stream with that exception frame. InvokeModel (/model/{modelId}/invoke) answers Titan
// Text Embeddings ({inputText, dimensions?} -> {embedding, inputTextTokenCount}) and Cohere Embed
// ({texts} -> {embeddings}) bodies, with the x-amzn-bedrock-input-token-count header; the
// vectors are (i+1)/8 for i < dimensions (default 4). Requests are recorded.
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { bedrockEvent, bedrockException } from '../../extproc/providers/bedrock/frames';
import { behaviourFromHeaders, scopeToMock } from './mock-llm-behaviour';

export interface BedrockCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface BedrockRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** Whether the SigV4 signature matched. */
  signatureValid: boolean;
}

export interface MockBedrock {
  port: number;
  requests: BedrockRequest[];
  close(): Promise<void>;
}

const USAGE = {
  inputTokens: 18,
  outputTokens: 7,
  totalTokens: 31,
  cacheReadInputTokens: 6,
  cacheWriteInputTokens: 0,
};

/** Recomputes the signature over what arrived, as AWS does, and compares. */
async function verifySignature(
  req: http.IncomingMessage,
  body: Buffer,
  region: string,
  credentials: BedrockCredentials,
): Promise<boolean> {
  const auth = req.headers.authorization ?? '';
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/bedrock\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  const date = String(req.headers['x-amz-date'] ?? '');
  if (!m || m[1] !== credentials.accessKeyId || m[3] !== region || !/^\d{8}T\d{6}Z$/.test(date)) return false;
  const headers: Record<string, string> = {};
  for (const name of (m[4] as string).split(';')) headers[name] = String(req.headers[name] ?? '');
  // The signer trusts a given payload hash; AWS hashes the body it received, and so do we.
  if ('x-amz-content-sha256' in headers)
    headers['x-amz-content-sha256'] = crypto.createHash('sha256').update(body).digest('hex');
  const signer = new SignatureV4({ service: 'bedrock', region, credentials, sha256: Sha256 });
  const signingDate = new Date(
    `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`,
  );
  const url = req.url ?? '';
  const q = url.indexOf('?');
  const signed = await signer.sign(
    {
      method: req.method ?? 'POST',
      protocol: 'https:',
      hostname: headers.host ?? '',
      path: q === -1 ? url : url.slice(0, q),
      query: Object.fromEntries(new URLSearchParams(q === -1 ? '' : url.slice(q + 1))),
      headers,
      body,
    },
    { signingDate },
  );
  return signed.headers.authorization === auth;
}

function error(res: http.ServerResponse, status: number, type: string, message: string): void {
  res
    .writeHead(status, {
      'content-type': 'application/json',
      'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
    })
    .end(JSON.stringify({ message }));
}

function streamFrames(text: string, tool: string | undefined, exception: string | undefined): Buffer {
  const frames = [bedrockEvent('messageStart', { role: 'assistant', p: 'abcd' })];
  for (const word of text.split(/(?<= )/))
    frames.push(bedrockEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: word }, p: 'ab' }));
  frames.push(bedrockEvent('contentBlockStop', { contentBlockIndex: 0, p: 'abc' }));
  if (exception)
    return Buffer.concat([
      ...frames,
      bedrockException(exception, 'Too many requests, please wait before trying again.'),
    ]);
  if (tool) {
    frames.push(
      bedrockEvent('contentBlockStart', {
        contentBlockIndex: 1,
        start: { toolUse: { toolUseId: 'tooluse_mock01', name: tool } },
        p: 'abcdef',
      }),
    );
    for (const piece of ['{"loc', 'ation": "Par', 'is"}'])
      frames.push(
        bedrockEvent('contentBlockDelta', {
          contentBlockIndex: 1,
          delta: { toolUse: { input: piece } },
          p: 'a',
        }),
      );
    frames.push(bedrockEvent('contentBlockStop', { contentBlockIndex: 1, p: 'abcdefg' }));
  }
  frames.push(bedrockEvent('messageStop', { stopReason: tool ? 'tool_use' : 'end_turn', p: 'abcdefghij' }));
  frames.push(bedrockEvent('metadata', { usage: USAGE, metrics: { latencyMs: 321 }, p: 'abc' }));
  return Buffer.concat(frames);
}

/** A fake vector: (i+1)/8, exact in float32. */
export function mockVector(length: number): number[] {
  return Array.from({ length }, (_, i) => (i + 1) / 8);
}

function embed(model: string, body: Record<string, unknown>, res: http.ServerResponse): void {
  const words = (t: unknown): number => String(t).split(/\s+/).filter(Boolean).length;
  let reply: unknown;
  let tokens: number;
  if (model.includes('titan-embed') && typeof body.inputText === 'string') {
    tokens = words(body.inputText);
    const size = typeof body.dimensions === 'number' ? body.dimensions : 4;
    reply = { embedding: mockVector(size), inputTextTokenCount: tokens };
  } else if (model.includes('cohere.embed') && Array.isArray(body.texts)) {
    tokens = body.texts.reduce((n: number, t) => n + words(t), 0);
    reply = { id: 'mock-embed', embeddings: body.texts.map(() => mockVector(4)), texts: body.texts };
  } else return error(res, 400, 'ValidationException', 'Malformed input request, please reformat.');
  res
    .writeHead(200, {
      'content-type': 'application/json',
      'x-amzn-bedrock-input-token-count': String(tokens),
    })
    .end(JSON.stringify(reply));
}

function answer(req: http.IncomingMessage, recorded: BedrockRequest, res: http.ServerResponse): void {
  const behaviour = scopeToMock(behaviourFromHeaders(req.headersDistinct), 'mock-bedrock');
  const m = /^\/model\/([^/]+)\/(converse|converse-stream|invoke)$/.exec(recorded.path);
  if (!m) return error(res, 404, 'UnknownOperationException', `No route ${recorded.path}`);
  if (!recorded.signatureValid)
    return error(
      res,
      403,
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided.',
    );
  if (behaviour.status !== undefined)
    return behaviour.status === 429
      ? error(res, 429, 'ThrottlingException', 'Too many requests, please wait before trying again.')
      : error(
          res,
          behaviour.status,
          'ServiceUnavailableException',
          'Bedrock is unable to process your request.',
        );
  const model = decodeURIComponent(m[1] as string);
  if (m[2] === 'invoke') return embed(model, recorded.body, res);
  const tools = (recorded.body.toolConfig as { tools?: Array<{ toolSpec?: { name?: string } }> } | undefined)
    ?.tools;
  const text = behaviour.content ?? `Hello from mock-bedrock (${model}) — ok. `;
  if (m[2] === 'converse') {
    const reply = {
      output: { message: { role: 'assistant', content: [{ text }] } },
      stopReason: 'end_turn',
      usage: USAGE,
      metrics: { latencyMs: 123 },
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
    return;
  }
  res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
  const exception = req.headers['x-mock-stream-exception'];
  const bytes = streamFrames(
    text,
    tools?.[0]?.toolSpec?.name,
    typeof exception === 'string' ? exception : undefined,
  );
  for (let at = 0; at < bytes.length; at += 89) res.write(bytes.subarray(at, at + 89));
  res.end();
}

export async function startMockBedrock(
  credentials: BedrockCredentials,
  region = 'us-east-1',
  host = '127.0.0.1',
): Promise<MockBedrock> {
  const requests: BedrockRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      } catch {
        body = {};
      }
      verifySignature(req, raw, region, credentials).then(
        (signatureValid) => {
          const recorded = { path: req.url ?? '', headers: req.headers, body, signatureValid };
          requests.push(recorded);
          answer(req, recorded, res);
        },
        () => error(res, 500, 'InternalServerException', 'signature check failed'),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// A fake OpenAI-compatible upstream for demos, e2e tests and benchmarks. Each request says what
// the upstream should do through x-mock-* headers (see mock-llm-behaviour.ts): fail with a
// status, be slow, hang, stream N chunks, check the path and headers Tollgate sent. Replies name
// the mock and echo the model so a test can see where a request was routed, and every request
// is recorded, including whether the client went away before the answer was complete.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { openAIErrorBody } from '../../lib/errors';
import { behaviourFromHeaders, scopeToMock, type MockBehaviour } from './mock-llm-behaviour';
import { handleApi } from './mock-llm-routes';

export type { MockBehaviour } from './mock-llm-behaviour';

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: string;
  headers: Record<string, string>;
  /** Parsed JSON body; the raw text when it is not JSON; undefined when empty. */
  body: unknown;
  receivedAt: number;
  /** Status the mock answered with (undefined while hanging or before the headers). */
  status?: number;
  /** The client closed the connection before the response was complete (cancel tests). */
  disconnected: boolean;
}

export interface MockLlmOptions {
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Appears in every reply so tests can see which upstream answered. Default "mock". */
  name?: string;
  /** Served by GET /v1/models. */
  models?: string[];
  /** Behaviour for requests that do not set the corresponding x-mock-* header. */
  defaults?: MockBehaviour;
}

export interface MockLlm {
  name: string;
  /** http://host:port (no /v1: AIBackend URLs and SDK baseURLs add it). */
  url: string;
  port: number;
  /** Every request so far, oldest first; tests may clear it with `requests.length = 0`. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;
const DEFAULT_MODELS = ['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small'];

export async function startMockLlm(opts: MockLlmOptions = {}): Promise<MockLlm> {
  const name = opts.name ?? 'mock';
  const host = opts.host ?? '127.0.0.1';
  const requests: RecordedRequest[] = [];
  const failuresByKey = new Map<string, number>();
  let seq = 0;
  let closing = false;

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://mock');
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search,
      headers: flattenHeaders(req.headers),
      body: undefined,
      receivedAt: Date.now(),
      disconnected: false,
    };
    requests.push(record);
    const aborted = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished && !closing) record.disconnected = true;
      aborted.abort();
    });
    const send = (status: number, body: string, headers: Record<string, string> = {}): void => {
      record.status = status;
      res
        .writeHead(status, { 'content-type': 'application/json', 'x-mock-name': name, ...headers })
        .end(body);
    };
    const fail = (status: number, message: string, code: string, param: string | null = null): void =>
      send(status, openAIErrorBody(status, message, code, param));

    readBody(req)
      .then(async (text) => {
        if (text === undefined) return fail(413, 'request body too large', 'body_too_large');
        record.body = parseBody(text);
        let b: MockBehaviour;
        try {
          b = scopeToMock(behaviourFromHeaders(req.headersDistinct, opts.defaults), name);
        } catch (err) {
          return fail(400, `mock ${name}: ${(err as Error).message}`, 'invalid_mock_header');
        }
        const unmet = unmetExpectation(b, record);
        if (unmet) return fail(418, `mock ${name}: ${unmet}`, 'mock_expectation_failed');
        if (b.hang) return; // answered by nobody: the client's timeout or cancel ends it
        if (b.latencyMs) await sleep(b.latencyMs, undefined, { signal: aborted.signal });
        if (b.status !== undefined && b.status >= 400)
          return fail(b.status, `mock ${name}: injected status ${b.status}`, codeFor(b.status));
        if (b.failTimes !== undefined && b.failTimes > 0) {
          const key = b.key ?? '';
          const failed = failuresByKey.get(key) ?? 0;
          if (failed < b.failTimes) {
            failuresByKey.set(key, failed + 1);
            const status = b.failStatus ?? 503;
            return fail(status, `mock ${name}: failure ${failed + 1} of ${b.failTimes}`, codeFor(status));
          }
        }
        await handleApi({
          req,
          res,
          record,
          body: record.body,
          behaviour: b,
          name,
          models: opts.models ?? DEFAULT_MODELS,
          seq: ++seq,
          send,
          fail,
          signal: aborted.signal,
        });
      })
      .catch((err: unknown) => {
        if (aborted.signal.aborted) return; // the client left mid-sleep or mid-stream
        if (!res.headersSent) fail(500, `mock ${name}: ${(err as Error).message}`, 'mock_internal_error');
        else res.destroy();
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    name,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        server.close(() => resolve());
        server.closeAllConnections(); // hanging and streaming requests too
      }),
  };
}

function unmetExpectation(b: MockBehaviour, record: RecordedRequest): string | undefined {
  if (b.expectPath !== undefined && b.expectPath !== record.path)
    return `expected path ${b.expectPath}, got ${record.path}`;
  for (const [header, value] of b.expectHeaders ?? []) {
    const actual = record.headers[header];
    if (actual !== value)
      return `expected header ${header}=${value}, got ${actual === undefined ? 'none' : `${header}=${actual}`}`;
  }
  return undefined;
}

function codeFor(status: number): string {
  const codes: Record<number, string> = {
    400: 'invalid_request',
    401: 'invalid_api_key',
    403: 'permission_denied',
    404: 'model_not_found',
    429: 'rate_limit_exceeded',
  };
  return codes[status] ?? (status >= 500 ? 'server_error' : 'mock_error');
}

function readBody(req: http.IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers))
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

// A fake Google Gemini upstream for the e2e and unit tests, speaking the real wire format of
// both ways in: the Gemini API ({prefix}/models/{m}:generateContent | :streamGenerateContent,
// x-goog-api-key) and Vertex AI ({prefix}/projects/{p}/locations/{l}/publishers/google/models/{m}:...,
// Authorization: Bearer). Streams (alt=sse) are CRLF-separated `data:` events each holding a
// whole GenerateContentResponse, a functionCall part when the request declares functions. It
// also plays Google's OAuth token endpoint (POST /token, the JWT-bearer grant): the assertion's
// RS256 signature is checked against the service account's public key and the tokens it issues
// are the only ones Vertex paths accept. x-mock-status answers a Google error body,
// x-mock-content sets the text, x-mock-fail-on scopes failures. Embeddings: :batchEmbedContents
// (Gemini API, {embeddings: [{values}]}) and :predict (Vertex AI, predictions[].embeddings with
// statistics.token_count = the words of the text); vectors are (i+1)/8 for i <
// outputDimensionality (default 4). Requests are recorded.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { behaviourFromHeaders, scopeToMock } from './mock-llm-behaviour';

export interface GeminiRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export interface MockGeminiOptions {
  /** The API key Gemini API paths accept. */
  apiKey: string;
  /** PEM public key of the service account whose assertions the token endpoint accepts. */
  serviceAccountPublicKey?: string;
  /** Bearer tokens Vertex paths accept besides those the token endpoint issued. */
  staticTokens?: string[];
}

export interface MockGemini {
  port: number;
  requests: GeminiRequest[];
  /** How many tokens the token endpoint issued. */
  tokensIssued: () => number;
  close(): Promise<void>;
}

const USAGE = {
  promptTokenCount: 22,
  candidatesTokenCount: 8,
  totalTokenCount: 35,
  cachedContentTokenCount: 5,
  thoughtsTokenCount: 5,
};
const STATUS_NAME: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  403: 'PERMISSION_DENIED',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

function googleError(res: http.ServerResponse, code: number, message: string): void {
  res
    .writeHead(code, { 'content-type': 'application/json; charset=UTF-8' })
    .end(JSON.stringify({ error: { code, message, status: STATUS_NAME[code] ?? 'UNKNOWN' } }));
}

function verifyAssertion(assertion: string, publicKey: string): boolean {
  const [head, payload, signature] = assertion.split('.');
  if (!head || !payload || !signature) return false;
  return crypto.verify(
    'RSA-SHA256',
    Buffer.from(`${head}.${payload}`),
    publicKey,
    Buffer.from(signature, 'base64url'),
  );
}

const vector = (size: unknown): number[] =>
  Array.from({ length: typeof size === 'number' ? size : 4 }, (_, i) => (i + 1) / 8);

function embed(method: string, body: Record<string, unknown>, res: http.ServerResponse): void {
  const send = (doc: unknown): void => {
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(doc));
  };
  if (method === 'batchEmbedContents') {
    const requests = body.requests as Array<{ outputDimensionality?: number }> | undefined;
    if (!Array.isArray(requests)) return googleError(res, 400, 'requests is required.');
    return send({ embeddings: requests.map((q) => ({ values: vector(q.outputDimensionality) })) });
  }
  const instances = body.instances as Array<{ content?: string }> | undefined;
  if (!Array.isArray(instances)) return googleError(res, 400, 'instances is required.');
  const size = (body.parameters as { outputDimensionality?: number } | undefined)?.outputDimensionality;
  send({
    predictions: instances.map((i) => ({
      embeddings: {
        values: vector(size),
        statistics: { token_count: String(i.content).split(/\s+/).filter(Boolean).length, truncated: false },
      },
    })),
  });
}

export async function startMockGemini(options: MockGeminiOptions, host = '127.0.0.1'): Promise<MockGemini> {
  const requests: GeminiRequest[] = [];
  const issued = new Set<string>(options.staticTokens ?? []);
  let issuedCount = 0;

  const token = (raw: string, res: http.ServerResponse): void => {
    const form = new URLSearchParams(raw);
    const assertion = form.get('assertion') ?? '';
    if (
      form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer' ||
      !options.serviceAccountPublicKey ||
      !verifyAssertion(assertion, options.serviceAccountPublicKey)
    ) {
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: 'invalid_grant' }));
      return;
    }
    issuedCount += 1;
    const value = `ya29.mock-${issuedCount}`;
    issued.add(value);
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ access_token: value, expires_in: 3599, token_type: 'Bearer' }));
  };

  const answer = (req: http.IncomingMessage, r: GeminiRequest, res: http.ServerResponse): void => {
    const m =
      /^(?:\/v1beta|\/v1)(?:\/projects\/[^/]+\/locations\/[^/]+\/publishers\/google)?\/models\/([^/:]+):(generateContent|streamGenerateContent|batchEmbedContents|predict)(\?alt=sse)?$/.exec(
        r.path,
      );
    if (!m) return googleError(res, 404, `No route ${r.path}`);
    const vertex = r.path.includes('/projects/');
    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    if (
      vertex ? bearer === undefined || !issued.has(bearer) : req.headers['x-goog-api-key'] !== options.apiKey
    )
      return googleError(
        res,
        vertex ? 401 : 400,
        vertex
          ? 'Request had invalid authentication credentials.'
          : 'API key not valid. Please pass a valid API key.',
      );
    const behaviour = scopeToMock(behaviourFromHeaders(req.headersDistinct), 'mock-gemini');
    if (behaviour.status !== undefined)
      return googleError(
        res,
        behaviour.status,
        behaviour.status === 503
          ? 'The model is overloaded. Please try again later.'
          : 'Resource has been exhausted (e.g. check quota).',
      );
    const model = decodeURIComponent(m[1] as string);
    if (m[2] === 'batchEmbedContents' || m[2] === 'predict') return embed(m[2], r.body, res);
    const text = behaviour.content ?? `Hello from mock-gemini (${model}) — ok. `;
    const declarations = (
      r.body.tools as Array<{ functionDeclarations?: Array<{ name?: string }> }> | undefined
    )?.[0]?.functionDeclarations;
    const tool = declarations?.[0]?.name;
    if (m[2] === 'generateContent') {
      const reply = {
        candidates: [{ content: { parts: [{ text }], role: 'model' }, finishReason: 'STOP', index: 0 }],
        usageMetadata: USAGE,
        modelVersion: model,
        responseId: 'mock-response-1',
      };
      res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(reply));
      return;
    }
    if (m[3] === undefined) return googleError(res, 400, 'The mock streams only with alt=sse.');
    const events: unknown[] = text.split(/(?<= )/).map((word) => ({
      candidates: [{ content: { parts: [{ text: word }], role: 'model' }, index: 0 }],
      usageMetadata: { promptTokenCount: USAGE.promptTokenCount, totalTokenCount: USAGE.promptTokenCount },
      modelVersion: model,
      responseId: 'mock-response-2',
    }));
    const last = tool ? [{ functionCall: { name: tool, args: { location: 'Paris' } } }] : [{ text: '' }];
    events.push({
      candidates: [{ content: { parts: last, role: 'model' }, finishReason: 'STOP', index: 0 }],
      usageMetadata: USAGE,
      modelVersion: model,
      responseId: 'mock-response-2',
    });
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const bytes = Buffer.from(events.map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`).join(''));
    for (let at = 0; at < bytes.length; at += 101) res.write(bytes.subarray(at, at + 101));
    res.end();
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      if (req.url === '/token' && req.method === 'POST') return token(raw, res);
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        body = {};
      }
      const recorded = { path: req.url ?? '', headers: req.headers, body };
      requests.push(recorded);
      answer(req, recorded, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    tokensIssued: () => issuedCount,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// Small helpers shared by the identity end-to-end tests: a raw chat request (so a test controls
// every header), polling without fixed sleeps, and reading the audit log file.
import assert from 'node:assert/strict';
import fs from 'node:fs';

export interface RawResponse {
  status: number;
  headers: Headers;
  body: { error?: { message?: string; type?: string; code?: string }; [k: string]: unknown };
}

/** POST /v1/chat/completions with exactly these headers (plus content-type). */
export async function chat(
  baseURL: string,
  headers: Record<string, string>,
  model = 'gpt-4o-mini',
  fetchImpl: typeof fetch = fetch,
): Promise<RawResponse> {
  const res = await fetchImpl(`${baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Hello' }] }),
  });
  const text = await res.text();
  let body: RawResponse['body'];
  try {
    body = JSON.parse(text) as RawResponse['body'];
  } catch {
    body = { raw: text };
  }
  return { status: res.status, headers: res.headers, body };
}

/** Asserts an OpenAI-shaped error with this status (and code, when given). */
export function assertOpenAIError(res: RawResponse, status: number, code?: string, message?: RegExp): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(typeof res.body.error?.message, 'string', JSON.stringify(res.body));
  assert.equal(typeof res.body.error?.type, 'string', JSON.stringify(res.body));
  if (code !== undefined) assert.equal(res.body.error?.code, code, JSON.stringify(res.body));
  if (message !== undefined) assert.match(res.body.error?.message ?? '', message);
}

/** Calls `probe` until it returns a value, or throws the last error after `timeoutMs`. */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface AuditLine {
  type: string;
  requestId: string;
  identity?: { source: string; tenant?: string; team?: string; user?: string; apiKey?: string };
  route: string;
  backend: string;
  requestModel: string;
  responseModel: string;
  status: number;
  error?: string;
  usage?: { input: number; output: number };
  cost?: number;
}

export function readAudit(file: string): AuditLine[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as AuditLine);
}

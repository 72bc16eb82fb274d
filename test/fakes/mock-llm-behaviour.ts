// What the mock LLM should do for one request, read from `x-mock-*` request headers over the
// instance's defaults, so a test states what it expects of the upstream in one place.
/** Lower-case header names; repeated headers as arrays (req.headersDistinct). */
type Headers = NodeJS.Dict<string | string[]>;

export interface MockBehaviour {
  /** x-mock-status: answer with this status and an OpenAI-shaped error body. */
  status?: number;
  /** x-mock-latency-ms: wait this long before sending the response headers. */
  latencyMs?: number;
  /** x-mock-chunk-delay-ms: pause between streamed chunks. */
  chunkDelayMs?: number;
  /** x-mock-chunks: number of content pieces (stream chunks; also the completion token count). */
  chunks?: number;
  /** x-mock-content: the exact reply text instead of the default "[name] model=..." text. */
  content?: string;
  /** x-mock-expect-path: answer 418 unless the request path (without query) equals this. */
  expectPath?: string;
  /** x-mock-expect-header: name=value (repeatable): answer 418 unless each header has that value. */
  expectHeaders?: Array<[string, string]>;
  /** x-mock-hang: never answer (the client or its timeout has to give up). */
  hang?: boolean;
  /** x-mock-fail-times: fail the first N requests carrying the same x-mock-key, then succeed. */
  failTimes?: number;
  /** x-mock-fail-status: status of those failures (default 503). */
  failStatus?: number;
  /** x-mock-key: groups requests for x-mock-fail-times. */
  key?: string;
  /**
   * x-mock-fail-on: comma-separated mock names. When set, the failure behaviours (status, hang,
   * latency, fail-times) apply only on those mocks, so one header set can reach a primary and a
   * fallback backend and fail only the primary.
   */
  failOn?: string[];
  /** x-mock-cached-tokens: usage.prompt_tokens_details.cached_tokens. */
  cachedTokens?: number;
  /** x-mock-reasoning-tokens: usage.completion_tokens_details.reasoning_tokens. */
  reasoningTokens?: number;
}

const INTEGER_HEADERS = {
  'x-mock-status': 'status',
  'x-mock-latency-ms': 'latencyMs',
  'x-mock-chunk-delay-ms': 'chunkDelayMs',
  'x-mock-chunks': 'chunks',
  'x-mock-fail-times': 'failTimes',
  'x-mock-fail-status': 'failStatus',
  'x-mock-cached-tokens': 'cachedTokens',
  'x-mock-reasoning-tokens': 'reasoningTokens',
} as const;

const LIMITS: Record<(typeof INTEGER_HEADERS)[keyof typeof INTEGER_HEADERS], [number, number]> = {
  status: [100, 599],
  latencyMs: [0, 600_000],
  chunkDelayMs: [0, 60_000],
  chunks: [1, 100_000],
  failTimes: [0, 1_000_000],
  failStatus: [400, 599],
  cachedTokens: [0, 10_000_000],
  reasoningTokens: [0, 10_000_000],
};

/** Reads the x-mock-* headers over `defaults`; throws a message naming the bad header. */
export function behaviourFromHeaders(headers: Headers, defaults: MockBehaviour = {}): MockBehaviour {
  const b: MockBehaviour = { ...defaults };
  for (const [header, field] of Object.entries(INTEGER_HEADERS)) {
    const raw = single(headers, header);
    if (raw === undefined) continue;
    const [min, max] = LIMITS[field];
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || n < min || n > max)
      throw new Error(`${header} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    b[field] = n;
  }
  const content = single(headers, 'x-mock-content');
  if (content !== undefined) b.content = content;
  const expectPath = single(headers, 'x-mock-expect-path');
  if (expectPath !== undefined) b.expectPath = expectPath;
  const key = single(headers, 'x-mock-key');
  if (key !== undefined) b.key = key;
  const hang = single(headers, 'x-mock-hang');
  if (hang !== undefined) b.hang = !['', '0', 'false'].includes(hang.trim().toLowerCase());
  const failOn = single(headers, 'x-mock-fail-on');
  if (failOn !== undefined)
    b.failOn = failOn
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const expected = headers['x-mock-expect-header'];
  if (expected !== undefined) {
    b.expectHeaders = [...(b.expectHeaders ?? [])];
    for (const item of Array.isArray(expected) ? expected : [expected]) {
      const eq = item.indexOf('=');
      if (eq <= 0) throw new Error(`x-mock-expect-header must be name=value, got ${JSON.stringify(item)}`);
      b.expectHeaders.push([item.slice(0, eq).trim().toLowerCase(), item.slice(eq + 1).trim()]);
    }
  }
  return b;
}

/** Drops the failure behaviours when x-mock-fail-on names other mocks. */
export function scopeToMock(b: MockBehaviour, name: string): MockBehaviour {
  if (b.failOn === undefined || b.failOn.includes(name)) return b;
  const { status: _s, hang: _h, latencyMs: _l, failTimes: _f, ...rest } = b;
  return rest;
}

function single(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

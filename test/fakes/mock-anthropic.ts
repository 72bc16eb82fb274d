// A fake Anthropic Messages API upstream (POST {prefix}/messages) for the e2e tests: it answers
// in Anthropic's real wire format (https://docs.anthropic.com/en/api/messages and
// /messages-streaming): a `message` JSON, or the SSE event sequence message_start ->
// content_block_* (text_delta, or input_json_delta for a tool call when the request has tools)
// -> message_delta -> message_stop, written in small pieces so events straddle network chunks.
// A path under /broken/ answers 529 overloaded_error (for fallback tests). Requests are recorded.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AnthropicRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export interface MockAnthropic {
  port: number;
  requests: AnthropicRequest[];
  close(): Promise<void>;
}

const USAGE = {
  input_tokens: 20,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 4,
  output_tokens: 9,
};

function event(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

function streamEvents(model: string, tool: string | undefined, text: string): string {
  const message = {
    id: 'msg_mock01',
    type: 'message',
    role: 'assistant',
    model,
    content: [],
    stop_reason: null,
    usage: { ...USAGE, output_tokens: 1 },
  };
  let out = event('message_start', { message }) + event('ping', {});
  out += event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  for (const word of text.split(/(?<= )/))
    out += event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: word } });
  out += event('content_block_stop', { index: 0 });
  if (tool) {
    out += event('content_block_start', {
      index: 1,
      content_block: { type: 'tool_use', id: 'toolu_mock01', name: tool, input: {} },
    });
    for (const piece of ['', '{"loc', 'ation": "Par', 'is"}'])
      out += event('content_block_delta', {
        index: 1,
        delta: { type: 'input_json_delta', partial_json: piece },
      });
    out += event('content_block_stop', { index: 1 });
  }
  const stop = tool ? 'tool_use' : 'end_turn';
  out += event('message_delta', {
    delta: { stop_reason: stop, stop_sequence: null },
    usage: { output_tokens: USAGE.output_tokens },
  });
  return out + event('message_stop', {});
}

function answer(req: AnthropicRequest, res: http.ServerResponse): void {
  if (req.path.includes('/broken/')) {
    const body = JSON.stringify({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    });
    res.writeHead(529, { 'content-type': 'application/json' }).end(body);
    return;
  }
  if (!req.path.endsWith('/messages') || typeof req.headers['x-api-key'] !== 'string') {
    const body = JSON.stringify({
      type: 'error',
      error: { type: 'not_found_error', message: `No route ${req.path}` },
    });
    res.writeHead(404, { 'content-type': 'application/json' }).end(body);
    return;
  }
  const model = String(req.body.model);
  const tools = Array.isArray(req.body.tools) ? (req.body.tools as Array<{ name?: string }>) : [];
  const text = `Hello from mock-anthropic (${model}) — ok. `;
  if (req.body.stream !== true) {
    const message = {
      id: 'msg_mock01',
      type: 'message',
      role: 'assistant',
      model,
      content: [{ type: 'text', text }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: USAGE,
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(message));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  const bytes = Buffer.from(streamEvents(model, tools[0]?.name, text));
  // Odd-sized writes so events (and a multi-byte character's bytes) straddle network chunks.
  for (let at = 0; at < bytes.length; at += 97) res.write(bytes.subarray(at, at + 97));
  res.end();
}

export async function startMockAnthropic(host = '127.0.0.1'): Promise<MockAnthropic> {
  const requests: AnthropicRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        body = {};
      }
      const recorded = { path: req.url ?? '', headers: req.headers, body };
      requests.push(recorded);
      answer(recorded, res);
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

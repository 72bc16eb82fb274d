// The response side of one request at the router level (docs/architecture.md, "Request
// pipeline"): upstream bytes -> response guardrails -> usage scan (and the usage chunk the client
// did not ask for dropped) -> an Anthropic client's conversion -> client. What it reads (usage,
// served model, completion text, checks that fired) goes into the request's record at the end.
import type { GatewayError } from '../../lib/errors';
import type { AnthropicClient } from '../clients/anthropic/client';
import { JsonCollector } from '../json-collector';
import { Mutation, type Headers } from '../messages';
import type { ResponseFilter } from '../services';
import { SseScanner } from '../sse';
import type { RequestRecord } from './accounting';

/** The router filter's mode with the response body buffered: for answers checked or converted whole. */
export const BUFFER_RESPONSE_MODE = {
  request_header_mode: 'SEND',
  response_header_mode: 'SEND',
  request_body_mode: 'BUFFERED',
  response_body_mode: 'BUFFERED',
  request_trailer_mode: 'SKIP',
  response_trailer_mode: 'SKIP',
} as const;

export interface BodyAnswer {
  /** Replacement bytes for this chunk; undefined sends the chunk unchanged. */
  body?: Buffer;
  mutation?: Mutation;
  /** A response guardrail blocked a whole JSON answer: reply with this error instead. */
  blocked?: GatewayError;
}

export class ResponseWatcher {
  private sse: SseScanner | undefined;
  /**
   * Under a response guardrail, usage is read from the unfiltered stream: a block swallows the
   * provider's usage chunk, yet the tokens were produced and must be charged.
   */
  private rawUsage: SseScanner | undefined;
  private json: JsonCollector | undefined;
  private filterJson: Buffer[] | undefined;
  private done = false;

  constructor(
    private readonly record: RequestRecord,
    private readonly options: {
      dropUsageChunk: boolean;
      filter: ResponseFilter | undefined;
      anthropic: AnthropicClient | undefined;
    },
  ) {}

  /** Response headers: prepares the scanners; returns a mode override when the body must be whole. */
  start(headers: Headers, mutation: Mutation): typeof BUFFER_RESPONSE_MODE | undefined {
    const { filter, anthropic, dropUsageChunk } = this.options;
    const contentType = headers.get('content-type') ?? '';
    const streamed = contentType.startsWith('text/event-stream');
    let modeOverride: typeof BUFFER_RESPONSE_MODE | undefined;
    // A message or error converted whole is buffered, so a conversion failure can still be a 502.
    if (anthropic?.responseHeaders(this.record.status, contentType, mutation))
      modeOverride = BUFFER_RESPONSE_MODE;
    if (filter) {
      mutation.removeHeader('content-length');
      if (!streamed) {
        // A JSON answer is checked whole: buffered, it can still become an error response.
        this.filterJson = [];
        modeOverride = BUFFER_RESPONSE_MODE;
      }
    }
    if (streamed) {
      this.sse = new SseScanner(dropUsageChunk);
      if (filter) this.rawUsage = new SseScanner(false);
      // Dropping a chunk changes the length; streams rarely carry one, but never send a wrong one.
      if (dropUsageChunk && headers.has('content-length')) mutation.removeHeader('content-length');
    } else {
      this.json = new JsonCollector();
    }
    return modeOverride;
  }

  body(chunk: Buffer, end: boolean): BodyAnswer {
    const { filter, anthropic } = this.options;
    if (this.sse) {
      this.rawUsage?.push(chunk, end);
      const filtered = filter ? filter.sse(chunk, end) : chunk;
      let out = this.sse.push(filtered, end).replacement ?? (filter ? filtered : undefined);
      if (anthropic) out = anthropic.body(out ?? filtered, end);
      return { body: out };
    }
    this.json?.push(chunk);
    if (filter && this.filterJson) {
      this.filterJson.push(chunk);
      if (!end) return { body: Buffer.alloc(0) };
      const filtered = filter.json(Buffer.concat(this.filterJson));
      this.filterJson = undefined;
      if (filtered.blocked) return { blocked: filtered.blocked };
      const body = anthropic ? anthropic.body(filtered.body, true) : filtered.body;
      return { body, mutation: new Mutation().setHeader('content-length', String(body.length)) };
    }
    return { body: anthropic ? anthropic.body(chunk, end) : undefined };
  }

  /** Moves what the response carried into the record (once). */
  finish(): void {
    if (this.done) return;
    this.done = true;
    if (this.sse) {
      this.record.usage = this.rawUsage?.usage ?? this.sse.usage;
      this.record.responseModel ||= this.sse.model ?? '';
      this.record.completionText = this.sse.text;
    } else if (this.json) {
      const { usage, model, text } = this.json.finish();
      this.record.usage = usage;
      this.record.responseModel ||= model ?? '';
      this.record.completionText = text;
    }
    if (this.options.filter) this.record.fired.push(...this.options.filter.fired);
  }
}

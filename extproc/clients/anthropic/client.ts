// The router level's edge for clients of Anthropic's /v1/messages: everything between the two
// edges stays OpenAI-shaped (routing, guardrails, budgets, usage, the backend translators). On
// the way in, the body becomes a chat.completions body and the path /v1/chat/completions (set
// with the routing header, before the route cache is cleared); on the way out, the OpenAI
// answer (after response guardrails and the usage scan) becomes an Anthropic message, stream or
// error with the same status. Errors the gateway itself answers are rendered Anthropic-shaped.
import { GatewayError } from '../../../lib/errors';
import { errorResponse, type Mutation, type ProcessingResponse } from '../../messages';
import { UnsupportedParameters, type UnsupportedPolicy } from '../../providers/unsupported';
import { toOpenAIRequest } from './request';
import { toAnthropicError, toAnthropicMessage } from './response';
import { AnthropicStreamWriter } from './stream';

/** Where a converted Messages request goes: the endpoint every backend translator knows. */
export const CHAT_PATH = '/v1/chat/completions';

type ResponseKind = 'stream' | 'message' | 'error';

export class AnthropicClient {
  /** Hints dropped from the request, reported in the tollgate-warning response header. */
  warnings: string[] = [];
  private model = '';
  private kind: ResponseKind = 'message';
  private status = 0;
  private writer: AnthropicStreamWriter | undefined;
  private chunks: Buffer[] = [];
  private unsupported: Array<{ param: string; reason: string }> = [];

  /** The client's Messages body as chat.completions bytes; throws a 400 naming what is wrong. */
  request(raw: Buffer): Buffer {
    if (raw.length === 0) throw new GatewayError('invalid_json', 'The request body is empty; expected JSON.');
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new GatewayError('invalid_json', 'The request body is not valid JSON.');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new GatewayError('invalid_request', 'The request body must be a JSON object.');
    const converted = toOpenAIRequest(body as Record<string, unknown>);
    this.model = String(converted.body.model);
    this.warnings = converted.warnings;
    this.unsupported = converted.unsupported;
    return Buffer.from(JSON.stringify(converted.body));
  }

  /**
   * Applies the chosen route's unsupportedParameters policy to what had no OpenAI equivalent:
   * Reject (the default) throws a 400 naming the first; Drop adds them to the warnings.
   */
  applyPolicy(policy: UnsupportedPolicy | undefined): void {
    const judge = new UnsupportedParameters(policy);
    for (const { param, reason } of this.unsupported) judge.unsupported(param, reason);
    const warning = judge.warning();
    if (warning) this.warnings.push(warning);
  }

  /** An error the gateway answers itself, in Anthropic's shape (same status and headers). */
  errorResponse(error: GatewayError): ProcessingResponse {
    const response = errorResponse(error);
    if (response.immediate_response) response.immediate_response.body = Buffer.from(error.toAnthropicBody());
    return response;
  }

  /**
   * Adjusts the response headers; returns true when the body must be seen whole (a message or
   * an error is converted at the end, so the router buffers it).
   */
  responseHeaders(status: number, contentType: string, mutation: Mutation): boolean {
    this.status = status;
    mutation.removeHeader('content-length');
    const ok = status >= 200 && status < 300;
    if (ok && contentType.startsWith('text/event-stream')) {
      this.kind = 'stream';
      this.writer = new AnthropicStreamWriter(this.model);
      mutation.setHeader('content-type', 'text/event-stream; charset=utf-8');
      return false;
    }
    this.kind = ok ? 'message' : 'error';
    mutation.setHeader('content-type', 'application/json');
    return true;
  }

  /** The client's bytes for this chunk of (OpenAI-shaped) response body. */
  body(chunk: Buffer, endOfStream: boolean): Buffer {
    if (this.writer) return this.writer.push(chunk, endOfStream);
    if (chunk.length > 0) this.chunks.push(chunk);
    if (!endOfStream) return Buffer.alloc(0);
    const whole = Buffer.concat(this.chunks);
    this.chunks = [];
    if (this.kind === 'error') return Buffer.from(toAnthropicError(whole, this.status));
    let doc: unknown;
    try {
      doc = JSON.parse(whole.toString('utf8'));
    } catch {
      throw new GatewayError('upstream_error', 'The backend answered with a body that is not JSON.');
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
      throw new GatewayError('upstream_error', 'The backend answered with a body that is not a JSON object.');
    return Buffer.from(JSON.stringify(toAnthropicMessage(doc as Record<string, unknown>, this.model)));
  }
}

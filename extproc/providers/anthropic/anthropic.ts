// Anthropic Messages API backends: /v1/messages with x-api-key (by default) and
// anthropic-version; OpenAI chat requests are translated (request.ts), and responses come back
// as OpenAI chat completions, chunks (stream.ts) or errors (response.ts). Only chat is served.
import { GatewayError } from '../../../lib/errors';
import type { BackendConfig } from '../../config/schema';
import type { ParsedRequest } from '../../request';
import type { RequestTranslation, ResponseTranslator, Translator, UpstreamHeaders } from '../translator';
import type { UnsupportedParameters } from '../unsupported';
import { toAnthropicRequest } from './request';
import { obj, toChatCompletion, toOpenAIError } from './response';
import { AnthropicStreamTranslator } from './stream';

export const ANTHROPIC_VERSION = '2023-06-01';

/** Buffers a JSON body (success or error) and answers it translated at end of stream. */
class AnthropicResponseTranslator implements ResponseTranslator {
  private status = 200;
  private stream: AnthropicStreamTranslator | undefined;
  private chunks: Buffer[] = [];
  private readonly created = Math.floor(Date.now() / 1000);

  headers(status: number, contentType: string): string {
    this.status = status;
    if (status < 300 && contentType.startsWith('text/event-stream')) {
      this.stream = new AnthropicStreamTranslator(this.created);
      return 'text/event-stream';
    }
    return 'application/json';
  }

  body(chunk: Buffer, endOfStream: boolean): Buffer {
    if (this.stream) return this.stream.push(chunk, endOfStream);
    if (chunk.length > 0) this.chunks.push(chunk);
    if (!endOfStream) return Buffer.alloc(0);
    const text = Buffer.concat(this.chunks).toString('utf8');
    this.chunks = [];
    if (this.status >= 300) return Buffer.from(toOpenAIError(this.status, text));
    let message: Record<string, unknown> | undefined;
    try {
      message = obj(JSON.parse(text));
    } catch {
      message = undefined;
    }
    if (!message) return Buffer.from(toOpenAIError(502, ''));
    return Buffer.from(JSON.stringify(toChatCompletion(message, this.created)));
  }
}

export const anthropicTranslator: Translator = {
  requestHeaders(_clientPath: string, backend: BackendConfig): UpstreamHeaders {
    const headers: Array<[string, string]> = [['anthropic-version', ANTHROPIC_VERSION]];
    if (backend.auth) headers.push([backend.auth.header.toLowerCase(), backend.auth.value]);
    return { path: `${backend.pathPrefix.replace(/\/+$/, '')}/messages`, headers };
  },

  requestBody(
    req: ParsedRequest,
    model: string,
    clientPath: string,
    _backend: BackendConfig,
    unsupported?: UnsupportedParameters,
  ): RequestTranslation {
    if (req.endpoint !== 'chat')
      throw new GatewayError('invalid_request', `Anthropic backends do not serve ${clientPath}.`);
    return { body: Buffer.from(JSON.stringify(toAnthropicRequest(req.body, model, unsupported))) };
  },

  responseTranslator(): ResponseTranslator {
    return new AnthropicResponseTranslator();
  },
};

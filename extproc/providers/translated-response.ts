// The response side every non-OpenAI backend shares: a successful stream goes through the
// backend's stream translator chunk by chunk; anything else (a JSON answer or an error) is
// buffered and answered translated at the end of the stream. An answer that is not a JSON
// object, or that the backend's reader cannot make sense of, becomes an OpenAI-shaped 502.
import { obj } from './openai-chat';
import type { ResponseTranslator } from './translator';

export interface StreamTranslator {
  push(chunk: Buffer, endOfStream: boolean): Buffer;
}

export interface TranslatedResponseOptions {
  /** Content type of the backend's successful stream; undefined when it never streams. */
  streamType?: string;
  stream?: () => StreamTranslator;
  /** The OpenAI-shaped answer for a successful JSON body; undefined when it cannot be read. */
  convert: (doc: Record<string, unknown>) => unknown;
  /** The OpenAI-shaped error body for the backend's error (or for 502 with an empty body). */
  toError: (status: number, body: string) => string;
}

export class TranslatedResponse implements ResponseTranslator {
  private status = 200;
  private stream: StreamTranslator | undefined;
  private chunks: Buffer[] = [];

  constructor(private readonly options: TranslatedResponseOptions) {}

  headers(status: number, contentType: string): string {
    this.status = status;
    const { streamType, stream } = this.options;
    if (status < 300 && streamType && stream && contentType.startsWith(streamType)) {
      this.stream = stream();
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
    if (this.status >= 300) return Buffer.from(this.options.toError(this.status, text));
    let answer: unknown;
    try {
      const doc = obj(JSON.parse(text));
      answer = doc && this.options.convert(doc);
    } catch {
      answer = undefined;
    }
    if (answer === undefined) return Buffer.from(this.options.toError(502, ''));
    return Buffer.from(JSON.stringify(answer));
  }
}

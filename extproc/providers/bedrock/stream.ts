// Bedrock ConverseStream events
// (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html),
// decoded from the binary event stream, -> OpenAI chat.completion.chunk SSE: messageStart opens
// the assistant turn, a contentBlockStart with toolUse becomes a tool call (id and name first,
// then every toolUse.input delta as an arguments piece under the same index), text deltas
// become content, messageStop carries the finish_reason and metadata the usage, after which the
// usage-only chunk and [DONE] close the stream (router-level extproc hides the usage chunk from
// clients that did not ask for it). An exception message (`:message-type: exception`) or a
// corrupt frame becomes an OpenAI-style error event.
import { completionId, obj, type Json } from '../openai-chat';
import { sseData } from '../sse-events';
import { EventStreamError, EventStreamReader, type StreamMessage } from './event-stream';
import { finishReason, openAIUsage } from './response';

export class BedrockStreamTranslator {
  private readonly reader = new EventStreamReader();
  private readonly id = completionId();
  /** Converse contentBlockIndex -> OpenAI tool_calls index. */
  private readonly toolIndex = new Map<number, number>();
  private finished = false;
  private done = false;

  constructor(
    private readonly created: number,
    private readonly model: string,
  ) {}

  push(chunk: Buffer, endOfStream: boolean): Buffer {
    let out = '';
    try {
      for (const message of this.reader.push(chunk)) out += this.onMessage(message);
    } catch (err) {
      if (!(err instanceof EventStreamError)) throw err;
      out += this.error('The Bedrock event stream was corrupt.', 'event_stream_error');
    }
    if (endOfStream && !this.done) {
      out +=
        this.reader.leftover > 0
          ? this.error('The Bedrock event stream ended inside a message.', 'event_stream_error')
          : this.close(undefined);
    }
    return Buffer.from(out);
  }

  private chunk(delta: Json, finish: string | null = null): string {
    return sseData({
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    });
  }

  private error(message: string, code: string): string {
    if (this.done) return '';
    this.done = true;
    return sseData({ error: { message, type: 'server_error', param: null, code } });
  }

  /** The usage-only chunk and [DONE]; a stream without messageStop still gets a finish_reason. */
  private close(usage: unknown): string {
    this.done = true;
    const finish = this.finished ? '' : this.chunk({}, 'stop');
    const last = sseData({
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [],
      usage: openAIUsage(usage),
    });
    return `${finish}${last}data: [DONE]\n\n`;
  }

  private onMessage(message: StreamMessage): string {
    if (this.done) return '';
    const kind = message.headers[':message-type'];
    if (kind === 'exception' || kind === 'error') {
      let text = message.headers[':error-message'] ?? '';
      try {
        const m = obj(JSON.parse(message.body))?.message;
        if (typeof m === 'string') text = m;
      } catch {
        // keep the header's message
      }
      const code = message.headers[':exception-type'] ?? message.headers[':error-code'] ?? 'bedrock_error';
      return this.error(text === '' ? 'The Bedrock stream failed.' : text, code);
    }
    let doc: Json | undefined;
    try {
      doc = obj(JSON.parse(message.body));
    } catch {
      doc = undefined;
    }
    return doc ? this.onEvent(message.headers[':event-type'] ?? '', doc) : '';
  }

  private onEvent(type: string, doc: Json): string {
    switch (type) {
      case 'messageStart':
        return this.chunk({ role: 'assistant', content: '' });
      case 'contentBlockStart': {
        const use = obj(obj(doc.start)?.toolUse);
        if (!use || typeof doc.contentBlockIndex !== 'number') return '';
        const index = this.toolIndex.size;
        this.toolIndex.set(doc.contentBlockIndex, index);
        const call = {
          index,
          id: use.toolUseId,
          type: 'function',
          function: { name: use.name, arguments: '' },
        };
        return this.chunk({ tool_calls: [call] });
      }
      case 'contentBlockDelta': {
        const delta = obj(doc.delta);
        if (typeof delta?.text === 'string')
          return delta.text === '' ? '' : this.chunk({ content: delta.text });
        const input = obj(delta?.toolUse)?.input;
        const index =
          typeof doc.contentBlockIndex === 'number' ? this.toolIndex.get(doc.contentBlockIndex) : undefined;
        if (typeof input !== 'string' || input === '' || index === undefined) return '';
        return this.chunk({ tool_calls: [{ index, function: { arguments: input } }] });
      }
      case 'messageStop':
        this.finished = true;
        return this.chunk({}, finishReason(doc.stopReason));
      case 'metadata':
        return this.close(doc.usage);
      default:
        return ''; // contentBlockStop, reasoning content, and event types added later
    }
  }
}

// Anthropic streaming events (https://docs.anthropic.com/en/api/messages-streaming) -> OpenAI
// chat.completion.chunk SSE, event by event: message_start opens the assistant turn, text_delta
// becomes content, a tool_use block becomes a tool call (id and name first, then each
// input_json_delta as an arguments piece under the same index), message_delta carries the
// finish_reason, and message_stop ends with a usage-only chunk and [DONE] (router-level extproc
// hides the usage chunk from clients that did not ask for it). An `error` event becomes an
// OpenAI-style error event.
import { SseEventReader, sseData } from '../sse-events';
import { finishReason, obj, openAIUsage, readUsage, type AnthropicUsage } from './response';

type Json = Record<string, unknown>;

export class AnthropicStreamTranslator {
  private readonly reader = new SseEventReader();
  private id = '';
  private model = '';
  private readonly usage: AnthropicUsage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  /** Anthropic content block index -> OpenAI tool_calls index. */
  private readonly toolIndex = new Map<number, number>();
  private done = false;

  constructor(private readonly created: number) {}

  push(chunk: Buffer, endOfStream: boolean): Buffer {
    let out = '';
    for (const event of this.reader.push(chunk, endOfStream)) {
      let doc: Json | undefined;
      try {
        doc = obj(JSON.parse(event.data));
      } catch {
        doc = undefined;
      }
      if (doc) out += this.onEvent(doc);
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

  private onEvent(doc: Json): string {
    if (this.done) return '';
    switch (doc.type) {
      case 'message_start': {
        const message = obj(doc.message);
        this.id = typeof message?.id === 'string' ? message.id : '';
        this.model = typeof message?.model === 'string' ? message.model : '';
        readUsage(message?.usage, this.usage);
        return this.chunk({ role: 'assistant', content: '' });
      }
      case 'content_block_start': {
        const block = obj(doc.content_block);
        if (block?.type === 'text' && typeof block.text === 'string' && block.text !== '')
          return this.chunk({ content: block.text });
        if (block?.type !== 'tool_use' || typeof doc.index !== 'number') return '';
        const index = this.toolIndex.size;
        this.toolIndex.set(doc.index, index);
        const call = { index, id: block.id, type: 'function', function: { name: block.name, arguments: '' } };
        return this.chunk({ tool_calls: [call] });
      }
      case 'content_block_delta': {
        const delta = obj(doc.delta);
        if (delta?.type === 'text_delta' && typeof delta.text === 'string')
          return this.chunk({ content: delta.text });
        const index = typeof doc.index === 'number' ? this.toolIndex.get(doc.index) : undefined;
        if (delta?.type !== 'input_json_delta' || index === undefined) return '';
        if (typeof delta.partial_json !== 'string' || delta.partial_json === '') return '';
        return this.chunk({ tool_calls: [{ index, function: { arguments: delta.partial_json } }] });
      }
      case 'message_delta': {
        readUsage(doc.usage, this.usage);
        return this.chunk({}, finishReason(obj(doc.delta)?.stop_reason) ?? 'stop');
      }
      case 'message_stop': {
        this.done = true;
        const usage = sseData({
          id: this.id,
          object: 'chat.completion.chunk',
          created: this.created,
          model: this.model,
          choices: [],
          usage: openAIUsage(this.usage),
        });
        return `${usage}data: [DONE]\n\n`;
      }
      case 'error': {
        this.done = true;
        const error = obj(doc.error);
        const type = typeof error?.type === 'string' ? error.type : 'api_error';
        const message = typeof error?.message === 'string' ? error.message : 'The Anthropic stream failed.';
        return sseData({ error: { message, type: 'server_error', param: null, code: type } });
      }
      default:
        return ''; // ping, content_block_stop, and event types added later
    }
  }
}

// OpenAI chat.completion.chunk SSE -> Anthropic Messages stream events
// (https://docs.anthropic.com/en/api/messages-streaming), incrementally: each chunk of upstream
// bytes yields the events it completes. message_start goes out with the first chunk; text deltas
// open a text block, each tool call opens a tool_use block whose argument fragments stream as
// input_json_delta; a block stops when the next one starts or the choice finishes. The
// message_delta (stop_reason + usage) waits for the end ([DONE] or the end of the body) because
// OpenAI sends usage in a chunk after the finish_reason. Decisions: only choice 0 is converted
// (Anthropic has no `n`); an error event (a response guardrail's block) becomes Anthropic's
// `error` event and ends the stream; reasoning deltas are not forwarded (Anthropic's thinking
// blocks need signatures we cannot produce); argument fragments for a tool call whose block has
// already been closed end the stream with an error event rather than corrupting a block.
import { anthropicErrorType } from '../../../lib/errors';
import { SseEventReader } from '../../providers/sse-events';
import { anthropicUsage, messageId, stopReasonOf } from './response';

type Json = Record<string, unknown>;

interface OpenBlock {
  index: number;
  kind: 'text' | 'tool_use';
  /** The OpenAI tool_calls index, for tool_use blocks. */
  toolIndex?: number;
}

/** A tool call whose name has not arrived yet: its argument fragments wait. */
interface PendingTool {
  id: string;
  name: string;
  args: string;
}

function obj(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function event(type: string, data: Json): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

export class AnthropicStreamWriter {
  private readonly reader = new SseEventReader();
  private started = false;
  private done = false;
  private nextIndex = 0;
  private block: OpenBlock | undefined;
  private readonly closedTools = new Set<number>();
  private readonly pendingTools = new Map<number, PendingTool>();
  private stopReason: string | null = null;
  private usage: unknown;

  constructor(private readonly requestModel: string) {}

  /** The Anthropic events for this chunk of OpenAI SSE bytes (possibly empty). */
  push(chunk: Buffer, endOfStream: boolean): Buffer {
    let out = '';
    for (const e of this.reader.push(chunk, endOfStream)) {
      if (this.done) break;
      out += this.onEvent(e.data);
    }
    if (endOfStream && !this.done) out += this.finish();
    return Buffer.from(out);
  }

  private onEvent(data: string): string {
    if (data === '[DONE]') return this.finish();
    let doc: Json | undefined;
    try {
      doc = obj(JSON.parse(data));
    } catch {
      return '';
    }
    if (!doc) return '';
    const error = obj(doc.error);
    if (error)
      return this.fail(typeof error.message === 'string' ? error.message : 'The stream failed.', 400);
    let out = this.start(doc);
    if (doc.usage !== undefined && doc.usage !== null) this.usage = doc.usage;
    const choices = Array.isArray(doc.choices) ? doc.choices : [];
    const choice = obj(choices.find((c) => obj(c)?.index === 0 || obj(c)?.index === undefined));
    if (!choice) return out;
    const delta = obj(choice.delta);
    if (typeof delta?.content === 'string' && delta.content !== '') out += this.text(delta.content);
    if (typeof delta?.refusal === 'string' && delta.refusal !== '') out += this.text(delta.refusal);
    for (const call of Array.isArray(delta?.tool_calls) ? delta.tool_calls : []) {
      out += this.toolCall(obj(call) ?? {});
      if (this.done) return out;
    }
    if (choice.finish_reason !== undefined && choice.finish_reason !== null) {
      out += this.flushPending() + this.closeBlock();
      this.stopReason = stopReasonOf(choice.finish_reason);
    }
    return out;
  }

  private start(doc: Json): string {
    if (this.started) return '';
    this.started = true;
    const message = {
      id: messageId(doc.id),
      type: 'message',
      role: 'assistant',
      model: typeof doc.model === 'string' && doc.model !== '' ? doc.model : this.requestModel,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0 },
    };
    return event('message_start', { message });
  }

  private text(text: string): string {
    let out = '';
    if (this.block?.kind !== 'text')
      out += this.flushPending() + this.open({ type: 'text', text: '' }, 'text');
    const index = this.block?.index ?? 0;
    return out + event('content_block_delta', { index, delta: { type: 'text_delta', text } });
  }

  private toolCall(call: Json): string {
    const toolIndex = typeof call.index === 'number' ? call.index : 0;
    const fn = obj(call.function);
    const fragment = typeof fn?.arguments === 'string' ? fn.arguments : '';
    if (this.block?.kind === 'tool_use' && this.block.toolIndex === toolIndex) return this.args(fragment);
    if (this.closedTools.has(toolIndex))
      return this.fail('The backend streamed tool-call arguments out of order.', 502);
    const pending = this.pendingTools.get(toolIndex) ?? { id: '', name: '', args: '' };
    if (typeof call.id === 'string' && call.id !== '') pending.id = call.id;
    if (typeof fn?.name === 'string') pending.name += fn.name;
    pending.args += fragment;
    this.pendingTools.set(toolIndex, pending);
    // A tool block opens once its name is known; a name may come before its first argument.
    if (pending.name === '' || pending.id === '') return '';
    this.pendingTools.delete(toolIndex);
    return this.openTool(toolIndex, pending);
  }

  private openTool(toolIndex: number, tool: PendingTool): string {
    const out = this.open(
      { type: 'tool_use', id: tool.id, name: tool.name, input: {} },
      'tool_use',
      toolIndex,
    );
    return out + (tool.args === '' ? '' : this.args(tool.args));
  }

  private args(fragment: string): string {
    if (fragment === '') return '';
    const index = this.block?.index ?? 0;
    return event('content_block_delta', {
      index,
      delta: { type: 'input_json_delta', partial_json: fragment },
    });
  }

  /** Tool calls that never got an id still become blocks (with a generated one) at the end. */
  private flushPending(): string {
    let out = '';
    for (const [toolIndex, tool] of this.pendingTools) {
      if (tool.name === '') continue;
      out += this.openTool(toolIndex, { ...tool, id: tool.id || `toolu_${toolIndex}` });
    }
    this.pendingTools.clear();
    return out;
  }

  private open(contentBlock: Json, kind: OpenBlock['kind'], toolIndex?: number): string {
    const out = this.closeBlock();
    const index = this.nextIndex++;
    this.block = { index, kind, toolIndex };
    return out + event('content_block_start', { index, content_block: contentBlock });
  }

  private closeBlock(): string {
    const block = this.block;
    if (!block) return '';
    this.block = undefined;
    if (block.toolIndex !== undefined) this.closedTools.add(block.toolIndex);
    return event('content_block_stop', { index: block.index });
  }

  /** message_delta with stop_reason and usage, then message_stop; once. */
  private finish(): string {
    if (this.done) return '';
    const out = this.start({}) + this.flushPending() + this.closeBlock();
    this.done = true;
    const usage = anthropicUsage(this.usage);
    return (
      out +
      event('message_delta', {
        delta: { stop_reason: this.stopReason ?? 'end_turn', stop_sequence: null },
        usage,
      }) +
      event('message_stop', {})
    );
  }

  private fail(message: string, status: number): string {
    this.done = true;
    return event('error', { error: { type: anthropicErrorType(status), message } });
  }
}

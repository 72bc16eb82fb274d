// Gemini streamGenerateContent?alt=sse (https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent):
// every SSE event is a whole GenerateContentResponse holding the next parts. Text parts become
// content deltas, each functionCall part a tool call (id, name and the whole arguments in one
// delta: Gemini does not split them), the candidate's finishReason the finish_reason, and the
// last usageMetadata the usage-only chunk sent with [DONE] when the stream ends (Gemini sends
// no end marker). An `error` event becomes an OpenAI-style error event.
import { completionId, obj, type Json } from '../openai-chat';
import { SseEventReader, sseData } from '../sse-events';
import { candidateParts, finishReason, openAIUsage, readError, toolCall } from './response';

export class GeminiStreamTranslator {
  private readonly reader = new SseEventReader();
  private readonly id = completionId();
  private started = false;
  private calls = 0;
  private usage: unknown;
  private finished = false;
  private done = false;

  constructor(
    private readonly created: number,
    private readonly model: string,
  ) {}

  push(chunk: Buffer, endOfStream: boolean): Buffer {
    let out = '';
    for (const event of this.reader.push(chunk, endOfStream)) {
      let doc: Json | undefined;
      try {
        doc = obj(JSON.parse(event.data));
      } catch {
        doc = undefined;
      }
      if (doc && !this.done) out += this.onEvent(doc);
    }
    if (endOfStream && !this.done) out += this.close();
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
    if (doc.error !== undefined) {
      this.done = true;
      const { message, status } = readError(doc);
      const text = message === '' ? 'The Gemini stream failed.' : message;
      return sseData({ error: { message: text, type: 'server_error', param: null, code: status } });
    }
    if (doc.usageMetadata !== undefined) this.usage = doc.usageMetadata;
    let out = '';
    if (!this.started) {
      this.started = true;
      out += this.chunk({ role: 'assistant', content: '' });
    }
    const { parts, finish } = candidateParts(doc);
    for (const part of parts) {
      if (typeof part.text === 'string' && part.text !== '' && part.thought !== true)
        out += this.chunk({ content: part.text });
      // Gemini gives calls no ids (or not always): ours derive from the response id.
      const responseId = typeof doc.responseId === 'string' ? doc.responseId : this.id.slice(9);
      const call = toolCall(part, `call_${responseId}_${this.calls}`);
      if (call) out += this.chunk({ tool_calls: [{ index: this.calls++, ...call }] });
    }
    if (finish !== undefined && finish !== null && !this.finished) {
      this.finished = true;
      out += this.chunk({}, finishReason(finish, this.calls > 0));
    }
    return out;
  }

  private close(): string {
    this.done = true;
    const finish = this.finished ? '' : this.chunk({}, finishReason(undefined, this.calls > 0));
    const usage = sseData({
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [],
      usage: openAIUsage(this.usage),
    });
    return `${finish}${usage}data: [DONE]\n\n`;
  }
}

// Incremental Server-Sent Events scanner for streamed responses. It reads each event as it
// completes (events may be split across body chunks at any byte), extracts usage and the
// response model, and, when the client did not ask for it, removes the usage-only final chunk
// that upstream-level extproc requested on the client's behalf. It holds back at most one
// incomplete event, never the whole stream; a chunk that needs no change is reported as such so
// the caller can pass it through without a copy.
import { usageOfDocument, type Usage } from './usage';

const LF = 0x0a;
const CR = 0x0d;
/** Cheap pre-check: only events that carry a usage object are JSON-parsed for it. */
const USAGE_OBJECT = /"usage"\s*:\s*\{/;
/** Cap on the completion text kept for token counting when a provider reports no usage. */
const MAX_TEXT = 256 * 1024;

export interface SseResult {
  /** The bytes to forward instead of the chunk, or undefined when the chunk passes unchanged. */
  replacement?: Buffer;
}

export class SseScanner {
  usage: Usage | undefined;
  model: string | undefined;
  /** Completion text seen in content deltas (for the tokenizer fallback), capped. */
  text = '';
  /** Bytes of the event in progress (only in filtering mode are they withheld from the client). */
  private pending: Buffer = Buffer.alloc(0);
  /** The previous byte was CR, so a following LF belongs to the same line ending. */
  private afterCR = false;
  /** The current line is empty so far (the next line ending ends the event). */
  private lineEmpty = true;
  /** Whether the last complete event was forwarded (a CRLF split after it follows its fate). */
  private lastKept = true;

  constructor(private readonly dropUsageOnlyEvent: boolean) {}

  push(chunk: Buffer, endOfStream: boolean): SseResult {
    const data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const offset = this.pending.length; // where `chunk` starts inside `data`
    const keep: Array<[number, number]> = [];
    let eventStart = 0;
    for (let i = offset; i < data.length; i++) {
      const byte = data[i];
      if (byte === LF && this.afterCR) {
        this.afterCR = false;
        if (this.lineEmpty && i === eventStart) {
          // The LF of a CRLF that ended the previous event arrived in this chunk.
          if (this.lastKept) keep.push([i, i + 1]);
          eventStart = i + 1;
        }
        continue;
      }
      this.afterCR = byte === CR;
      if (byte !== LF && byte !== CR) {
        this.lineEmpty = false;
        continue;
      }
      if (this.lineEmpty) {
        // A blank line: the event [eventStart, i] is complete (its blank line included).
        const end = i + 1 < data.length && byte === CR && data[i + 1] === LF ? i + 2 : i + 1;
        this.lastKept = this.onEvent(data.subarray(eventStart, end));
        if (this.lastKept) keep.push([eventStart, end]);
        if (end === i + 2) {
          this.afterCR = false;
          i++;
        }
        eventStart = end;
      }
      this.lineEmpty = true;
    }
    if (endOfStream && eventStart < data.length) {
      if (this.onEvent(data.subarray(eventStart))) keep.push([eventStart, data.length]);
      eventStart = data.length;
    }
    this.pending = eventStart < data.length ? Buffer.from(data.subarray(eventStart)) : Buffer.alloc(0);
    if (!this.dropUsageOnlyEvent) return {};
    // Filtering mode: forward kept complete events; the incomplete tail waits for the next chunk.
    const kept = keep.reduce((sum, [s, e]) => sum + e - s, 0);
    if (offset === 0 && this.pending.length === 0 && kept === data.length) return {};
    return { replacement: Buffer.concat(keep.map(([s, e]) => data.subarray(s, e))) };
  }

  /** Reads one complete event; returns false when it must be dropped. */
  private onEvent(event: Buffer): boolean {
    const payload = dataOf(event.toString('utf8'));
    if (payload === undefined || payload === '[DONE]') return true;
    let doc: unknown;
    try {
      doc = JSON.parse(payload);
    } catch {
      return true; // not ours to judge: pass it on
    }
    const { usage, model } = usageOfDocument(doc);
    if (model && !this.model) this.model = model;
    this.collectText(doc);
    if (!usage || !USAGE_OBJECT.test(payload)) return true;
    this.usage = usage;
    const choices = (doc as Record<string, unknown>).choices;
    const usageOnly = Array.isArray(choices) && choices.length === 0;
    return !(usageOnly && this.dropUsageOnlyEvent);
  }

  private collectText(doc: unknown): void {
    if (this.text.length >= MAX_TEXT || typeof doc !== 'object' || doc === null) return;
    const d = doc as { choices?: unknown; delta?: unknown; type?: unknown };
    if (typeof d.delta === 'string' && d.type === 'response.output_text.delta') this.text += d.delta;
    if (!Array.isArray(d.choices)) return;
    for (const c of d.choices as Array<{ delta?: { content?: unknown }; text?: unknown }>) {
      if (typeof c?.delta?.content === 'string') this.text += c.delta.content;
      else if (typeof c?.text === 'string') this.text += c.text;
    }
  }
}

/** The joined `data:` field of an event (SSE: one optional space after the colon). */
function dataOf(event: string): string | undefined {
  let out: string | undefined;
  for (const line of event.split(/\r\n|\r|\n/)) {
    if (!line.startsWith('data:')) continue;
    const value = line.charCodeAt(5) === 0x20 ? line.slice(6) : line.slice(5);
    out = out === undefined ? value : `${out}\n${value}`;
  }
  return out;
}

// Response checks on an OpenAI SSE stream (chat.completion.chunk and text_completion chunks).
// Each text stream (a choice's content, a tool call's arguments, a completion's text) is fed to
// the ResponseScanner, which releases all but a held-back tail; the chunk goes out with the
// released text in place of its own. A chunk that only carried text and had all of it held is
// dropped; every other event passes in order. Held text is flushed in synthesized chunks before
// a choice's finish_reason, before the usage chunk and [DONE], and at the end of the stream, so
// it never appears after them. On a block: an OpenAI error event, `data: [DONE]`, then nothing.
import { StringDecoder } from 'node:string_decoder';
import type { ResponseScanner } from './response-scanner';
import type { TextRef } from './text';
import { bareText, finishedChoices, isObj, slotsOf, type Obj, type TextSlot } from './sse-slots';

const EVENT_END = /\r?\n\r?\n/g;

interface KeyState {
  /** Already-emitted text kept as left context for the detectors. */
  context: string;
  pending: string;
  choice: number;
  kind: TextRef['kind'];
  envelope: Obj;
  template: TextSlot['template'];
}

const dataEvent = (data: string): string => `data: ${data}\n\n`;
const CONTEXT = 64;

export class SseFilter {
  private readonly decoder = new StringDecoder('utf8');
  private buffer = '';
  private readonly keys = new Map<string, KeyState>();
  private done = false;
  /** The error event and [DONE] to send once a check blocked. */
  private blockedOut = '';

  constructor(private readonly scanner: ResponseScanner) {}

  push(chunk: Buffer, end: boolean): Buffer {
    if (this.done) return Buffer.alloc(0);
    this.buffer += this.decoder.write(chunk);
    if (end) this.buffer += this.decoder.end();
    let out = '';
    let at = 0;
    EVENT_END.lastIndex = 0;
    let m: RegExpExecArray | null;
    while (!this.done && (m = EVENT_END.exec(this.buffer)) !== null) {
      out += this.onEvent(this.buffer.slice(at, m.index), m[0]);
      at = m.index + m[0].length;
    }
    this.buffer = this.done ? '' : this.buffer.slice(at);
    if (end && !this.done) {
      if (this.buffer.trim().length > 0) out += this.onEvent(this.buffer, '\n\n');
      this.buffer = '';
      if (!this.done) out += this.flush(() => true);
    }
    return Buffer.from(out);
  }

  private onEvent(raw: string, separator: string): string {
    const data = raw
      .split(/\r?\n/)
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(l.startsWith('data: ') ? 6 : 5))
      .join('\n');
    const passthrough = raw + separator;
    if (data === '[DONE]') return this.flush(() => true) + (this.done ? '' : passthrough);
    let doc: unknown;
    try {
      doc = data.length > 0 ? JSON.parse(data) : undefined;
    } catch {
      doc = undefined;
    }
    if (!isObj(doc)) return passthrough;
    const finished = finishedChoices(doc);
    const endsAll = doc.usage != null && (!Array.isArray(doc.choices) || doc.choices.length === 0);
    const slots = slotsOf(doc);
    // Held text of streams this chunk ends (and does not itself continue) goes out first.
    const out = this.flush(
      (k, st) => (endsAll || finished.includes(st.choice)) && !slots.some((s) => s.key === k),
    );
    if (this.done) return out;
    if (slots.length === 0) return out + passthrough;
    const { choices: _choices, usage: _usage, ...envelope } = doc;
    let released = 0;
    for (const slot of slots) {
      const st = this.keys.get(slot.key) ?? {
        context: '',
        pending: '',
        choice: slot.choice,
        kind: slot.kind,
        envelope,
        template: slot.template,
      };
      this.keys.set(slot.key, st);
      st.envelope = envelope;
      st.pending += slot.text;
      const text = this.release(st, finished.includes(slot.choice));
      if (text === undefined) return out + this.blockedOut;
      slot.set(text);
      released += text.length;
    }
    if (released === 0 && bareText(doc)) return out;
    return out + dataEvent(JSON.stringify(doc));
  }

  /** Runs the scanner over a key's window; undefined when it blocked (this.blockedOut is set). */
  private release(st: KeyState, final: boolean): string | undefined {
    const window = st.context + st.pending;
    const result = this.scanner.scan(window, st.context.length, final, st.kind);
    if ('blocked' in result) {
      this.done = true;
      this.blockedOut = dataEvent(result.blocked.toBody()) + dataEvent('[DONE]');
      return undefined;
    }
    st.context = window.slice(Math.max(0, result.cut - CONTEXT), result.cut);
    st.pending = window.slice(result.cut);
    return result.out;
  }

  /** Emits the held text of the selected streams as synthesized chunks. */
  private flush(select: (key: string, st: KeyState) => boolean): string {
    let out = '';
    for (const [key, st] of this.keys) {
      if (st.pending.length === 0 || !select(key, st)) continue;
      const text = this.release(st, true);
      if (text === undefined) return out + this.blockedOut;
      if (text.length > 0) out += dataEvent(JSON.stringify(st.template(st.envelope, text)));
    }
    return out;
  }
}

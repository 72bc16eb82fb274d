// Splits a backend's Server-Sent Events stream into complete events as body chunks arrive: a
// chunk may end anywhere (inside a line, between CR and LF, inside a multi-byte character), so
// bytes wait until their event's blank line. Used by translators whose backends stream their
// own event types (Anthropic), to re-emit them as OpenAI chunks.
const LF = 0x0a;
const CR = 0x0d;

export interface SseEvent {
  /** The `event:` field, or "message" when absent (SSE's default). */
  event: string;
  /** The joined `data:` lines. */
  data: string;
}

export class SseEventReader {
  private pending: Buffer = Buffer.alloc(0);

  /** The events completed by this chunk; at end of stream an unterminated last event too. */
  push(chunk: Buffer, endOfStream: boolean): SseEvent[] {
    const data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const events: SseEvent[] = [];
    let eventStart = 0;
    let lineStart = 0;
    for (let i = 0; i < data.length; i++) {
      const byte = data[i];
      if (byte !== LF && byte !== CR) continue;
      // A CR at the very end may be the first half of a CRLF: wait for the next byte.
      if (byte === CR && i + 1 === data.length && !endOfStream) break;
      const lineEnd = byte === CR && data[i + 1] === LF ? i + 2 : i + 1;
      if (i === lineStart) {
        const event = parseEvent(data.subarray(eventStart, lineStart).toString('utf8'));
        if (event) events.push(event);
        eventStart = lineEnd;
      }
      i = lineEnd - 1;
      lineStart = lineEnd;
    }
    let rest = data.subarray(eventStart);
    if (endOfStream && rest.length > 0) {
      const event = parseEvent(rest.toString('utf8'));
      if (event) events.push(event);
      rest = Buffer.alloc(0);
    }
    this.pending = Buffer.from(rest);
    return events;
  }
}

function parseEvent(text: string): SseEvent | undefined {
  let event = 'message';
  let data: string | undefined;
  for (const line of text.split(/\r\n|\r|\n/)) {
    const colon = line.indexOf(':');
    if (colon === 0 || line === '') continue; // a comment, or the end
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data = data === undefined ? value : `${data}\n${value}`;
  }
  return data === undefined ? undefined : { event, data };
}

/** One OpenAI-style SSE event carrying `payload` as JSON. */
export function sseData(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

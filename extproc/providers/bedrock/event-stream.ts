// Splits an application/vnd.amazon.eventstream body into messages as network chunks arrive
// (https://docs.aws.amazon.com/transcribe/latest/dg/event-stream.html describes the framing:
// a 4-byte big-endian total length, header length, prelude CRC, headers, payload, message CRC).
// A chunk may end anywhere, so bytes wait until their message is complete; each complete
// message is decoded (CRCs checked) by @smithy/eventstream-codec.
import { EventStreamCodec, type Message, type MessageHeaders } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

/** Smallest message: prelude (12 bytes) + message CRC (4). */
const MIN_MESSAGE = 16;
/** Larger frames are refused rather than buffered (AWS caps event-stream messages at 16 MiB). */
const MAX_MESSAGE = 16 * 1024 * 1024;

export interface StreamMessage {
  headers: Record<string, string>;
  body: string;
}

export class EventStreamError extends Error {}

export class EventStreamReader {
  private readonly codec = new EventStreamCodec(toUtf8, fromUtf8);
  private pending: Buffer = Buffer.alloc(0);

  /** The messages this chunk completes. Throws EventStreamError on a corrupt frame. */
  push(chunk: Buffer): StreamMessage[] {
    let data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: StreamMessage[] = [];
    while (data.length >= 4) {
      const total = data.readUInt32BE(0);
      if (total < MIN_MESSAGE || total > MAX_MESSAGE)
        throw new EventStreamError(`event-stream message length ${total} is out of range`);
      if (data.length < total) break;
      let message: Message;
      try {
        message = this.codec.decode(data.subarray(0, total));
      } catch (err) {
        throw new EventStreamError(err instanceof Error ? err.message : 'event-stream decode failed');
      }
      out.push({ headers: stringHeaders(message.headers), body: toUtf8(message.body) });
      data = data.subarray(total);
    }
    // Copy the remainder: the chunk's buffer may be reused by the caller.
    this.pending = Buffer.from(data);
    return out;
  }

  /** Bytes of an incomplete message left at the end of the stream. */
  get leftover(): number {
    return this.pending.length;
  }
}

function stringHeaders(headers: MessageHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, header] of Object.entries(headers))
    if (header.type === 'string') out[name] = header.value;
  return out;
}

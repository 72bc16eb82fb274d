// Collects a non-streaming response body to read its usage at the end. Chunks are kept by
// reference (no copy) up to a cap; past it only a tail window is kept, and usage is read from
// the tail (providers put `usage` last), so a huge embeddings response never sits in memory twice.
import { completionText, usageFromTail, usageOfJsonBody, type Usage } from './usage';

const MAX_WHOLE_BYTES = 4 * 1024 * 1024;
const TAIL_BYTES = 64 * 1024;

export class JsonCollector {
  private chunks: Buffer[] = [];
  private size = 0;
  private overflowed = false;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size > MAX_WHOLE_BYTES) {
      this.overflowed = true;
      const all = Buffer.concat(this.chunks);
      const tail = Buffer.from(all.subarray(Math.max(0, all.length - TAIL_BYTES)));
      this.chunks = [tail];
      this.size = tail.length;
    }
  }

  /** Usage, response model and generated text (only when the whole body was kept). */
  finish(): { usage?: Usage; model?: string; text: string } {
    const body = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    this.chunks = [];
    if (this.overflowed) return { usage: usageFromTail(body.toString('utf8')), text: '' };
    const { usage, model, doc } = usageOfJsonBody(body);
    return { usage, model, text: usage ? '' : completionText(doc) };
  }
}

// The audit log: one JSON line per request (extproc/audit/record.ts) to stdout, to a file, or
// nowhere. Writing never blocks the event loop on a slow disk: a file is written through
// fs.createWriteStream (libuv's thread pool) and lines wait in the stream's buffer. That buffer
// is capped (maxBacklogBytes, default 8 MiB): a line that would push it past the cap is dropped,
// counted in tollgate_audit_records_dropped_total and reported by a warning at most every 10 s.
// Dropping is the chosen trade-off: an audit log that slows or kills the gateway under disk
// pressure is worse than one with a counted gap. stdout is written the way the logger writes it
// (process.stdout, synchronous for files and pipes on Linux), so lines from both never interleave.
import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { Counter, type Registry } from 'prom-client';
import { createLogger, type Logger } from '../../lib/log';
import type { AuditRecord, AuditSink } from '../services';
import { auditLine } from './record';

export type AuditTarget = 'stdout' | 'off' | { file: string };

export interface AuditSinkOptions {
  target: AuditTarget;
  /** Write prompts and completions too (an explicit setting; off by default in the CLI). */
  includeBodies: boolean;
  maxBacklogBytes?: number;
  /** Where the dropped-records counter is registered (extproc's metrics registry). */
  registry?: Registry;
  logger?: Logger;
  /** Write here instead of `target` (embedding and tests); closed by close(). */
  destination?: Writable;
}

export interface ClosableAuditSink extends AuditSink {
  /** Records dropped because the backlog was full or the destination failed. */
  readonly dropped: number;
  /** Flushes what is buffered and closes a file (never stdout). */
  close(): Promise<void>;
}

export const DEFAULT_MAX_BACKLOG_BYTES = 8 * 1024 * 1024;
const WARN_INTERVAL_MS = 10_000;

export function createAuditSink(options: AuditSinkOptions): ClosableAuditSink {
  const includeBodies = options.target !== 'off' && options.includeBodies;
  const { stream, owned } = openDestination(options);
  const maxBacklog = options.maxBacklogBytes ?? DEFAULT_MAX_BACKLOG_BYTES;
  const logger = options.logger ?? createLogger('tollgate-audit');
  const counter = new Counter({
    name: 'tollgate_audit_records_dropped_total',
    help: 'Audit records dropped because the audit destination fell behind or failed.',
    labelNames: ['reason'],
    registers: options.registry ? [options.registry] : [],
  });
  let dropped = 0;
  let failed = false;
  let closed = false;
  let lastWarnMs = -Infinity;

  const drop = (reason: 'backlog' | 'error'): void => {
    dropped++;
    counter.inc({ reason });
    const now = Date.now();
    if (now - lastWarnMs >= WARN_INTERVAL_MS) {
      lastWarnMs = now;
      logger.warn({ reason, dropped, backlogBytes: stream?.writableLength ?? 0 }, 'audit records dropped');
    }
  };

  stream?.on('error', (err: Error) => {
    if (!failed)
      logger.error({ err: err.message }, 'audit destination failed; records are dropped from now on');
    failed = true;
  });

  return {
    includeBodies,
    get dropped() {
      return dropped;
    },
    write(record: AuditRecord): void {
      if (!stream || closed) return;
      if (failed) return drop('error');
      const line = auditLine(record, includeBodies);
      if (stream.writableLength + Buffer.byteLength(line) > maxBacklog) return drop('backlog');
      stream.write(line);
    },
    async close(): Promise<void> {
      if (closed || !stream) return;
      closed = true;
      if (!owned || failed) return;
      await new Promise<void>((resolve) => {
        stream.once('close', () => resolve());
        stream.once('error', () => resolve());
        stream.end();
      });
    },
  };
}

function openDestination(options: AuditSinkOptions): { stream: Writable | undefined; owned: boolean } {
  if (options.destination) return { stream: options.destination, owned: true };
  const target = options.target;
  if (target === 'off') return { stream: undefined, owned: false };
  if (target === 'stdout') return { stream: process.stdout, owned: false };
  fs.mkdirSync(path.dirname(target.file), { recursive: true });
  // Audit lines may hold prompts (includeBodies): readable by the owner only.
  return { stream: fs.createWriteStream(target.file, { flags: 'a', mode: 0o600 }), owned: true };
}

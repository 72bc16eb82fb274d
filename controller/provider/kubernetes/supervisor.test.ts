// The supervisor restarts a failing task with doubling, capped backoff, resets it when the task
// reports health, and stops when aborted.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { supervise } from './supervisor';

void describe('supervise', () => {
  void it('restarts with capped exponential backoff, resets it on health, stops on abort', async () => {
    const lines: { retryInMs: number; restarts: number; err: string }[] = [];
    const logger = pino(
      { level: 'warn' },
      { write: (l: string) => lines.push(JSON.parse(l) as (typeof lines)[number]) },
    );
    const abort = new AbortController();
    let runs = 0;
    await supervise(
      (_signal, healthy) => {
        runs++;
        if (runs === 5) healthy(); // a run that made progress before failing resets the backoff
        if (runs === 6) {
          abort.abort();
          return Promise.resolve();
        }
        return Promise.reject(new Error(`boom ${runs}`));
      },
      { name: 't', logger, signal: abort.signal, minBackoffMs: 10, maxBackoffMs: 40 },
    );
    assert.equal(runs, 6);
    assert.deepEqual(
      lines.map((l) => l.err),
      ['boom 1', 'boom 2', 'boom 3', 'boom 4', 'boom 5'],
    );
    const delays = lines.map((l) => l.retryInMs);
    // Nominal 10, 20, 40, 40 (capped), then 10 after the healthy run; each within ±20% jitter.
    [10, 20, 40, 40, 10].forEach((nominal, i) => {
      assert.ok(
        (delays[i] ?? 0) >= nominal * 0.8 && (delays[i] ?? 0) <= nominal * 1.2,
        `delay ${i}: ${delays[i]}`,
      );
    });
  });
});

// Keeps a long-running task alive: when it fails, log why and start it again after a capped,
// jittered exponential backoff, so a flapping API server is not hammered and a transient error
// heals by itself. The task reports health (say, a successful list) to reset the backoff.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../../lib/log';

export interface SuperviseOptions {
  name: string;
  logger: Logger;
  signal: AbortSignal;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export type SupervisedTask = (signal: AbortSignal, healthy: () => void) => Promise<void>;

/** Runs `task` until `signal` aborts; resolves then. Never rejects. */
export async function supervise(task: SupervisedTask, options: SuperviseOptions): Promise<void> {
  const min = options.minBackoffMs ?? 500;
  const max = options.maxBackoffMs ?? 30_000;
  const { signal, logger, name } = options;
  let backoff = min;
  let restarts = 0;
  while (!signal.aborted) {
    try {
      await task(signal, () => {
        backoff = min;
      });
      if (signal.aborted) return;
      throw new Error('task returned without being stopped');
    } catch (err) {
      if (signal.aborted) return;
      restarts++;
      // ±20% jitter keeps many informers that failed together from retrying in lockstep.
      const delay = Math.round(backoff * (0.8 + Math.random() * 0.4));
      logger.warn(
        { task: name, restarts, retryInMs: delay, err: err instanceof Error ? err.message : String(err) },
        'informer failed; restarting',
      );
      backoff = Math.min(max, backoff * 2);
      try {
        await sleep(delay, undefined, { signal });
      } catch {
        return; // aborted while waiting
      }
    }
  }
}

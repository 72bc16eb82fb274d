// Counts tokens off the main thread: one worker, started on first use (so extproc that always
// gets usage from its providers never loads a tokenizer). It keeps the process alive only while
// counts are pending; a failed worker fails its pending counts and the next call starts anew.
import path from 'node:path';
import { Worker } from 'node:worker_threads';

interface Pending {
  resolve: (counts: number[]) => void;
  reject: (err: Error) => void;
}

let worker: Worker | undefined;
let nextId = 1;
const pending = new Map<number, Pending>();

function start(): Worker {
  const w = new Worker(path.join(__dirname, 'worker.js'));
  w.on('message', (msg: { id: number; counts?: number[]; error?: string }) => {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (pending.size === 0) w.unref();
    if (msg.counts) p.resolve(msg.counts);
    else p.reject(new Error(msg.error ?? 'token count failed'));
  });
  const fail = (err: Error): void => {
    worker = undefined;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  w.on('error', fail);
  w.on('exit', (code) => fail(new Error(`tokenizer worker exited with code ${code}`)));
  w.unref(); // after the listeners: adding a 'message' listener refs the worker again
  return w;
}

/** Token counts of each text, computed in the tokenizer worker. */
export function countTokensOffThread(texts: string[]): Promise<number[]> {
  worker ??= start();
  const id = nextId++;
  const w = worker;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.ref();
    w.postMessage({ id, texts });
  });
}

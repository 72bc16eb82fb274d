// Worker-thread entry for token counting: building the tokenizer takes long enough (hundreds
// of ms to seconds) that it must never run on the thread that answers Envoy.
import { parentPort } from 'node:worker_threads';
import { countTokens } from './count';

parentPort?.on('message', (msg: { id: number; texts: string[] }) => {
  try {
    parentPort?.postMessage({ id: msg.id, counts: msg.texts.map(countTokens) });
  } catch (err) {
    parentPort?.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) });
  }
});

// Small helpers for tests that run against the fake API server: wait for an outcome (polling,
// with a generous bound so a loaded machine does not flake), and open raw watch streams.
import http from 'node:http';

/** Resolves when `check` returns true; rejects with `what` after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface RawWatch {
  events: {
    type: string;
    object: { metadata?: { name?: string; resourceVersion?: string }; code?: number; reason?: string };
  }[];
  status: number;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** Opens `GET path?watch=1&query` and collects the newline-delimited events. */
export function rawWatch(
  baseUrl: string,
  path: string,
  query: Record<string, string> = {},
): Promise<RawWatch> {
  const url = new URL(path, baseUrl);
  url.searchParams.set('watch', '1');
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      let buffered = '';
      const watch: RawWatch = {
        events: [],
        status: res.statusCode ?? 0,
        ended: new Promise((done) => res.on('close', done)),
        close: () => req.destroy(),
      };
      res.setEncoding('utf8');
      res.on('error', () => undefined); // closing our side mid-stream is expected
      res.on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines)
          if (line.trim()) watch.events.push(JSON.parse(line) as RawWatch['events'][number]);
      });
      resolve(watch);
    });
    req.on('error', reject);
  });
}

// One watch stream of the fake API server: newline-delimited JSON events over a chunked 200
// response, exactly as the real server sends them. Replays history after the requested
// resourceVersion (or the current state as ADDED when none is given), then follows live writes;
// selectors turn edits that enter or leave the selection into ADDED / DELETED; optional periodic
// BOOKMARKs; a 410 Expired ERROR event when the resourceVersion was compacted away.
import type { ServerResponse } from 'node:http';
import { statusBody } from './status';
import type { KubeObject, Matcher } from './selectors';
import { ApiStatusError, resourceKey, type ObjectStore, type ResourceRef, type StoredEvent } from './store';

export interface WatchRequest {
  ref: ResourceRef;
  namespace: string | undefined;
  matches: Matcher;
  resourceVersion: string | undefined;
  bookmarks: boolean;
  bookmarkIntervalMs: number;
  timeoutMs: number | undefined;
}

export function serveWatch(
  store: ObjectStore,
  req: WatchRequest,
  res: ServerResponse,
  onEnd: () => void,
): () => void {
  const key = resourceKey(req.ref);
  const selected = (o: KubeObject | undefined): boolean =>
    o !== undefined &&
    (req.namespace === undefined || o.metadata.namespace === req.namespace) &&
    req.matches(o);
  const timers: NodeJS.Timeout[] = [];
  let unsubscribe = (): void => undefined;
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    unsubscribe();
    for (const t of timers) clearTimeout(t);
    res.end();
    onEnd();
  };
  const send = (type: string, object: unknown): void => {
    if (!ended) res.write(JSON.stringify({ type, object }) + '\n');
  };
  const forward = (event: StoredEvent): void => {
    if (event.resource !== key) return;
    const now = selected(event.object);
    const before = selected(event.previous);
    if (event.type === 'ADDED' && now) send('ADDED', event.object);
    else if (event.type === 'DELETED' && before) send('DELETED', event.object);
    else if (event.type === 'MODIFIED') {
      if (now && before) send('MODIFIED', event.object);
      else if (now) send('ADDED', event.object);
      else if (before) send('DELETED', event.object);
    }
  };

  res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
  res.flushHeaders();
  res.on('close', end);

  const rv = req.resourceVersion;
  if (rv === undefined || rv === '' || rv === '0') {
    // "Any" resourceVersion: the current state as synthetic ADDED events, then live changes.
    for (const obj of store.list(req.ref, req.namespace)) if (req.matches(obj)) send('ADDED', obj);
  } else {
    const from = Number(rv);
    let backlog: StoredEvent[];
    try {
      if (!Number.isInteger(from))
        throw new ApiStatusError(400, 'BadRequest', `invalid resourceVersion ${rv}`);
      backlog = store.eventsSince(from);
    } catch (err) {
      if (!(err instanceof ApiStatusError)) throw err;
      send('ERROR', statusBody(err.code, err.reason, err.message));
      end();
      return end;
    }
    for (const event of backlog) forward(event);
  }
  unsubscribe = store.subscribe(forward);

  if (req.bookmarks) {
    const tick = (): void => {
      send('BOOKMARK', {
        kind: 'Bookmark',
        apiVersion: req.ref.group ? `${req.ref.group}/${req.ref.version}` : req.ref.version,
        metadata: { resourceVersion: String(store.currentRv()) },
      });
      timers[0] = setTimeout(tick, req.bookmarkIntervalMs);
    };
    timers[0] = setTimeout(tick, req.bookmarkIntervalMs);
  }
  if (req.timeoutMs !== undefined) timers.push(setTimeout(end, req.timeoutMs));
  return end;
}

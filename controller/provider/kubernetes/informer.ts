// One informer: @kubernetes/client-node's ListWatch keeps a local copy of one kind (in one
// namespace, optionally behind a field selector): list, then watch from the list's
// resourceVersion; a watch the server ends is resumed from the last seen resourceVersion; a 410
// Gone (as an HTTP status or as an ERROR event before the stream ends) makes it re-list, and the
// re-list reports deletes it missed. Checked against the library's cache.js / watch.js; what we
// add, and why:
// - Any other error makes ListWatch call its error callbacks and stop for good. We turn that
//   into a failed run, so our supervisor restarts it (start() again) with backoff; the local
//   copy and resourceVersion survive, so the restart resumes without a re-list and loses nothing.
// - ListWatch asks for neither bookmarks nor a server-side timeout; GatedWatch adds both, so the
//   resourceVersion stays fresh (fewer 410 re-lists) and every watch ends in bounded time.
// - ListWatch reconnects at once, forever, when a server (or proxy) keeps ending watches
//   immediately; GatedWatch fails the run instead after a few such ends, so the supervisor backs off.
// - stop() does not cancel a list in flight: ListWatch would open a watch after it. GatedWatch
//   refuses to open one once the run is over, and aborts one whose request was still waiting
//   for response headers when the run ended (stop() cannot reach it).
import type { KindInfo } from '../../api';
import { describeError, k8s, type ClientNode } from './k8s';
import type { KubeConfig } from './kubeconfig';
import { makeLister, resourcePath, type KubeObject } from './lister';

export type { KubeObject } from './lister';

export interface InformerOptions {
  kubeConfig: KubeConfig;
  kind: string;
  info: KindInfo;
  namespace?: string;
  fieldSelector?: string;
  /** Called after every change to the local copy (the provider marks the world dirty). */
  onChange: () => void;
  /** Server-side watch timeout; the watch resumes afterwards (real servers cap at ~30-60 min). */
  watchTimeoutSeconds?: number;
  /** A watch that ends within this long of its start, with no event, counts as ended at once. */
  quickEndMs?: number;
}

type WatchCallback = Parameters<ClientNode.Watch['watch']>[2];
type WatchDone = Parameters<ClientNode.Watch['watch']>[3];
const QUICK_END_MS = 1000; // default
const MAX_QUICK_ENDS = 3;

export class Informer {
  readonly name: string;
  private readonly listWatch: ClientNode.ListWatch<KubeObject>;
  private syncedOnce = false;
  private readonly syncWaiters: (() => void)[] = [];
  /** The current run: where errors go, and whether new watches may open. */
  private current: { fail: (err: unknown) => void; healthy: () => void } | undefined;
  private listed = false;
  private lastWatchAt = 0;
  private eventsSinceWatch = 0;
  private quickEnds = 0;

  constructor(private readonly options: InformerOptions) {
    const { kubeConfig, kind, info, namespace, fieldSelector } = options;
    this.name = [kind, namespace ?? '*', fieldSelector].filter(Boolean).join('/');
    const list = makeLister(kubeConfig, kind, info, namespace, fieldSelector);
    const listFn = async (): Promise<ClientNode.KubernetesListObject<KubeObject>> => {
      const result = await list();
      result.items = result.items.filter((o) => this.normalize(o));
      this.listed = true;
      return result;
    };
    this.listWatch = new k8s.ListWatch<KubeObject>(
      resourcePath(info, namespace),
      new GatedWatch(kubeConfig, this),
      listFn,
      false,
      undefined,
      fieldSelector,
    );
    // Kinds we write status for: our own status writes (conditions, AIBudget usage) come back as
    // UPDATE events. They change nothing translate decides, so they must not cost a reconcile.
    const seen = new Map<string, string>();
    const changed = (obj: KubeObject): void => {
      this.normalize(obj); // watch events arrive raw; the stored object is this one
      if (info.hasStatus) {
        const key = `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
        const fingerprint = withoutStatus(obj);
        if (seen.get(key) === fingerprint) return;
        seen.set(key, fingerprint);
      }
      options.onChange();
    };
    this.listWatch.on(k8s.ADD, changed);
    this.listWatch.on(k8s.UPDATE, changed);
    this.listWatch.on(k8s.DELETE, (obj: KubeObject) => {
      seen.delete(`${obj.metadata.namespace ?? ''}/${obj.metadata.name}`);
      options.onChange();
    });
    this.listWatch.on(k8s.ERROR, (err) => this.current?.fail(err));
  }

  /** The current objects, in key order so snapshots are deterministic. */
  list(): KubeObject[] {
    const key = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    return [...this.listWatch.list()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  }

  get synced(): boolean {
    return this.syncedOnce;
  }

  whenSynced(): Promise<void> {
    return this.syncedOnce ? Promise.resolve() : new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  /** Runs until `signal` aborts (resolves) or the ListWatch fails (rejects). */
  run(signal: AbortSignal, healthy: () => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const finish = (err?: unknown): void => {
        if (!this.current) return;
        this.current = undefined;
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) resolve();
        else reject(new Error(`${this.name}: ${describeError(err)}`));
      };
      const onAbort = (): void => {
        finish();
        void this.listWatch.stop(); // aborts the open watch; its AbortError reaches no run
      };
      if (signal.aborted) return resolve();
      this.current = { fail: finish, healthy };
      signal.addEventListener('abort', onAbort);
      this.quickEnds = 0;
      this.listWatch.start().catch(finish);
    });
  }

  /** Called by GatedWatch before every watch: undefined to go ahead, or why not to. */
  beforeWatch(): Error | 'stopped' | undefined {
    const run = this.current;
    if (!run) return 'stopped';
    const now = Date.now();
    if (this.listed) {
      this.listed = false;
      this.quickEnds = 0;
      run.healthy(); // a list is progress: resets the supervisor's backoff
      if (!this.syncedOnce) {
        this.syncedOnce = true;
        for (const resolve of this.syncWaiters.splice(0)) resolve();
      }
    } else if (
      now - this.lastWatchAt < (this.options.quickEndMs ?? QUICK_END_MS) &&
      this.eventsSinceWatch === 0
    ) {
      if (++this.quickEnds >= MAX_QUICK_ENDS)
        return new Error(`watch ${this.name}: the server ended ${this.quickEnds} watches at once`);
    } else this.quickEnds = 0;
    this.lastWatchAt = now;
    this.eventsSinceWatch = 0;
    return undefined;
  }

  /** The current run (an identity to compare), undefined once stopped. */
  get currentRun(): object | undefined {
    return this.current;
  }

  onWatchEvent(): void {
    this.eventsSinceWatch++;
    this.current?.healthy();
  }

  get watchTimeoutSeconds(): number {
    return this.options.watchTimeoutSeconds ?? 300 + Math.floor(Math.random() * 300);
  }

  /** Built-in kinds come without kind/apiVersion in a list; managedFields is large and unused. */
  private normalize(obj: KubeObject): boolean {
    if (typeof obj.metadata?.name !== 'string') return false;
    const { info, kind } = this.options;
    obj.kind = kind;
    obj.apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
    delete obj.metadata.managedFields;
    return true;
  }
}

/** The library's Watch, plus bookmarks, a server-side timeout and the gate described above. */
class GatedWatch extends k8s.Watch {
  constructor(
    config: KubeConfig,
    private readonly informer: Informer,
  ) {
    super(config);
  }

  override async watch(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    callback: WatchCallback,
    done: WatchDone,
  ): Promise<AbortController> {
    const verdict = this.informer.beforeWatch();
    if (verdict !== undefined) {
      const aborted = new AbortController();
      aborted.abort();
      if (verdict instanceof Error) done(verdict);
      return aborted;
    }
    const params = { ...query, allowWatchBookmarks: true, timeoutSeconds: this.informer.watchTimeoutSeconds };
    const run = this.informer.currentRun;
    const request = await super.watch(
      path,
      params,
      (phase, obj, raw) => {
        this.informer.onWatchEvent();
        callback(phase, obj, raw);
      },
      done,
    );
    // ListWatch.stop() aborts only a watch whose response has arrived: one still waiting for
    // the server's headers when the run ended would stay open and keep the process alive.
    if (this.informer.currentRun !== run) request.abort();
    return request;
  }
}

/** The object as translate sees it, minus what status writes change. */
function withoutStatus(obj: KubeObject): string {
  const { status: _status, metadata, ...rest } = obj as KubeObject & { status?: unknown };
  const {
    resourceVersion: _rv,
    managedFields: _mf,
    ...meta
  } = metadata as typeof metadata & {
    resourceVersion?: string;
    managedFields?: unknown;
  };
  return JSON.stringify({ ...rest, metadata: meta });
}

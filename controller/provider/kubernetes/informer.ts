// One informer: list, then watch from the list's resourceVersion, keeping a local copy of one
// kind (in one namespace, optionally behind a field selector). A watch the server ends is
// resumed from the last seen resourceVersion (bookmarks keep it fresh); 410 Gone means our
// resourceVersion was compacted away, so we re-list. Any other error is thrown for the
// supervisor to restart us; the local copy survives the restart, so nothing is lost.
import { setTimeout as sleep } from 'node:timers/promises';
import type { KindInfo } from '../../api';
import { KubeApiError, resourcePath, type KubeClient, type WatchEvent } from './client';

export type KubeObject = Record<string, unknown> & {
  metadata: { name: string; namespace?: string; resourceVersion?: string; [key: string]: unknown };
};

export interface InformerOptions {
  client: KubeClient;
  kind: string;
  info: KindInfo;
  namespace?: string;
  fieldSelector?: string;
  /** Called after every change to the local copy (the provider marks the world dirty). */
  onChange: () => void;
  /** Server-side watch timeout; the informer resumes afterwards (real servers cap at ~30-60 min). */
  watchTimeoutSeconds?: number;
}

export class Informer {
  readonly name: string;
  private readonly objects = new Map<string, KubeObject>();
  private resourceVersion = '';
  private eventCount = 0;
  private syncedOnce = false;
  private readonly syncWaiters: (() => void)[] = [];

  constructor(private readonly options: InformerOptions) {
    this.name = [options.kind, options.namespace ?? '*', options.fieldSelector].filter(Boolean).join('/');
  }

  /** The current objects, in key order so snapshots are deterministic. */
  list(): KubeObject[] {
    return [...this.objects.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, o]) => o);
  }

  get synced(): boolean {
    return this.syncedOnce;
  }

  whenSynced(): Promise<void> {
    return this.syncedOnce ? Promise.resolve() : new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  /** Runs until `signal` aborts (returns) or something fails (throws). */
  async run(signal: AbortSignal, healthy: () => void): Promise<void> {
    const { client, info, namespace, fieldSelector } = this.options;
    const path = resourcePath(info, namespace);
    let quickEnds = 0;
    while (!signal.aborted) {
      try {
        // Health (which resets the supervisor's backoff) is a list or an event, not a mere
        // attempt: a watch that fails at once every time must keep backing off.
        if (!this.resourceVersion) {
          await this.relist(path, signal);
          healthy();
        }
        const started = Date.now();
        const eventsBefore = this.eventCount;
        await client.watch(
          path,
          {
            resourceVersion: this.resourceVersion,
            allowWatchBookmarks: true,
            fieldSelector,
            timeoutSeconds: this.options.watchTimeoutSeconds ?? 300 + Math.floor(Math.random() * 300),
          },
          (event) => {
            this.apply(event);
            healthy();
          },
          signal,
        );
        // A server (or proxy) that keeps ending watches at once must not make us spin.
        quickEnds = Date.now() - started < 1000 && this.eventCount === eventsBefore ? quickEnds + 1 : 0;
        if (quickEnds > 1) await sleep(Math.min(30_000, 100 * 2 ** quickEnds), undefined, { signal });
      } catch (err) {
        if (signal.aborted) return;
        if (!(err instanceof KubeApiError && err.status === 410)) throw err;
        this.resourceVersion = ''; // expired: the next pass re-lists
      }
    }
  }

  private async relist(path: string, signal: AbortSignal): Promise<void> {
    const list = await this.options.client.request<{
      metadata?: { resourceVersion?: string };
      items?: unknown[];
    }>('GET', path, { query: { fieldSelector: this.options.fieldSelector }, signal });
    const fresh = new Map<string, KubeObject>();
    for (const raw of list.items ?? []) {
      const obj = this.normalize(raw);
      if (obj) fresh.set(keyOf(obj), obj);
    }
    let changed = fresh.size !== this.objects.size;
    for (const [key, obj] of fresh)
      if (this.objects.get(key)?.metadata.resourceVersion !== obj.metadata.resourceVersion) changed = true;
    this.objects.clear();
    for (const [key, obj] of fresh) this.objects.set(key, obj);
    this.resourceVersion = list.metadata?.resourceVersion ?? '';
    if (!this.syncedOnce) {
      this.syncedOnce = true;
      for (const resolve of this.syncWaiters.splice(0)) resolve();
    }
    if (changed) this.options.onChange();
  }

  private apply(event: WatchEvent): void {
    this.eventCount++;
    if (event.type === 'ERROR') {
      const status = event.object as { code?: unknown; reason?: unknown; message?: unknown };
      const code = typeof status.code === 'number' ? status.code : 500;
      throw new KubeApiError(
        code,
        String(status.reason ?? 'Unknown'),
        `watch ${this.name}: ${String(status.message)}`,
      );
    }
    const rv = (event.object.metadata as { resourceVersion?: unknown } | undefined)?.resourceVersion;
    if (event.type !== 'BOOKMARK') {
      const obj = this.normalize(event.object);
      if (obj) {
        const key = keyOf(obj);
        if (event.type === 'DELETED') {
          if (this.objects.delete(key)) this.options.onChange();
        } else if (this.objects.get(key)?.metadata.resourceVersion !== obj.metadata.resourceVersion) {
          this.objects.set(key, obj);
          this.options.onChange();
        }
      }
    }
    if (typeof rv === 'string' && rv) this.resourceVersion = rv;
  }

  /** List items of built-in kinds come without kind/apiVersion; managedFields is large and unused. */
  private normalize(raw: unknown): KubeObject | undefined {
    if (typeof raw !== 'object' || raw === null) return undefined;
    const obj = raw as KubeObject;
    if (typeof obj.metadata?.name !== 'string') return undefined;
    const { info, kind } = this.options;
    obj.kind = kind;
    obj.apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
    delete obj.metadata.managedFields;
    return obj;
  }
}

function keyOf(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}

// Writes computed status to the API server through the /status subresource, only on the
// leader and only when it differs from what is stored, so a steady state costs reads, not
// writes (and no watch events that would trigger another reconcile). A 409 means someone
// changed the object in between: re-read and try again. A 404 means it is gone: skip.
// Conditions that kept their status keep their stored lastTransitionTime (transition-times.ts).
// Two writers may share one status (AIBudget: conditions from translate, usage from the usage
// writer); status-merge.ts decides what each update owns, so neither erases the other.
import { isDeepStrictEqual } from 'node:util';
import { KINDS, type Kind } from '../../api';
import type { Logger } from '../../../lib/log';
import { describeError, k8s, statusOf, type ClientNode } from './k8s';
import { requireLoaded, type KubeConfig } from './kubeconfig';
import { mergeStatus, type MergeableUpdate } from './status-merge';
import { carryTransitionTimes } from './transition-times';

export interface StatusUpdate extends MergeableUpdate {
  kind: Kind;
  namespace?: string;
  name: string;
}

export interface StatusWriterOptions {
  kubeConfig: KubeConfig;
  logger: Logger;
  /** Writes happen only while this returns true (set by leader election). Default: always. */
  isLeader?: () => boolean;
  concurrency?: number;
  maxConflictRetries?: number;
}

export interface StatusWriteResult {
  written: number;
  unchanged: number;
  /** Not found, not the leader, or a kind without status. */
  skipped: number;
  failed: number;
}

export type StatusOutcome = keyof StatusWriteResult;

type Obj = { metadata: { resourceVersion?: string }; status?: unknown };

export class StatusWriter {
  private readonly api: ClientNode.CustomObjectsApi;
  private isLeader: () => boolean;

  constructor(private readonly options: StatusWriterOptions) {
    // Every kind with status is a custom resource (Gateway API, Tollgate's CRDs).
    this.api = requireLoaded(options.kubeConfig).makeApiClient(k8s.CustomObjectsApi);
    this.isLeader = options.isLeader ?? (() => true);
  }

  /** Wires the writer to leader election after both exist. */
  setLeaderCheck(isLeader: () => boolean): void {
    this.isLeader = isLeader;
  }

  async write(updates: readonly StatusUpdate[]): Promise<StatusWriteResult> {
    const result: StatusWriteResult = { written: 0, unchanged: 0, skipped: 0, failed: 0 };
    for (const outcome of await this.writeEach(updates)) result[outcome]++;
    if (result.written > 0 || result.failed > 0) this.options.logger.info(result, 'status written');
    return result;
  }

  /** Like write(), with one outcome per update (in order) and no summary log line. */
  async writeEach(updates: readonly StatusUpdate[]): Promise<StatusOutcome[]> {
    const outcomes: StatusOutcome[] = new Array<StatusOutcome>(updates.length).fill('skipped');
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < updates.length; i = next++)
        outcomes[i] = await this.writeOne(updates[i] as StatusUpdate);
    };
    const workers = Math.max(1, Math.min(this.options.concurrency ?? 8, updates.length));
    await Promise.all(Array.from({ length: workers }, worker));
    return outcomes;
  }

  /** Nothing to release: the library's requests hold no long-lived resources. Kept for callers. */
  close(): void {}

  private async writeOne(update: StatusUpdate): Promise<StatusOutcome> {
    const info = KINDS[update.kind];
    if (!info.hasStatus) return 'skipped';
    const { group, version, plural } = info;
    const namespace = info.namespaced ? update.namespace : undefined;
    const target = { group, version, plural, name: update.name };
    const read = async (): Promise<Obj> =>
      (namespace === undefined
        ? await this.api.getClusterCustomObject(target)
        : await this.api.getNamespacedCustomObject({ ...target, namespace })) as Obj;
    const replace = async (body: unknown): Promise<void> => {
      if (namespace === undefined) await this.api.replaceClusterCustomObjectStatus({ ...target, body });
      else await this.api.replaceNamespacedCustomObjectStatus({ ...target, namespace, body });
    };
    const attempts = 1 + (this.options.maxConflictRetries ?? 5);
    try {
      if (info.namespaced && !namespace) throw new Error(`${update.kind} ${update.name}: no namespace`);
      for (let attempt = 1; attempt <= attempts; attempt++) {
        if (!this.isLeader()) return 'skipped';
        const current = await read();
        // JSON round trip: drops undefined fields the server would never store. Unchanged
        // conditions keep their stored transition time, so "same status" compares equal.
        const own = { ...update, status: JSON.parse(JSON.stringify(update.status ?? null)) as unknown };
        const wanted = carryTransitionTimes(mergeStatus(update.kind, current.status, own), current.status);
        if (isDeepStrictEqual(current.status ?? null, wanted)) return 'unchanged';
        if (!this.isLeader()) return 'skipped';
        try {
          // PUT carries the resourceVersion we read: a concurrent change is a 409, not lost.
          await replace({ ...current, status: wanted });
          return 'written';
        } catch (err) {
          if (statusOf(err) !== 409 || attempt === attempts) throw err;
        }
      }
      return 'failed';
    } catch (err) {
      if (statusOf(err) === 404) return 'skipped';
      this.options.logger.warn(
        { kind: update.kind, namespace: update.namespace, name: update.name, err: describeError(err) },
        'status write failed',
      );
      return 'failed';
    }
  }
}

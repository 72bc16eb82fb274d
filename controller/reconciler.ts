// One reconcile for everything: a provider hands over a whole Resources snapshot, the world
// is marked dirty, and a debounced pass runs translate() -> toXds() -> snapshots per Envoy
// node (and the extproc document) -> the ADS cache. The event never names a resource. The
// cache versions by content hash, so an unchanged snapshot is never re-pushed.
import type { Logger } from '../lib/log';
import type { Resources } from './provider/resources';
import type { ExtprocTarget, IR } from './ir/types';
import type { StatusUpdate } from './translate/status';
import { translate } from './translate';
import { toXds, xdsSnapshotFor } from './xds';
import type { SnapshotCache } from './server/snapshot';
import { processorConfigResource } from './server/processor-config';
import { EXTPROC_NODE_CLUSTER, PROCESSOR_CONFIG_TYPE_URL } from '../extproc/config/schema';

export interface ReconcilerOptions {
  cache: SnapshotCache;
  extproc: ExtprocTarget;
  logger: Logger;
  debounceMs?: number;
  /** Called after each pass with every computed status (the writer skips unchanged ones). */
  onStatuses?: (updates: StatusUpdate[]) => void;
  /** Called after each pass with the IR (e.g. to provision data planes per Gateway). */
  onIR?: (ir: IR) => void;
  now?: () => string;
}

export interface ReconcileResult {
  ir: IR;
  statuses: StatusUpdate[];
  /** Node clusters whose snapshot changed in this pass. */
  changed: string[];
  durationMs: number;
}

export class Reconciler {
  private resources: Resources | undefined;
  private timer: NodeJS.Timeout | undefined;
  private knownNodes = new Set<string>();
  last: ReconcileResult | undefined;

  constructor(private readonly options: ReconcilerOptions) {}

  /** Replaces the world and schedules one debounced reconcile. */
  update(resources: Resources): void {
    this.resources = resources;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.reconcileNow();
    }, this.options.debounceMs ?? 50);
  }

  /** Runs a pass immediately; never throws (a failed pass keeps the last pushed snapshots). */
  reconcileNow(): ReconcileResult | undefined {
    if (!this.resources) return undefined;
    const started = performance.now();
    try {
      const now = this.options.now?.() ?? new Date().toISOString();
      const { ir, statuses } = translate(this.resources, { extproc: this.options.extproc, now });
      const changed: string[] = [];
      const nodes = new Set<string>();
      for (const [gatewayKey, resources] of toXds(ir)) {
        nodes.add(gatewayKey);
        if (this.options.cache.setSnapshot(gatewayKey, xdsSnapshotFor(resources))) changed.push(gatewayKey);
      }
      const processor = processorConfigResource(ir.processor);
      const processorSnapshot = new Map([
        [PROCESSOR_CONFIG_TYPE_URL, new Map([[processor.name, processor.resource]])],
      ]);
      if (this.options.cache.setSnapshot(EXTPROC_NODE_CLUSTER, processorSnapshot))
        changed.push(EXTPROC_NODE_CLUSTER);
      // A Gateway that disappeared keeps no listeners: its proxies get an empty snapshot.
      for (const gone of this.knownNodes) {
        if (!nodes.has(gone) && this.options.cache.setSnapshot(gone, new Map())) changed.push(gone);
      }
      this.knownNodes = nodes;
      const result = { ir, statuses, changed, durationMs: performance.now() - started };
      this.last = result;
      this.options.logger.info(
        { gateways: ir.gateways.length, changed, ms: Math.round(result.durationMs * 10) / 10 },
        'reconciled',
      );
      this.options.onIR?.(ir);
      this.options.onStatuses?.(statuses);
      return result;
    } catch (err) {
      this.options.logger.error({ err }, 'reconcile failed; keeping the last good snapshots');
      return undefined;
    }
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

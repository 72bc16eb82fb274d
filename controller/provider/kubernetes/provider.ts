// The Kubernetes provider: one supervised informer per kind in KINDS (per namespace when the
// controller is limited to some), every event marks the world dirty, and one debounced pass
// builds a whole Resources snapshot for onChange. Nothing is delivered before every informer
// has listed once, so the translator never sees a half-loaded world and removes routes.
import { setMaxListeners } from 'node:events';
import { KINDS, type Kind, type KindInfo } from '../../api';
import type { Logger } from '../../../lib/log';
import { addObject, emptyResources, type Resources } from '../resources';
import { Informer } from './informer';
import { requireLoaded, type KubeConfig } from './kubeconfig';
import { supervise } from './supervisor';

/**
 * Only these Secret types carry what Tollgate reads (upstream API keys, TLS certificates, client
 * API key hashes of AIClientPolicy). Filtering on
 * the server keeps service-account tokens, Helm release blobs and the like out of memory.
 */
export const SECRET_TYPES = ['Opaque', 'kubernetes.io/tls', 'tollgate.dev/api-key'] as const;

export interface KubernetesProviderOptions {
  kubeConfig: KubeConfig;
  /** Watch only these namespaces (cluster-scoped kinds are always watched). Default: all. */
  namespaces?: string[];
  debounceMs?: number;
  onChange: (resources: Resources) => void | Promise<void>;
  logger: Logger;
  /** Supervisor backoff bounds; tests shorten them. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  watchTimeoutSeconds?: number;
  /** How soon after its start a watch's end counts as "at once" (see informer.ts). */
  quickWatchEndMs?: number;
}

export interface KubernetesProvider {
  close(): void;
  /** Resolves once every informer has listed; rejects if closed before that. */
  synced: Promise<void>;
}

export function startKubernetesProvider(options: KubernetesProviderOptions): KubernetesProvider {
  const { logger, debounceMs = 100 } = options;
  const kubeConfig = requireLoaded(options.kubeConfig);
  const abort = new AbortController();
  const namespaces = options.namespaces && options.namespaces.length > 0 ? options.namespaces : [undefined];
  const informers: Informer[] = [];
  let dirty = false;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let allSynced = false;

  const schedule = (delayMs: number): void => {
    if (!allSynced || timer || running || abort.signal.aborted) return;
    timer = setTimeout(() => void deliver(), delayMs);
  };
  const markDirty = (): void => {
    dirty = true;
    schedule(debounceMs);
  };
  const deliver = async (): Promise<void> => {
    timer = undefined;
    if (!dirty || abort.signal.aborted) return;
    dirty = false;
    running = true;
    try {
      await options.onChange(snapshot(informers));
    } catch (err) {
      logger.error({ err: err instanceof Error ? err.message : String(err) }, 'onChange failed');
    } finally {
      running = false;
      if (dirty) schedule(debounceMs); // events that arrived during onChange
    }
  };

  for (const [kind, info] of Object.entries(KINDS) as [Kind, KindInfo][]) {
    const scopes = info.namespaced ? namespaces : [undefined];
    const selectors = kind === 'Secret' ? SECRET_TYPES.map((t) => `type=${t}`) : [undefined];
    for (const namespace of scopes)
      for (const fieldSelector of selectors)
        informers.push(
          new Informer({
            kubeConfig,
            kind,
            info,
            namespace,
            fieldSelector,
            onChange: markDirty,
            watchTimeoutSeconds: options.watchTimeoutSeconds,
            quickEndMs: options.quickWatchEndMs,
          }),
        );
  }
  // Each informer's run and its supervisor's backoff sleep listen on the one abort signal.
  setMaxListeners(informers.length * 2 + 10, abort.signal);
  for (const informer of informers)
    void supervise((signal, healthy) => informer.run(signal, healthy), {
      name: informer.name,
      logger,
      signal: abort.signal,
      minBackoffMs: options.minBackoffMs,
      maxBackoffMs: options.maxBackoffMs,
    });

  const closed = new Promise<never>((_, reject) =>
    abort.signal.addEventListener('abort', () =>
      reject(new Error('Kubernetes provider closed before it synced')),
    ),
  );
  const synced = Promise.race([Promise.all(informers.map((i) => i.whenSynced())), closed]).then(() => {
    allSynced = true;
    dirty = true;
    logger.info({ informers: informers.length }, 'Kubernetes informers synced');
    schedule(0);
  });
  synced.catch(() => undefined); // a caller that never awaits `synced` must not crash the process on close

  return {
    synced,
    close() {
      if (abort.signal.aborted) return;
      abort.abort();
      clearTimeout(timer);
      timer = undefined;
    },
  };
}

function snapshot(informers: Informer[]): Resources {
  const resources = emptyResources();
  for (const informer of informers) for (const obj of informer.list()) addObject(resources, obj);
  return resources;
}

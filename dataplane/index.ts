// The built-in data plane: the subset of Envoy that Tollgate's own xDS uses, for local mode and
// tests. It subscribes to the controller's ADS as node {id, cluster: gateway key}, applies each
// warm snapshot (clusters first, then listeners, as Envoy's init manager orders them) and
// serves HTTP/1.1 per the rendered listeners, routes and clusters. See docs/architecture.md.
import { closeExtProcClients } from './ext-proc/grpc-stream';
import type { Logger } from '../lib/log';
import { AdsClient, type AdsClientOptions } from './ads-client';
import { missingResources, type Snapshot } from './config/snapshot';
import type { ListenerConfig, RouteTable } from './config/types';
import type { ExtProcSessionFactory } from './ext-proc/types';
import { ListenerManager } from './http/listeners';
import { KeySets, type KeySetOptions } from './jwt/key-sets';
import { handleStream, type StreamContext } from './http/stream';
import { ClusterManager } from './upstream/cluster-manager';

export interface DataplaneOptions {
  /** The ADS server: "host:port" or "unix:/path". */
  ads: string;
  nodeId: string;
  /** node.cluster: the Gateway key "namespace/name". */
  gatewayKey: string;
  /** Overrides every listener's address (local mode binds 127.0.0.1). */
  bindAddress?: string;
  /** Overrides a listener's port (tests return 0 for an ephemeral port). */
  portOverride?: (listenerName: string, port: number) => number;
  extProcFactory: ExtProcSessionFactory;
  logger: Logger;
  /** Envoy's initial_fetch_timeout: apply anyway when RDS/EDS/SDS do not arrive (default 15 s). */
  initialFetchTimeoutMs?: number;
  /** Random source for weighted clusters, load balancing and back-off (tests may fix it). */
  random?: () => number;
  /** mTLS to the controller's ADS server (default insecure) and the name its cert must carry. */
  adsCredentials?: AdsClientOptions['credentials'];
  adsServerName?: string;
  /** jwt_authn key sets (tests shorten the unknown-kid refetch cooldown). */
  jwks?: KeySetOptions;
}

export interface Dataplane {
  /** Resolves once the first configuration has been applied and listeners are serving. */
  ready: Promise<void>;
  listeners(): { name: string; port: number }[];
  close(): Promise<void>;
}

const EMPTY_TABLE: RouteTable = { name: '', virtualHosts: [], ignorePortInHostMatching: false };

export async function startDataplane(options: DataplaneOptions): Promise<Dataplane> {
  const { logger } = options;
  const clusters = new ClusterManager(logger);
  let applied: Snapshot | undefined;
  const ctx: StreamContext = {
    clusters,
    logger,
    random: options.random ?? Math.random,
    extProcFactory: options.extProcFactory,
    keySets: new KeySets(options.jwks),
    resolveCluster: (name) => clusters.resolveCluster(name),
    routeTable: (listener: ListenerConfig) =>
      listener.hcm.routes.kind === 'inline'
        ? listener.hcm.routes.table
        : (applied?.route.get(listener.hcm.routes.name) ?? EMPTY_TABLE),
  };
  const listeners = new ListenerManager({
    bindAddress: options.bindAddress,
    portOverride: options.portOverride,
    logger,
    handler: (listener, scheme, req, res) => void handleStream(ctx, listener, scheme, req, res),
  });

  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let latest: Snapshot | undefined;
  let chain = Promise.resolve();
  let warmingTimer: NodeJS.Timeout | undefined;
  let closed = false;

  const apply = async (force: boolean): Promise<void> => {
    const snapshot = latest;
    if (!snapshot || closed || snapshot === applied) return;
    const missing = missingResources(snapshot);
    if (missing.length > 0 && !force) {
      // Warming: wait for the dependencies, but no longer than initial_fetch_timeout.
      warmingTimer ??= setTimeout(() => {
        warmingTimer = undefined;
        logger.warn(
          { missing: missingResources(latest ?? snapshot) },
          'initial fetch timeout: applying without them',
        );
        schedule(true);
      }, options.initialFetchTimeoutMs ?? 15_000);
      return;
    }
    clearTimeout(warmingTimer);
    warmingTimer = undefined;
    try {
      await clusters.update(snapshot.cluster, snapshot.endpoint);
      applied = snapshot;
      await listeners.update(snapshot.listener, snapshot.secret);
      // jwt_authn async_fetch: remote JWKS are fetched as the listener starts, not on first use.
      for (const listener of snapshot.listener.values()) ctx.keySets.prefetch(listener.hcm.jwtAuthn);
      markReady();
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'applying the configuration failed');
    }
  };
  const schedule = (force: boolean): void => {
    chain = chain.then(() => apply(force));
  };

  const ads = new AdsClient({
    target: options.ads,
    nodeId: options.nodeId,
    cluster: options.gatewayKey,
    logger,
    credentials: options.adsCredentials,
    serverName: options.adsServerName,
    onUpdate: (snapshot) => {
      // Like Envoy's init manager: nothing is served before the first LDS and CDS arrived.
      if (!ads.initialized()) return;
      latest = snapshot;
      schedule(false);
    },
  });
  ads.start();

  return {
    ready,
    listeners: () => listeners.list(),
    close: async () => {
      closed = true;
      clearTimeout(warmingTimer);
      ads.close();
      await chain;
      await listeners.close();
      clusters.close();
      closeExtProcClients();
    },
  };
}

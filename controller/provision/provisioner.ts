// Provisions Envoy per Gateway (Kubernetes provider only). Level-triggered: every pass takes
// the latest Resources snapshot, computes what every Gateway of our classes should have,
// lists what we own (by label), creates/replaces what differs (by spec hash), deletes what no
// Gateway of ours wants any more, and observes Deployments and Services for Gateway status.
// Passes are serialized; an update during a pass runs one more pass after it. Deployments are
// not watched: while any proxy is not yet available the pass re-runs every `requeueMs`, and a
// resync every `resyncMs` catches later changes (a pod crash turning a Deployment unavailable).
// Only the leader writes; the other replicas stay idle until they lead.
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from '../../lib/log';
import type { Resources } from '../provider/resources';
import type { KubeObject } from '../provider/kubernetes/lister';
import type { ManagedKind, ObjectClient } from '../provider/kubernetes/objects';
import { describeError } from '../provider/kubernetes/k8s';
import { applyObject, type ApplyOutcome } from './apply';
import { desiredFor, type DesiredGateway } from './desired';
import { MANAGED_SELECTOR } from './names';
import { isAvailable, observe, type GatewayObservation } from './observe';
import { ownedGateways } from './params';
import type { ProvisionSettings } from './settings';

export interface ProvisionerOptions {
  client: ObjectClient;
  settings: ProvisionSettings;
  logger: Logger;
  /** Limit to these namespaces (as the provider's --namespace). Default: all. */
  namespaces?: string[];
  isLeader?: () => boolean;
  /** Ensures the xDS client certificate Secret in a namespace; returns its certificate PEM. */
  clientCertFor?: (namespace: string) => Promise<string | undefined>;
  /** Called when what the cluster says about some Gateway's proxies changed. */
  onObserved?: (observed: ReadonlyMap<string, GatewayObservation>) => void;
  requeueMs?: number;
  resyncMs?: number;
}

export type PassResult = Record<ApplyOutcome | 'deleted' | 'failed', number>;

const KINDS: readonly ManagedKind[] = ['ConfigMap', 'Deployment', 'Service'];
const keyOf = (kind: string, namespace: string | undefined, name: string): string =>
  `${kind}/${namespace ?? ''}/${name}`;

export class Provisioner {
  private resources: Resources | undefined;
  private observations = new Map<string, GatewayObservation>();
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  last: PassResult | undefined;

  constructor(private readonly options: ProvisionerOptions) {}

  /** Replaces the world and runs a pass (after the current one, if any). */
  update(resources: Resources): void {
    this.resources = resources;
    this.kick();
  }

  /** Runs a pass with the last world (leadership gained, requeue, resync). */
  kick(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => (this.running = undefined));
  }

  /** Resolves once no pass is running or queued. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  observed(): ReadonlyMap<string, GatewayObservation> {
    return this.observations;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      await this.pass();
    } while (this.again && !this.closed);
  }

  private async pass(): Promise<void> {
    const { resources } = this;
    const { logger, settings, client } = this.options;
    clearTimeout(this.timer);
    if (!resources || this.closed || !(this.options.isLeader?.() ?? true)) return;
    const result: PassResult = { created: 0, replaced: 0, unchanged: 0, deleted: 0, failed: 0 };
    let allAvailable = true;
    try {
      const desired: DesiredGateway[] = [];
      for (const owned of ownedGateways(resources, settings.controllerNamespace)) {
        if (owned.params.problem)
          logger.warn(
            { gateway: owned.gateway.metadata.name, problem: owned.params.problem },
            'using proxy defaults',
          );
        const namespace = owned.gateway.metadata.namespace ?? 'default';
        const clientCert = settings.xdsTls ? await this.options.clientCertFor?.(namespace) : undefined;
        desired.push(desiredFor(owned, settings, { clientCert }));
      }
      const existing = await this.listOwned();
      const wanted = new Set<string>();
      const seen = new Map(existing);
      for (const gateway of desired) {
        for (const item of gateway.objects) {
          const key = keyOf(item.kind, gateway.namespace, gateway.name);
          wanted.add(key);
          try {
            const { outcome, object } = await applyObject(client, item, existing.get(key));
            result[outcome]++;
            seen.set(key, object);
          } catch (err) {
            result.failed++;
            logger.warn(
              { kind: item.kind, gateway: gateway.key, err: describeError(err) },
              'provisioning write failed',
            );
          }
        }
      }
      for (const [key, object] of existing) {
        if (wanted.has(key)) continue;
        const kind = key.split('/')[0] as ManagedKind;
        try {
          await client.delete(kind, object.metadata.namespace as string, object.metadata.name);
          result.deleted++;
        } catch (err) {
          result.failed++;
          logger.warn(
            { kind, object: object.metadata.name, err: describeError(err) },
            'provisioning delete failed',
          );
        }
      }
      const observations = new Map<string, GatewayObservation>();
      for (const gateway of desired) {
        const o = observe(
          seen.get(keyOf('Deployment', gateway.namespace, gateway.name)),
          seen.get(keyOf('Service', gateway.namespace, gateway.name)),
        );
        observations.set(gateway.key, o);
        if (!isAvailable(o)) allAvailable = false;
      }
      if (!isDeepStrictEqual(observations, this.observations)) {
        this.observations = observations;
        this.options.onObserved?.(observations);
      }
    } catch (err) {
      result.failed++;
      allAvailable = false;
      logger.warn({ err: describeError(err) }, 'provisioning pass failed; retrying');
    }
    this.last = result;
    if (result.created + result.replaced + result.deleted + result.failed > 0)
      logger.info(result, 'provisioned');
    const delay =
      allAvailable && result.failed === 0
        ? (this.options.resyncMs ?? 60_000)
        : (this.options.requeueMs ?? 5000);
    if (!this.closed) {
      this.timer = setTimeout(() => this.kick(), delay);
      this.timer.unref();
    }
  }

  /** Everything we own, keyed by kind/namespace/name. */
  private async listOwned(): Promise<Map<string, KubeObject>> {
    const { client, namespaces } = this.options;
    const scopes = namespaces && namespaces.length > 0 ? namespaces : [undefined];
    const out = new Map<string, KubeObject>();
    for (const kind of KINDS)
      for (const namespace of scopes)
        for (const object of await client.list(kind, MANAGED_SELECTOR, namespace))
          out.set(keyOf(kind, object.metadata.namespace, object.metadata.name), object);
    return out;
  }
}

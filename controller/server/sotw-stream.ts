// One state-of-the-world ADS stream (StreamAggregatedResources), per Envoy's xds_protocol:
// a request with a nonce that is not the latest one we sent for its type is stale and ignored;
// a current one ACKs (no error_detail) or NACKs (error_detail) that response. We respond to a
// type only when what the client holds (version and subscribed names) differs from the
// snapshot. Ordering: types are walked in PUSH_ORDER and the walk stops at a type whose last
// response is still unanswered, so e.g. a new LDS version goes out only after the client has
// answered (ACK or NACK) the CDS/EDS responses before it, not merely after they were sent.
import type * as grpc from '@grpc/grpc-js';
import type { DiscoveryRequest__Output } from '../../gen/protos/envoy/service/discovery/v3/DiscoveryRequest';
import type { DiscoveryResponse } from '../../gen/protos/envoy/service/discovery/v3/DiscoveryResponse';
import { inPushOrder, WILDCARD_TYPES } from './resource-types';
import type { StreamNode } from './node';
import { AdsStream } from './stream-base';

export type SotwCall = grpc.ServerDuplexStream<DiscoveryRequest__Output, DiscoveryResponse>;

interface TypeState {
  /** null: wildcard; otherwise the subscribed names (empty: unsubscribed). */
  names: string[] | null;
  /** What the client holds: the version and names of the last response (or what it told us). */
  version?: string;
  namesKey?: string;
  /** Nonce of the last response; awaiting while the client has not answered it. */
  nonce?: string;
  awaiting: boolean;
  /** Named resources were requested once: an empty list then unsubscribes (no legacy wildcard). */
  named: boolean;
}

export class SotwStream extends AdsStream<DiscoveryRequest__Output, DiscoveryResponse> {
  private readonly types = new Map<string, TypeState>();

  protected onRequest(request: DiscoveryRequest__Output, typeUrl: string): void {
    let state = this.types.get(typeUrl);
    if (!state) {
      state = { names: [], awaiting: false, named: false };
      this.types.set(typeUrl, state);
    }
    const nonce = request.response_nonce ?? '';
    // A nonce from before this stream (state.nonce unset) is treated like a first request.
    if (nonce && state.nonce !== undefined) {
      if (nonce !== state.nonce) {
        this.logger.debug({ typeUrl, nonce, latest: state.nonce }, 'stale nonce ignored');
        return;
      }
      state.awaiting = false;
      this.answered(typeUrl, state, request);
    }
    const requested = request.resource_names ?? [];
    state.names = subscription(typeUrl, requested, state.named);
    state.named ||= requested.some((n) => n !== '*');
    if (state.nonce === undefined && request.version_info) {
      // A reconnecting client already holds this version for these names: do not resend it.
      state.version = request.version_info;
      state.namesKey = namesKey(state.names);
    }
    this.push();
  }

  private answered(typeUrl: string, state: TypeState, request: DiscoveryRequest__Output): void {
    const node = this.node as StreamNode;
    const base = { protocol: 'sotw' as const, nodeId: node.id, nodeCluster: node.cluster, typeUrl };
    if (request.error_detail) {
      const message = request.error_detail.message ?? '';
      const rejectedVersion = state.version ?? '';
      this.logger.warn({ ...base, rejectedVersion, message }, 'xDS NACK');
      this.hooks.nack({
        ...base,
        rejectedVersion,
        nonce: state.nonce ?? '',
        message,
        at: new Date().toISOString(),
      });
    } else {
      this.hooks.ack({ ...base, version: request.version_info ?? '', nonce: state.nonce ?? '' });
    }
  }

  /** Sends, in dependency order, every type whose client state differs from the snapshot. */
  protected push(): void {
    if (!this.node) return;
    const snapshot = this.cache.getSnapshot(this.node.cluster);
    if (!snapshot) return;
    for (const typeUrl of inPushOrder(this.types.keys())) {
      const state = this.types.get(typeUrl) as TypeState;
      if (state.awaiting) return;
      if (state.names !== null && state.names.length === 0) continue;
      const current = snapshot.ofType(typeUrl);
      const key = namesKey(state.names);
      if (state.version === current.version && state.namesKey === key) continue;
      const resources =
        state.names === null
          ? [...current.resources.values()]
          : state.names.flatMap((name) => current.resources.get(name) ?? []);
      const nonce = String(++this.nonceCounter);
      this.call.write({
        version_info: current.version,
        type_url: typeUrl,
        nonce,
        resources: resources.map((r) => r.any),
      });
      Object.assign(state, { version: current.version, namesKey: key, nonce, awaiting: true });
      return;
    }
  }
}

/** null for a wildcard: "*", or (legacy) an empty list on LDS/CDS before any named request. */
function subscription(typeUrl: string, names: string[], named: boolean): string[] | null {
  if (names.includes('*') || (WILDCARD_TYPES.has(typeUrl) && names.length === 0 && !named)) return null;
  return [...new Set(names)].filter((n) => n !== '*');
}

function namesKey(names: string[] | null): string {
  return names === null ? '*' : [...names].sort().join('\n');
}

// One incremental ADS stream (DeltaAggregatedResources), per Envoy's xds_protocol: the client
// subscribes and unsubscribes names (or "*" for the wildcard of LDS/CDS, also implied by an
// empty first subscription), tells us what it already holds (initial_resource_versions), and
// ACKs/NACKs each response by nonce. We send only resources whose version differs from the
// one the client holds, and removed_resources for those it holds that are gone. A NACKed
// version is not re-sent until the snapshot changes. Same ordering rule as SotW: a type waits
// while a type before it in PUSH_ORDER has an unanswered response.
import type * as grpc from '@grpc/grpc-js';
import type { DeltaDiscoveryRequest__Output } from '../../gen/protos/envoy/service/discovery/v3/DeltaDiscoveryRequest';
import type { DeltaDiscoveryResponse } from '../../gen/protos/envoy/service/discovery/v3/DeltaDiscoveryResponse';
import type { TypeSnapshot } from './snapshot';
import { inPushOrder, WILDCARD_TYPES } from './resource-types';
import type { StreamNode } from './node';
import { AdsStream } from './stream-base';

export type DeltaCall = grpc.ServerDuplexStream<DeltaDiscoveryRequest__Output, DeltaDiscoveryResponse>;

interface DeltaTypeState {
  wildcard: boolean;
  names: Set<string>;
  /** name -> the version the client holds (told us, or we sent). */
  known: Map<string, string>;
  nonce?: string;
  /** system_version_info of the response awaiting an answer. */
  sentVersion?: string;
  awaiting: boolean;
}

export class DeltaStream extends AdsStream<DeltaDiscoveryRequest__Output, DeltaDiscoveryResponse> {
  private readonly types = new Map<string, DeltaTypeState>();

  protected onRequest(request: DeltaDiscoveryRequest__Output, typeUrl: string): void {
    const subscribe = request.resource_names_subscribe ?? [];
    let state = this.types.get(typeUrl);
    if (!state) {
      const wildcard = WILDCARD_TYPES.has(typeUrl) && (subscribe.length === 0 || subscribe.includes('*'));
      state = { wildcard, names: new Set(), known: new Map(), awaiting: false };
      for (const [name, version] of Object.entries(request.initial_resource_versions ?? {})) {
        state.known.set(name, version);
      }
      this.types.set(typeUrl, state);
    }
    const nonce = request.response_nonce ?? '';
    if (nonce && nonce === state.nonce && state.awaiting) {
      state.awaiting = false;
      this.answered(typeUrl, state, request);
    }
    for (const name of subscribe) {
      if (name === '*') state.wildcard = true;
      else state.names.add(name);
    }
    for (const name of request.resource_names_unsubscribe ?? []) {
      if (name === '*') state.wildcard = false;
      else {
        state.names.delete(name);
        state.known.delete(name);
      }
    }
    this.push();
  }

  private answered(typeUrl: string, state: DeltaTypeState, request: DeltaDiscoveryRequest__Output): void {
    const node = this.node as StreamNode;
    const base = { protocol: 'delta' as const, nodeId: node.id, nodeCluster: node.cluster, typeUrl };
    const nonce = state.nonce ?? '';
    if (request.error_detail) {
      const message = request.error_detail.message ?? '';
      const rejectedVersion = state.sentVersion ?? '';
      this.logger.warn({ ...base, rejectedVersion, message }, 'xDS NACK (delta)');
      this.hooks.nack({ ...base, rejectedVersion, nonce, message, at: new Date().toISOString() });
    } else {
      this.hooks.ack({ ...base, version: state.sentVersion ?? '', nonce });
    }
  }

  protected push(): void {
    if (!this.node) return;
    const snapshot = this.cache.getSnapshot(this.node.cluster);
    if (!snapshot) return;
    for (const typeUrl of inPushOrder(this.types.keys())) {
      const state = this.types.get(typeUrl) as DeltaTypeState;
      if (state.awaiting) return;
      const current = snapshot.ofType(typeUrl);
      const response = diff(state, current);
      if (response.resources.length === 0 && response.removed.length === 0) continue;
      const nonce = `d${++this.nonceCounter}`;
      this.call.write({
        system_version_info: current.version,
        type_url: typeUrl,
        nonce,
        resources: response.resources.map((r) => ({ name: r.name, version: r.version, resource: r.any })),
        removed_resources: response.removed,
      });
      for (const r of response.resources) state.known.set(r.name, r.version);
      for (const name of response.removed) state.known.delete(name);
      Object.assign(state, { nonce, sentVersion: current.version, awaiting: true });
      return;
    }
  }
}

function diff(state: DeltaTypeState, current: TypeSnapshot) {
  const wanted = (name: string): boolean => state.wildcard || state.names.has(name);
  const resources = [...current.resources.values()].filter(
    (r) => wanted(r.name) && state.known.get(r.name) !== r.version,
  );
  const removed = [...state.known.keys()].filter((name) => !current.resources.has(name)).sort();
  return { resources, removed };
}

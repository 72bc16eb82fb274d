// The snapshot cache: the xDS resources every Envoy node.cluster (a Gateway key, or
// "tollgate-extproc") should have. Resources are encoded to Any once when a snapshot is set,
// not once per stream; each resource's version is a hash of its bytes and each type's version
// a hash of its (name, version) pairs, so setting an unchanged snapshot changes nothing and
// pushes nothing. A type missing from a snapshot means "no resources of that type".
// Encoding is memoized per node cluster (memo-encoder.ts): content already encoded by the
// previous snapshot is reused, and a resource whose bytes did not change keeps its version
// without being hashed again, so a pass costs in proportion to what changed.
import type { ProtoObject } from '../../lib/protos';
import { contentVersion } from '../../extproc/config/version';
import { MemoEncoder, type EncodingMemo } from './memo-encoder';

export interface EncodedResource {
  name: string;
  version: string;
  any: { type_url: string; value: Buffer };
}

export interface TypeSnapshot {
  version: string;
  resources: ReadonlyMap<string, EncodedResource>;
}

/** A node cluster's resources, encoded and versioned. */
export class Snapshot {
  constructor(private readonly types: ReadonlyMap<string, TypeSnapshot>) {}

  /** The resources of one type; empty (with the empty set's version) if the snapshot has none. */
  ofType(typeUrl: string): TypeSnapshot {
    return this.types.get(typeUrl) ?? EMPTY_TYPE;
  }

  typeUrls(): string[] {
    return [...this.types.keys()];
  }
}

const EMPTY_TYPE: TypeSnapshot = { version: typeVersion([]), resources: new Map() };

export type SnapshotListener = (nodeCluster: string, changedTypeUrls: string[]) => void;

export class SnapshotCache {
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly listeners = new Set<SnapshotListener>();
  private readonly memos = new Map<string, EncodingMemo>();
  /** Encoding work of the last setSnapshot: leaf messages reused vs encoded (tests, benches). */
  lastEncodeStats = { hits: 0, misses: 0 };

  /**
   * Replaces the snapshot of a node cluster. Returns whether any type's version changed;
   * listeners hear about the changed types only. Throws (and keeps the old snapshot) when a
   * resource cannot be encoded as its type.
   */
  setSnapshot(
    nodeCluster: string,
    resources: ReadonlyMap<string, ReadonlyMap<string, ProtoObject>>,
  ): boolean {
    if (!nodeCluster) throw new Error('setSnapshot: node cluster must not be empty');
    const previous = this.snapshots.get(nodeCluster);
    const encoder = new MemoEncoder(this.memos.get(nodeCluster));
    const types = new Map<string, TypeSnapshot>();
    for (const [typeUrl, byName] of resources)
      types.set(typeUrl, encodeType(nodeCluster, typeUrl, byName, encoder, previous?.ofType(typeUrl)));
    const next = new Snapshot(types);
    const changed = changedTypes(previous, next);
    this.snapshots.set(nodeCluster, next);
    this.memos.set(nodeCluster, encoder.used);
    this.lastEncodeStats = { hits: encoder.hits, misses: encoder.misses };
    if (previous && changed.length === 0) return false;
    for (const listener of this.listeners) listener(nodeCluster, changed);
    return true;
  }

  getSnapshot(nodeCluster: string): Snapshot | undefined {
    return this.snapshots.get(nodeCluster);
  }

  nodeClusters(): string[] {
    return [...this.snapshots.keys()].sort();
  }

  /** Subscribes to snapshot changes; returns the unsubscribe function. */
  onChange(listener: SnapshotListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

function encodeType(
  nodeCluster: string,
  typeUrl: string,
  byName: ReadonlyMap<string, ProtoObject>,
  encoder: MemoEncoder,
  previous: TypeSnapshot | undefined,
): TypeSnapshot {
  const encoded = new Map<string, EncodedResource>();
  for (const name of [...byName.keys()].sort()) {
    const object = byName.get(name) as ProtoObject;
    let value: Buffer;
    try {
      value = encoder.encode(typeUrl, object);
    } catch (err) {
      throw new Error(
        `snapshot ${nodeCluster}: cannot encode ${typeUrl} "${name}": ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    const before = previous?.resources.get(name);
    // Same bytes, same resource: keep its version (and Any) instead of hashing again.
    if (before && (before.any.value === value || before.any.value.equals(value))) encoded.set(name, before);
    else encoded.set(name, { name, version: contentVersion(value), any: { type_url: typeUrl, value } });
  }
  return { version: typeVersion([...encoded.values()]), resources: encoded };
}

function typeVersion(resources: readonly EncodedResource[]): string {
  return contentVersion(resources.map((r) => `${r.name}\u0000${r.version}`).join('\n'));
}

function changedTypes(previous: Snapshot | undefined, next: Snapshot): string[] {
  const urls = new Set([...(previous?.typeUrls() ?? []), ...next.typeUrls()]);
  return [...urls].filter((url) => previous?.ofType(url).version !== next.ofType(url).version).sort();
}

// The fake API server's storage: objects of any group/plural, one global resourceVersion that
// grows with every write (etcd's revision), an event history that watches replay from, and a
// compaction point below which a resourceVersion has expired (410 Gone), as on a real cluster.
import { randomUUID } from 'node:crypto';
import type { KubeObject } from './selectors';

export interface ResourceRef {
  group: string;
  version: string;
  plural: string;
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  rv: number;
  resource: string;
  type: EventType;
  object: KubeObject;
  /** The object before this event (MODIFIED, DELETED): selectors need it to turn edits into ADDED/DELETED. */
  previous: KubeObject | undefined;
}

/** A failure the server answers with a Kubernetes Status body. */
export class ApiStatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export function resourceKey(ref: ResourceRef): string {
  return `${ref.group || 'core'}/${ref.plural}`;
}

function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/** Everything except metadata and status: a change here bumps metadata.generation. */
function specOf(obj: KubeObject): string {
  const { metadata: _m, status: _s, ...rest } = obj;
  return JSON.stringify(rest);
}

export class ObjectStore {
  private rv = 1000;
  private compactedRv = 0;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private history: StoredEvent[] = [];
  private readonly listeners = new Set<(event: StoredEvent) => void>();

  currentRv(): number {
    return this.rv;
  }

  /** Watches from a resourceVersion older than this get 410 Gone. */
  compactionPoint(): number {
    return this.compactedRv;
  }

  compact(): void {
    this.compactedRv = this.rv;
    this.history = [];
  }

  list(ref: ResourceRef, namespace?: string): KubeObject[] {
    const items = [...(this.objects.get(resourceKey(ref))?.values() ?? [])];
    return items
      .filter((o) => namespace === undefined || o.metadata.namespace === namespace)
      .map((o) => structuredClone(o));
  }

  get(ref: ResourceRef, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.objects.get(resourceKey(ref))?.get(objectKey(namespace, name));
    return found && structuredClone(found);
  }

  create(ref: ResourceRef, namespace: string | undefined, body: KubeObject): KubeObject {
    const meta = body.metadata;
    const generateName = typeof meta.generateName === 'string' ? meta.generateName : undefined;
    const name = meta.name || (generateName ? generateName + randomUUID().slice(0, 5) : '');
    if (!name)
      throw new ApiStatusError(
        422,
        'Invalid',
        'metadata.name: Required value: name or generateName is required',
      );
    const bucket = this.bucket(ref);
    if (bucket.has(objectKey(namespace, name)))
      throw new ApiStatusError(409, 'AlreadyExists', `${ref.plural} "${name}" already exists`);
    const obj: KubeObject = structuredClone(body);
    obj.metadata = {
      ...obj.metadata,
      name,
      uid: randomUUID(),
      creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      generation: 1,
      resourceVersion: String(++this.rv),
    };
    if (namespace !== undefined) obj.metadata.namespace = namespace;
    else delete obj.metadata.namespace;
    bucket.set(objectKey(namespace, name), obj);
    this.record(ref, 'ADDED', obj, undefined);
    return structuredClone(obj);
  }

  /** PUT semantics: the main resource ignores status changes, the status subresource ignores the rest. */
  replace(ref: ResourceRef, namespace: string | undefined, body: KubeObject, status: boolean): KubeObject {
    const name = body.metadata.name;
    const bucket = this.bucket(ref);
    const current = bucket.get(objectKey(namespace, name));
    if (!current) throw new ApiStatusError(404, 'NotFound', `${ref.plural} "${name}" not found`);
    const expected = body.metadata.resourceVersion;
    if (expected !== undefined && expected !== '' && expected !== current.metadata.resourceVersion)
      throw new ApiStatusError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${ref.plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    let next: KubeObject;
    if (status) {
      next = structuredClone(current);
      if (body.status === undefined) delete next.status;
      else next.status = structuredClone(body.status);
    } else {
      next = structuredClone(body);
      if (current.status === undefined) delete next.status;
      else next.status = structuredClone(current.status);
      next.metadata = {
        ...next.metadata,
        uid: current.metadata.uid,
        creationTimestamp: current.metadata.creationTimestamp,
        generation: (current.metadata.generation ?? 1) + (specOf(next) === specOf(current) ? 0 : 1),
      };
      if (namespace !== undefined) next.metadata.namespace = namespace;
    }
    if (JSON.stringify(next) === JSON.stringify({ ...current, metadata: { ...current.metadata } }))
      return structuredClone(current); // a no-op write does not bump resourceVersion, as on a real server
    next.metadata.resourceVersion = String(++this.rv);
    bucket.set(objectKey(namespace, name), next);
    this.record(ref, 'MODIFIED', next, current);
    return structuredClone(next);
  }

  delete(ref: ResourceRef, namespace: string | undefined, name: string): KubeObject {
    const bucket = this.bucket(ref);
    const current = bucket.get(objectKey(namespace, name));
    if (!current) throw new ApiStatusError(404, 'NotFound', `${ref.plural} "${name}" not found`);
    bucket.delete(objectKey(namespace, name));
    const gone: KubeObject = structuredClone(current);
    gone.metadata.resourceVersion = String(++this.rv);
    this.record(ref, 'DELETED', gone, current);
    return structuredClone(gone);
  }

  /** Events strictly after `rv`; throws 410 Expired when `rv` is older than the compaction point. */
  eventsSince(rv: number): StoredEvent[] {
    if (rv < this.compactedRv)
      throw new ApiStatusError(410, 'Expired', `too old resource version: ${rv} (${this.compactedRv})`);
    return this.history.filter((e) => e.rv > rv);
  }

  subscribe(listener: (event: StoredEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private bucket(ref: ResourceRef): Map<string, KubeObject> {
    const key = resourceKey(ref);
    let bucket = this.objects.get(key);
    if (!bucket) this.objects.set(key, (bucket = new Map()));
    return bucket;
  }

  private record(
    ref: ResourceRef,
    type: EventType,
    object: KubeObject,
    previous: KubeObject | undefined,
  ): void {
    const event: StoredEvent = { rv: this.rv, resource: resourceKey(ref), type, object, previous };
    this.history.push(event);
    for (const listener of this.listeners) listener(event);
  }
}

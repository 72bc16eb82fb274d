// Looking objects up by namespace/name, and the ReferenceGrant rule for cross-namespace
// references (Gateway API: a reference into another namespace is allowed only when a
// ReferenceGrant in the target namespace names the source group/kind/namespace).
import type { ReferenceGrant } from '../api';

export interface Named {
  metadata: { name: string; namespace?: string | undefined };
}

export function namespaceOf(obj: Named): string {
  return obj.metadata.namespace ?? 'default';
}

/** Objects of one kind by "namespace/name". */
export class ObjectIndex<T extends Named> {
  private readonly byKey = new Map<string, T>();
  constructor(objects: readonly T[]) {
    for (const o of objects) this.byKey.set(`${namespaceOf(o)}/${o.metadata.name}`, o);
  }
  get(namespace: string, name: string): T | undefined {
    return this.byKey.get(`${namespace}/${name}`);
  }
}

export interface RefSource {
  group: string;
  kind: string;
  namespace: string;
}

export interface RefTarget {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

export function referenceAllowed(grants: readonly ReferenceGrant[], from: RefSource, to: RefTarget): boolean {
  if (from.namespace === to.namespace) return true;
  return grants.some(
    (g) =>
      namespaceOf(g) === to.namespace &&
      g.spec.from.some(
        (f) => f.group === from.group && f.kind === from.kind && f.namespace === from.namespace,
      ) &&
      g.spec.to.some(
        (t) => t.group === to.group && t.kind === to.kind && (t.name === undefined || t.name === to.name),
      ),
  );
}

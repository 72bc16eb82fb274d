// The list half of an informer, on @kubernetes/client-node's APIs: CustomObjectsApi for every
// kind in a named group (Gateway API, Tollgate's CRDs: plain JSON back), CoreV1Api and
// DiscoveryV1Api for the built-in kinds. The typed APIs turn timestamps into Date objects;
// toPlain turns them back into the server's own JSON form, so a listed object looks exactly
// like the same object from a watch event (raw JSON) and passes the same zod schemas.
import type { KindInfo } from '../../api';
import type { KubeConfig } from './kubeconfig';
import { k8s } from './k8s';

export type KubeObject = Record<string, unknown> & {
  metadata: { name: string; namespace?: string; resourceVersion?: string; [key: string]: unknown };
};

export interface KubeList {
  metadata?: { resourceVersion?: string };
  items: KubeObject[];
}

/** /api/v1/namespaces/ns/secrets and friends: where the Watch for a kind goes. */
export function resourcePath(
  info: Pick<KindInfo, 'group' | 'version' | 'plural'>,
  namespace?: string,
): string {
  const base = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
  return `${base}${namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`}/${info.plural}`;
}

/** A list call for one kind, optionally in one namespace and behind a field selector. */
export function makeLister(
  config: KubeConfig,
  kind: string,
  info: KindInfo,
  namespace: string | undefined,
  fieldSelector: string | undefined,
): () => Promise<KubeList> {
  const ns = namespace;
  switch (kind) {
    case 'Service': {
      const core = config.makeApiClient(k8s.CoreV1Api);
      return async () =>
        toPlain(
          ns === undefined
            ? await core.listServiceForAllNamespaces({ fieldSelector })
            : await core.listNamespacedService({ namespace: ns, fieldSelector }),
        ) as KubeList;
    }
    case 'Secret': {
      const core = config.makeApiClient(k8s.CoreV1Api);
      return async () =>
        toPlain(
          ns === undefined
            ? await core.listSecretForAllNamespaces({ fieldSelector })
            : await core.listNamespacedSecret({ namespace: ns, fieldSelector }),
        ) as KubeList;
    }
    case 'EndpointSlice': {
      const discovery = config.makeApiClient(k8s.DiscoveryV1Api);
      return async () =>
        toPlain(
          ns === undefined
            ? await discovery.listEndpointSliceForAllNamespaces({ fieldSelector })
            : await discovery.listNamespacedEndpointSlice({ namespace: ns, fieldSelector }),
        ) as KubeList;
    }
    default: {
      if (!info.group) throw new Error(`no list call for core kind ${kind}`);
      const custom = config.makeApiClient(k8s.CustomObjectsApi);
      const { group, version, plural } = info;
      return async () =>
        (ns === undefined
          ? await custom.listClusterCustomObject({ group, version, plural, fieldSelector })
          : await custom.listNamespacedCustomObject({
              group,
              version,
              namespace: ns,
              plural,
              fieldSelector,
            })) as KubeList;
    }
  }
}

/**
 * A typed model as the API server's JSON: metav1.Time has whole seconds ("...:05Z", where
 * Date#toISOString says "...:05.000Z"); MicroTime keeps its own microsecond form; undefined
 * fields are dropped. The models of the kinds we list use the JSON field names as property names.
 */
export function toPlain(value: unknown): unknown {
  if (value instanceof k8s.V1MicroTime) return value.toISOString();
  if (value instanceof Date) return value.toISOString().replace(/\.000Z$/, 'Z');
  if (Array.isArray(value)) return value.map(toPlain);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = toPlain(v);
  return out;
}

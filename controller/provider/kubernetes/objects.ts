// Reads and writes the objects the controller provisions and owns (Envoy Deployments, their
// Services and bootstrap ConfigMaps, the control plane's certificate Secrets) through
// @kubernetes/client-node's typed APIs, handing back plain JSON (toPlain) so callers compare
// and hash what the API server stores. Writes are get + create/replace with the read
// resourceVersion (a concurrent change is a 409 the caller retries on its next pass), not
// server-side apply: we own these objects entirely, so "replace with exactly the desired spec"
// is the semantics we want, and the fake API server in tests speaks it faithfully.
import { k8s, statusOf, type ClientNode } from './k8s';
import { requireLoaded, type KubeConfig } from './kubeconfig';
import { toPlain, type KubeObject } from './lister';

export type ManagedKind = 'Deployment' | 'Service' | 'ConfigMap' | 'Secret';

export interface ObjectClient {
  /** Objects of `kind` matching `labelSelector`, in `namespace` or in all namespaces. */
  list(kind: ManagedKind, labelSelector: string, namespace?: string): Promise<KubeObject[]>;
  /** The object, or undefined when it does not exist. */
  get(kind: ManagedKind, namespace: string, name: string): Promise<KubeObject | undefined>;
  create(kind: ManagedKind, namespace: string, body: KubeObject): Promise<KubeObject>;
  /** PUT: `body.metadata.resourceVersion` must be the one read (409 otherwise). */
  replace(kind: ManagedKind, namespace: string, body: KubeObject): Promise<KubeObject>;
  /** Deletes with background propagation (dependents go through the garbage collector); 404 is fine. */
  delete(kind: ManagedKind, namespace: string, name: string): Promise<void>;
}

type Args = { namespace: string; name: string };
type Ops = {
  listAll: (labelSelector: string) => Promise<unknown>;
  listIn: (namespace: string, labelSelector: string) => Promise<unknown>;
  read: (a: Args) => Promise<unknown>;
  create: (namespace: string, body: never) => Promise<unknown>;
  replace: (a: Args, body: never) => Promise<unknown>;
  remove: (a: Args) => Promise<unknown>;
};

function opsFor(apps: ClientNode.AppsV1Api, core: ClientNode.CoreV1Api): Record<ManagedKind, Ops> {
  const propagationPolicy = 'Background';
  return {
    Deployment: {
      listAll: (labelSelector) => apps.listDeploymentForAllNamespaces({ labelSelector }),
      listIn: (namespace, labelSelector) => apps.listNamespacedDeployment({ namespace, labelSelector }),
      read: (a) => apps.readNamespacedDeployment(a),
      create: (namespace, body) => apps.createNamespacedDeployment({ namespace, body }),
      replace: (a, body) => apps.replaceNamespacedDeployment({ ...a, body }),
      remove: (a) => apps.deleteNamespacedDeployment({ ...a, propagationPolicy }),
    },
    Service: {
      listAll: (labelSelector) => core.listServiceForAllNamespaces({ labelSelector }),
      listIn: (namespace, labelSelector) => core.listNamespacedService({ namespace, labelSelector }),
      read: (a) => core.readNamespacedService(a),
      create: (namespace, body) => core.createNamespacedService({ namespace, body }),
      replace: (a, body) => core.replaceNamespacedService({ ...a, body }),
      remove: (a) => core.deleteNamespacedService({ ...a, propagationPolicy }),
    },
    ConfigMap: {
      listAll: (labelSelector) => core.listConfigMapForAllNamespaces({ labelSelector }),
      listIn: (namespace, labelSelector) => core.listNamespacedConfigMap({ namespace, labelSelector }),
      read: (a) => core.readNamespacedConfigMap(a),
      create: (namespace, body) => core.createNamespacedConfigMap({ namespace, body }),
      replace: (a, body) => core.replaceNamespacedConfigMap({ ...a, body }),
      remove: (a) => core.deleteNamespacedConfigMap({ ...a, propagationPolicy }),
    },
    Secret: {
      listAll: (labelSelector) => core.listSecretForAllNamespaces({ labelSelector }),
      listIn: (namespace, labelSelector) => core.listNamespacedSecret({ namespace, labelSelector }),
      read: (a) => core.readNamespacedSecret(a),
      create: (namespace, body) => core.createNamespacedSecret({ namespace, body }),
      replace: (a, body) => core.replaceNamespacedSecret({ ...a, body }),
      remove: (a) => core.deleteNamespacedSecret({ ...a, propagationPolicy }),
    },
  };
}

const plain = (value: unknown): KubeObject => toPlain(value) as KubeObject;

export function kubernetesObjectClient(kubeConfig: KubeConfig): ObjectClient {
  const config = requireLoaded(kubeConfig);
  const ops = opsFor(config.makeApiClient(k8s.AppsV1Api), config.makeApiClient(k8s.CoreV1Api));
  return {
    async list(kind, labelSelector, namespace) {
      const list = (
        namespace === undefined
          ? await ops[kind].listAll(labelSelector)
          : await ops[kind].listIn(namespace, labelSelector)
      ) as { items?: unknown[] };
      return (list.items ?? []).map(plain);
    },
    async get(kind, namespace, name) {
      try {
        return plain(await ops[kind].read({ namespace, name }));
      } catch (err) {
        if (statusOf(err) === 404) return undefined;
        throw err;
      }
    },
    async create(kind, namespace, body) {
      return plain(await ops[kind].create(namespace, body as never));
    },
    async replace(kind, namespace, body) {
      return plain(await ops[kind].replace({ namespace, name: body.metadata.name }, body as never));
    },
    async delete(kind, namespace, name) {
      try {
        await ops[kind].remove({ namespace, name });
      } catch (err) {
        if (statusOf(err) !== 404) throw err;
      }
    },
  };
}

// Where the Kubernetes API is and how to authenticate: @kubernetes/client-node's KubeConfig
// (KUBECONFIG / ~/.kube/config / in-cluster service account, client certificates, tokens,
// exec and auth-provider plugins). We only add a check that it was loaded before use, so a
// forgotten load is a clear error rather than a "No active cluster" deep inside a request.
import { k8s, type ClientNode } from './k8s';

export const KubeConfig = k8s.KubeConfig;
export type KubeConfig = ClientNode.KubeConfig;

/** Throws a clear error when `config` has no current context or cluster; returns it otherwise. */
export function requireLoaded(config: KubeConfig): KubeConfig {
  const context = config.getCurrentContext();
  if (!context)
    throw new Error('KubeConfig not loaded: call loadFromDefault(), loadFromFile() or loadFromCluster()');
  if (!config.getContextObject(context))
    throw new Error(`kubeconfig: context ${JSON.stringify(context)} not found`);
  if (!config.getCurrentCluster()?.server)
    throw new Error(`kubeconfig: context ${JSON.stringify(context)} has no cluster with a server`);
  return config;
}

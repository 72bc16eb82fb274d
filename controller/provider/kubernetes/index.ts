// The Kubernetes provider's public surface: connection loading, the informer-based provider,
// status writing and leader election. See provider.ts for how events become snapshots.
export { KubeConfig, type ClusterConnection } from './kubeconfig';
export { KubeApiError, KubeClient, resourcePath } from './client';
export {
  startKubernetesProvider,
  SECRET_TYPES,
  type KubernetesProvider,
  type KubernetesProviderOptions,
} from './provider';
export {
  StatusWriter,
  type StatusUpdate,
  type StatusWriteResult,
  type StatusWriterOptions,
} from './status-writer';
export { startLeaderElection, type LeaderElection, type LeaderElectionOptions } from './leader-election';

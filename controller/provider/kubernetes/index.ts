// The Kubernetes provider's public surface: connection loading, the informer-based provider,
// status writing and leader election, all on @kubernetes/client-node. See provider.ts for how
// events become snapshots.
export { KubeConfig, requireLoaded } from './kubeconfig';
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
export { kubernetesObjectClient, type ManagedKind, type ObjectClient } from './objects';
export type { KubeObject } from './lister';

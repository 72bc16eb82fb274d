// One write decision per object: create when absent, leave alone when the stored spec-hash
// equals the desired one, otherwise replace with the stored resourceVersion (optimistic
// concurrency: a concurrent edit is a 409 and the next pass retries from a fresh read).
// A replaced Service keeps what the API server allocated (clusterIP(s), nodePorts,
// healthCheckNodePort): those fields are immutable or would be re-allocated otherwise.
import type { KubeObject } from '../provider/kubernetes/lister';
import type { ObjectClient } from '../provider/kubernetes/objects';
import type { DesiredObject } from './desired';
import { specHashOf } from './desired';

export type ApplyOutcome = 'created' | 'replaced' | 'unchanged';

type Port = { port?: number; nodePort?: number };
type ServiceSpec = {
  clusterIP?: string;
  clusterIPs?: string[];
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  healthCheckNodePort?: number;
  ports?: Port[];
  type?: string;
};

function keepAllocated(desired: KubeObject, current: KubeObject): KubeObject {
  const want = desired.spec as ServiceSpec;
  const have = (current.spec ?? {}) as ServiceSpec;
  const spec: ServiceSpec = { ...want };
  for (const field of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy'] as const)
    if (have[field] !== undefined) (spec as Record<string, unknown>)[field] = have[field];
  if (want.type !== 'ClusterIP') {
    if (have.healthCheckNodePort !== undefined) spec.healthCheckNodePort = have.healthCheckNodePort;
    spec.ports = (want.ports ?? []).map((p) => {
      const nodePort = have.ports?.find((h) => h.port === p.port)?.nodePort;
      return nodePort === undefined ? p : { ...p, nodePort };
    });
  }
  return { ...desired, spec };
}

export async function applyObject(
  client: ObjectClient,
  desired: DesiredObject,
  current: KubeObject | undefined,
): Promise<{ outcome: ApplyOutcome; object: KubeObject }> {
  const { kind, object } = desired;
  const namespace = object.metadata.namespace as string;
  if (!current) return { outcome: 'created', object: await client.create(kind, namespace, object) };
  if (specHashOf(current) === specHashOf(object)) return { outcome: 'unchanged', object: current };
  let body: KubeObject = {
    ...object,
    metadata: { ...object.metadata, resourceVersion: current.metadata.resourceVersion },
  };
  if (kind === 'Service') body = keepAllocated(body, current);
  return { outcome: 'replaced', object: await client.replace(kind, namespace, body) };
}

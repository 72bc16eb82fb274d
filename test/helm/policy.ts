// Policy checks over the chart's rendered objects, beyond schema validity: every container has
// resources, probes and a locked-down securityContext (non-root, read-only root filesystem, no
// privilege escalation, ALL capabilities dropped, RuntimeDefault seccomp); RBAC never uses
// "*"; no credential shows up in a ConfigMap or a plain env value (it must come from a Secret).
type Obj = Record<string, unknown>;

const POD_OWNERS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);
/** Looks like a credential: a URL with user:password@, or a well-known key prefix. */
const CREDENTIAL = /:\/\/[^/\s:@]+:[^/\s@]+@|\bsk-[A-Za-z0-9]{8,}|-----BEGIN [A-Z ]*PRIVATE KEY-----/;
const SECRET_KEY_NAME = /(password|passwd|secret|token|api[-_]?key|credential)/i;

function get(obj: unknown, ...keys: string[]): unknown {
  let cur = obj;
  for (const k of keys) cur = cur && typeof cur === 'object' ? (cur as Obj)[k] : undefined;
  return cur;
}

function containerProblems(podSpec: Obj, c: Obj, needsProbes: boolean): string[] {
  const out: string[] = [];
  const name = `container ${String(c.name)}`;
  const podSc = (podSpec.securityContext ?? {}) as Obj;
  const sc = (c.securityContext ?? {}) as Obj;
  const requests = get(c, 'resources', 'requests') as Obj | undefined;
  if (!requests?.cpu || !requests.memory)
    out.push(`${name}: resources.requests.cpu and .memory are required`);
  if (!get(c, 'resources', 'limits', 'memory')) out.push(`${name}: resources.limits.memory is required`);
  if (needsProbes && !c.readinessProbe) out.push(`${name}: readinessProbe is required`);
  if (needsProbes && !c.livenessProbe) out.push(`${name}: livenessProbe is required`);
  if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) !== true) out.push(`${name}: runAsNonRoot must be true`);
  if (sc.readOnlyRootFilesystem !== true) out.push(`${name}: readOnlyRootFilesystem must be true`);
  if (sc.allowPrivilegeEscalation !== false) out.push(`${name}: allowPrivilegeEscalation must be false`);
  if (sc.privileged === true) out.push(`${name}: must not be privileged`);
  const drop = get(sc, 'capabilities', 'drop');
  if (!Array.isArray(drop) || !drop.includes('ALL')) out.push(`${name}: capabilities.drop must include ALL`);
  if (get(sc, 'capabilities', 'add')) out.push(`${name}: must not add capabilities`);
  const seccomp = get(sc, 'seccompProfile', 'type') ?? get(podSc, 'seccompProfile', 'type');
  if (seccomp !== 'RuntimeDefault') out.push(`${name}: seccompProfile must be RuntimeDefault`);
  for (const env of (c.env ?? []) as Obj[])
    if (typeof env.value === 'string' && CREDENTIAL.test(env.value))
      out.push(`${name}: env ${String(env.name)} holds a credential; use valueFrom.secretKeyRef`);
  return out;
}

function rbacProblems(obj: Obj): string[] {
  const out: string[] = [];
  for (const rule of (obj.rules ?? []) as Obj[])
    for (const field of ['verbs', 'resources', 'apiGroups', 'resourceNames'])
      if (((rule[field] ?? []) as unknown[]).includes('*')) out.push(`rule uses "*" in ${field}`);
  return out;
}

function configMapProblems(obj: Obj): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries({
    ...((obj.data ?? {}) as Obj),
    ...((obj.binaryData ?? {}) as Obj),
  })) {
    if (SECRET_KEY_NAME.test(key)) out.push(`key ${key} looks like a secret; put it in a Secret`);
    if (typeof value === 'string' && CREDENTIAL.test(value)) out.push(`key ${key} holds a credential`);
  }
  return out;
}

/** Problems with one rendered object under the chart's policies, prefixed with "Kind/name". */
export function policyProblems(obj: Obj): string[] {
  const kind = String(obj.kind);
  const id = `${kind}/${String(get(obj, 'metadata', 'name'))}`;
  let problems: string[] = [];
  if (POD_OWNERS.has(kind)) {
    const podSpec = (get(obj, 'spec', 'template', 'spec') ?? {}) as Obj;
    const containers = (podSpec.containers ?? []) as Obj[];
    if (containers.length === 0) problems.push('no containers');
    // Init containers run to completion: Kubernetes allows them no probes.
    for (const c of (podSpec.initContainers ?? []) as Obj[])
      problems.push(...containerProblems(podSpec, c, false));
    for (const c of containers) problems.push(...containerProblems(podSpec, c, true));
  } else if (kind === 'ClusterRole' || kind === 'Role') problems = rbacProblems(obj);
  else if (kind === 'ConfigMap') problems = configMapProblems(obj);
  return problems.map((p) => `${id}: ${p}`);
}

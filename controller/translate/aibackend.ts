// AIBackends: where each one is (URL, or a Service's endpoints), how extproc authenticates to it
// (aibackend-credentials.ts: API keys, Bedrock IAM keys or web identity, Azure Entra ID client
// credentials, Vertex service accounts, from Secrets),
// and its status. A backend whose references do not resolve is left out of every cluster, so
// requests fail over to the rule's other backends.
import { GROUP, durationToMs, type AIBackend } from '../api';
import type { BackendConfig } from '../../extproc/config/schema';
import { DEFAULT_AZURE_API_VERSION } from '../../extproc/providers/azure/azure';
import type { Resources } from '../provider/resources';
import { resolveCredentials, type Credentials, type Failure } from './aibackend-credentials';
import { condition, stampConditions, type PendingCondition } from './conditions';
import { resolveService, serviceDnsName } from './endpoints';
import { ObjectIndex, namespaceOf, referenceAllowed } from './refs';
import { ConditionType, Reason, type StatusUpdate } from './status';

export interface BackendEndpoint {
  address: string;
  port: number;
  tls?: { sni: string };
}

export interface ResolvedBackend {
  key: string;
  config: BackendConfig;
  endpoints: BackendEndpoint[];
  connectTimeoutMs: number;
}

export interface BackendResolution {
  /** Usable backends by "namespace/name". */
  usable: Map<string, ResolvedBackend>;
  /** Backends that exist but cannot be used, with the reason (for the routes' conditions). */
  unusable: Map<string, string>;
  statuses: StatusUpdate[];
}

type Located = { ok: true; endpoints: BackendEndpoint[]; host: string; pathPrefix: string } | Failure;

export function resolveBackends(resources: Resources, now: string): BackendResolution {
  const out: BackendResolution = { usable: new Map(), unusable: new Map(), statuses: [] };
  // Invalid ones get their status in index.ts; routes that use them say why they are unusable.
  for (const o of resources.invalid)
    if (o.kind === 'AIBackend')
      out.unusable.set(`${o.namespace ?? 'default'}/${o.name}`, `invalid: ${o.message}`);
  const services = new ObjectIndex(resources.services);
  const secrets = new ObjectIndex(resources.secrets);
  for (const backend of resources.aiBackends) {
    const namespace = namespaceOf(backend);
    const key = `${namespace}/${backend.metadata.name}`;
    const gen = backend.metadata.generation;
    let result: Located | Failure = locate(backend, resources, services);
    let credentials: Omit<Credentials, 'ok'> = {};
    if (result.ok) {
      const resolved = resolveCredentials(backend, namespace, resources, secrets);
      if (resolved.ok) credentials = resolved;
      else result = resolved;
    }
    const rejected = !result.ok && !result.accepted ? result : undefined;
    const conditions: PendingCondition[] = [
      rejected
        ? condition(ConditionType.Accepted, false, rejected.reason, rejected.message, gen)
        : condition(ConditionType.Accepted, true, Reason.Accepted, 'Backend accepted', gen),
      result.ok
        ? condition(ConditionType.ResolvedRefs, true, Reason.ResolvedRefs, 'References resolved', gen)
        : condition(
            ConditionType.ResolvedRefs,
            false,
            result.reason,
            `${result.message}; the backend is left out of every route`,
            gen,
          ),
    ];
    out.statuses.push({
      kind: 'AIBackend',
      namespace,
      name: backend.metadata.name,
      status: { conditions: stampConditions(conditions, backend.status?.conditions, now) },
    });
    if (!result.ok) {
      out.unusable.set(key, result.message);
      continue;
    }
    const config: BackendConfig = {
      key,
      schema: backend.spec.schema,
      host: result.host,
      pathPrefix: result.pathPrefix,
      models: backend.spec.models.map((m) => (m.price ? { name: m.name, price: m.price } : { name: m.name })),
    };
    if (credentials.auth) config.auth = credentials.auth;
    if (credentials.bedrock) config.bedrock = credentials.bedrock;
    if (credentials.vertex) config.vertex = credentials.vertex;
    if (backend.spec.schema === 'AzureOpenAI') {
      config.azure = { apiVersion: backend.spec.azure?.apiVersion ?? DEFAULT_AZURE_API_VERSION };
      if (credentials.entra) config.azure.entra = credentials.entra;
    }
    out.usable.set(key, {
      key,
      config,
      endpoints: result.endpoints,
      connectTimeoutMs: durationToMs(backend.spec.connectTimeout),
    });
  }
  return out;
}

function locate(
  backend: AIBackend,
  resources: Resources,
  services: ObjectIndex<Resources['services'][number]>,
): Located {
  const { url, service } = backend.spec.endpoint;
  if (url !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return {
        ok: false,
        accepted: false,
        reason: Reason.UnsupportedValue,
        message: `endpoint.url ${url} is not a URL`,
      };
    }
    const tls = parsed.protocol === 'https:';
    if (!tls && parsed.protocol !== 'http:')
      return {
        ok: false,
        accepted: false,
        reason: Reason.UnsupportedValue,
        message: `endpoint.url scheme ${parsed.protocol} is not supported; use http or https`,
      };
    const address = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
    const endpoint: BackendEndpoint = { address, port: parsed.port ? Number(parsed.port) : tls ? 443 : 80 };
    if (tls) endpoint.tls = { sni: address };
    return { ok: true, endpoints: [endpoint], host: parsed.host, pathPrefix: trimSlash(parsed.pathname) };
  }
  if (service === undefined)
    return { ok: false, accepted: false, reason: Reason.Invalid, message: 'endpoint needs url or service' };
  const namespace = namespaceOf(backend);
  const serviceNamespace = service.namespace ?? namespace;
  const where = `Service ${serviceNamespace}/${service.name}`;
  const from = { group: GROUP, kind: 'AIBackend', namespace };
  if (
    !referenceAllowed(resources.referenceGrants, from, {
      group: '',
      kind: 'Service',
      namespace: serviceNamespace,
      name: service.name,
    })
  )
    return {
      ok: false,
      accepted: true,
      reason: Reason.RefNotPermitted,
      message: `${where} is in another namespace and no ReferenceGrant allows it`,
    };
  const svc = services.get(serviceNamespace, service.name);
  if (!svc)
    return { ok: false, accepted: true, reason: Reason.BackendNotFound, message: `${where} not found` };
  const resolved = resolveService(svc, service.port, resources.endpointSlices);
  if (!resolved.ok)
    return { ok: false, accepted: true, reason: Reason.BackendNotFound, message: resolved.message };
  const dns = serviceDnsName(serviceNamespace, service.name);
  const defaultPort = service.tls ? 443 : 80;
  const endpoints = resolved.addresses.map((a): BackendEndpoint =>
    service.tls ? { ...a, tls: { sni: dns } } : { ...a },
  );
  return {
    ok: true,
    endpoints,
    host: service.port === defaultPort ? dns : `${dns}:${service.port}`,
    pathPrefix: trimSlash(service.pathPrefix),
  };
}

/** "/v1/" -> "/v1", "/" -> "": extproc appends the client's path after the /v1 it replaces. */
function trimSlash(path: string): string {
  return path.replace(/\/+$/, '');
}

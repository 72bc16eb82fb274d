// The snapshot of the world the translator reads: every object of every kind we watch, already
// validated. Objects that fail validation are kept aside with the zod issues so the translator
// can report them as status conditions that name the field, instead of dropping them silently.
import type { z } from 'zod';
import { Condition, KINDS, type Kind } from '../api';
import type {
  AIBackend,
  AIBudget,
  AIClientPolicy,
  AIGuardrail,
  AIRoute,
  EndpointSlice,
  Gateway,
  GatewayClass,
  HTTPRoute,
  ReferenceGrant,
  Secret,
  Service,
  TollgateProxy,
} from '../api';

export interface Resources {
  gatewayClasses: GatewayClass[];
  gateways: Gateway[];
  httpRoutes: HTTPRoute[];
  referenceGrants: ReferenceGrant[];
  aiRoutes: AIRoute[];
  aiBackends: AIBackend[];
  aiBudgets: AIBudget[];
  aiGuardrails: AIGuardrail[];
  aiClientPolicies: AIClientPolicy[];
  secrets: Secret[];
  services: Service[];
  endpointSlices: EndpointSlice[];
  tollgateProxies: TollgateProxy[];
  invalid: InvalidObject[];
}

export interface InvalidObject {
  kind: Kind;
  namespace: string | undefined;
  name: string;
  generation: number | undefined;
  /** "spec.rules[0].backendRefs: Too small: expected array to have >=1 items" */
  message: string;
  /** The object's current status.conditions, so an unchanged verdict keeps its transition time. */
  conditions?: Condition[];
}

const LIST_BY_KIND: Record<Kind, Exclude<keyof Resources, 'invalid'>> = {
  GatewayClass: 'gatewayClasses',
  Gateway: 'gateways',
  HTTPRoute: 'httpRoutes',
  ReferenceGrant: 'referenceGrants',
  AIRoute: 'aiRoutes',
  AIBackend: 'aiBackends',
  AIBudget: 'aiBudgets',
  AIGuardrail: 'aiGuardrails',
  AIClientPolicy: 'aiClientPolicies',
  Secret: 'secrets',
  Service: 'services',
  EndpointSlice: 'endpointSlices',
  TollgateProxy: 'tollgateProxies',
};

export function emptyResources(): Resources {
  return {
    gatewayClasses: [],
    gateways: [],
    httpRoutes: [],
    referenceGrants: [],
    aiRoutes: [],
    aiBackends: [],
    aiBudgets: [],
    aiGuardrails: [],
    aiClientPolicies: [],
    secrets: [],
    services: [],
    endpointSlices: [],
    tollgateProxies: [],
    invalid: [],
  };
}

export function isKnownKind(kind: unknown): kind is Kind {
  return typeof kind === 'string' && Object.hasOwn(KINDS, kind);
}

/** Validates one raw object and adds it to the snapshot (as valid or invalid). Unknown kinds are ignored. */
export function addObject(resources: Resources, raw: unknown): void {
  if (typeof raw !== 'object' || raw === null) return;
  const kind = (raw as { kind?: unknown }).kind;
  if (!isKnownKind(kind)) return;
  const parsed = (KINDS[kind].schema as z.ZodType).safeParse(raw);
  if (parsed.success) {
    (resources[LIST_BY_KIND[kind]] as unknown[]).push(parsed.data);
    return;
  }
  const meta =
    (raw as { metadata?: { name?: unknown; namespace?: unknown; generation?: unknown } }).metadata ?? {};
  resources.invalid.push({
    kind,
    namespace: typeof meta.namespace === 'string' ? meta.namespace : undefined,
    name: typeof meta.name === 'string' ? meta.name : '(unnamed)',
    generation: typeof meta.generation === 'number' ? meta.generation : undefined,
    message: parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; '),
  });
  const current = Condition.array().safeParse(
    (raw as { status?: { conditions?: unknown } }).status?.conditions,
  );
  if (current.success) (resources.invalid.at(-1) as InvalidObject).conditions = current.data;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path)
    out += typeof part === 'number' ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out || '(root)';
}

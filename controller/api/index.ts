// The registry of every kind Tollgate reads: how to validate it, and where it lives in the
// API. Providers (Kubernetes, files) and the translator go through this one table.
import type { z } from 'zod';
import { AIBackend } from './aibackend';
import { AIBudget } from './aibudget';
import { AIClientPolicy } from './aiclientpolicy';
import { AIGuardrail } from './aiguardrail';
import { AIRoute } from './airoute';
import { EndpointSlice, Secret, Service } from './core';
import { Gateway, GatewayClass, HTTPRoute, ReferenceGrant } from './gateway-api';
import { TollgateProxy } from './tollgateproxy';
import { GATEWAY_GROUP, GROUP, VERSION } from './common';

export interface KindInfo {
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
  schema: z.ZodType;
  /** Whether Tollgate writes status for it. */
  hasStatus: boolean;
}

export const KINDS = {
  GatewayClass: {
    group: GATEWAY_GROUP,
    version: 'v1',
    plural: 'gatewayclasses',
    namespaced: false,
    schema: GatewayClass,
    hasStatus: true,
  },
  Gateway: {
    group: GATEWAY_GROUP,
    version: 'v1',
    plural: 'gateways',
    namespaced: true,
    schema: Gateway,
    hasStatus: true,
  },
  HTTPRoute: {
    group: GATEWAY_GROUP,
    version: 'v1',
    plural: 'httproutes',
    namespaced: true,
    schema: HTTPRoute,
    hasStatus: true,
  },
  ReferenceGrant: {
    group: GATEWAY_GROUP,
    version: 'v1beta1',
    plural: 'referencegrants',
    namespaced: true,
    schema: ReferenceGrant,
    hasStatus: false,
  },
  AIRoute: {
    group: GROUP,
    version: VERSION,
    plural: 'airoutes',
    namespaced: true,
    schema: AIRoute,
    hasStatus: true,
  },
  AIBackend: {
    group: GROUP,
    version: VERSION,
    plural: 'aibackends',
    namespaced: true,
    schema: AIBackend,
    hasStatus: true,
  },
  AIBudget: {
    group: GROUP,
    version: VERSION,
    plural: 'aibudgets',
    namespaced: true,
    schema: AIBudget,
    hasStatus: true,
  },
  AIGuardrail: {
    group: GROUP,
    version: VERSION,
    plural: 'aiguardrails',
    namespaced: true,
    schema: AIGuardrail,
    hasStatus: true,
  },
  AIClientPolicy: {
    group: GROUP,
    version: VERSION,
    plural: 'aiclientpolicies',
    namespaced: true,
    schema: AIClientPolicy,
    hasStatus: true,
  },
  TollgateProxy: {
    group: GROUP,
    version: VERSION,
    plural: 'tollgateproxies',
    namespaced: true,
    schema: TollgateProxy,
    hasStatus: true,
  },
  Secret: { group: '', version: 'v1', plural: 'secrets', namespaced: true, schema: Secret, hasStatus: false },
  Service: {
    group: '',
    version: 'v1',
    plural: 'services',
    namespaced: true,
    schema: Service,
    hasStatus: false,
  },
  EndpointSlice: {
    group: 'discovery.k8s.io',
    version: 'v1',
    plural: 'endpointslices',
    namespaced: true,
    schema: EndpointSlice,
    hasStatus: false,
  },
} as const satisfies Record<string, KindInfo>;

export type Kind = keyof typeof KINDS;

/** Tollgate's own CRDs, generated into crds/ by `make gen`. */
export const CRD_KINDS = [
  'AIRoute',
  'AIBackend',
  'AIBudget',
  'AIGuardrail',
  'AIClientPolicy',
  'TollgateProxy',
] as const satisfies readonly Kind[];

export * from './common';
export * from './airoute';
export * from './aibackend';
export * from './aibudget';
export * from './aiguardrail';
export * from './aiclientpolicy';
export * from './policy';
export * from './core';
export * from './gateway-api';
export * from './tollgateproxy';

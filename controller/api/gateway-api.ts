// The Gateway API kinds Tollgate consumes (standard channel, v1; ReferenceGrant v1beta1), as
// far as we read them. Their CRDs come from the Gateway API project, not from `make gen`.
import { z } from 'zod';
import { Condition, Duration, ObjectMeta, ParentReference, RouteParentStatus } from './common';

const Meta = { metadata: ObjectMeta };

export const GatewayClass = z
  .object({
    apiVersion: z.string(),
    kind: z.literal('GatewayClass'),
    ...Meta,
    spec: z
      .object({
        controllerName: z.string(),
        parametersRef: z
          .object({ group: z.string(), kind: z.string(), name: z.string(), namespace: z.string().optional() })
          .optional(),
        description: z.string().optional(),
      })
      .passthrough(),
    status: z
      .object({ conditions: z.array(Condition).default([]) })
      .passthrough()
      .optional(),
  })
  .passthrough();
export type GatewayClass = z.infer<typeof GatewayClass>;

export const SecretObjectReference = z.object({
  group: z.string().default(''),
  kind: z.string().default('Secret'),
  name: z.string().min(1),
  namespace: z.string().optional(),
});

export const Listener = z
  .object({
    name: z.string().min(1),
    hostname: z.string().optional(),
    port: z.number().int().min(1).max(65535),
    protocol: z.string(),
    tls: z
      .object({
        mode: z.enum(['Terminate', 'Passthrough']).default('Terminate'),
        certificateRefs: z.array(SecretObjectReference).default([]),
      })
      .passthrough()
      .optional(),
    allowedRoutes: z
      .object({
        namespaces: z
          .object({
            from: z.enum(['All', 'Same', 'Selector']).default('Same'),
            selector: z
              .object({ matchLabels: z.record(z.string(), z.string()).optional() })
              .passthrough()
              .optional(),
          })
          .optional(),
        kinds: z.array(z.object({ group: z.string().optional(), kind: z.string() })).optional(),
      })
      .optional(),
  })
  .passthrough();
export type Listener = z.infer<typeof Listener>;

export const ListenerStatus = z.object({
  name: z.string(),
  supportedKinds: z.array(z.object({ group: z.string().optional(), kind: z.string() })),
  attachedRoutes: z.number().int(),
  conditions: z.array(Condition),
});
export type ListenerStatus = z.infer<typeof ListenerStatus>;

export const Gateway = z
  .object({
    apiVersion: z.string(),
    kind: z.literal('Gateway'),
    ...Meta,
    spec: z
      .object({
        gatewayClassName: z.string(),
        listeners: z.array(Listener).min(1).max(64),
        addresses: z.array(z.object({ type: z.string().optional(), value: z.string() })).optional(),
      })
      .passthrough(),
    status: z
      .object({
        addresses: z.array(z.object({ type: z.string().optional(), value: z.string() })).optional(),
        conditions: z.array(Condition).default([]),
        listeners: z.array(ListenerStatus).default([]),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();
export type Gateway = z.infer<typeof Gateway>;

const HeaderModifier = z.object({
  set: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
  add: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
  remove: z.array(z.string()).optional(),
});

export const HTTPRouteFilter = z
  .object({
    type: z.string(),
    requestHeaderModifier: HeaderModifier.optional(),
    responseHeaderModifier: HeaderModifier.optional(),
  })
  .passthrough();

export const HTTPRouteMatch = z.object({
  path: z
    .object({
      type: z.enum(['Exact', 'PathPrefix', 'RegularExpression']).default('PathPrefix'),
      value: z.string().default('/'),
    })
    .optional(),
  headers: z
    .array(
      z.object({
        type: z.enum(['Exact', 'RegularExpression']).default('Exact'),
        name: z.string(),
        value: z.string(),
      }),
    )
    .optional(),
  method: z.string().optional(),
});
export type HTTPRouteMatch = z.infer<typeof HTTPRouteMatch>;

export const HTTPBackendRef = z
  .object({
    group: z.string().default(''),
    kind: z.string().default('Service'),
    name: z.string().min(1),
    namespace: z.string().optional(),
    port: z.number().int().min(1).max(65535).optional(),
    weight: z.number().int().min(0).default(1),
    filters: z.array(HTTPRouteFilter).optional(),
  })
  .passthrough();

export const HTTPRoute = z
  .object({
    apiVersion: z.string(),
    kind: z.literal('HTTPRoute'),
    ...Meta,
    spec: z
      .object({
        parentRefs: z.array(ParentReference).default([]),
        hostnames: z.array(z.string()).default([]),
        rules: z
          .array(
            z
              .object({
                name: z.string().optional(),
                matches: z.array(HTTPRouteMatch).default([{ path: { type: 'PathPrefix', value: '/' } }]),
                filters: z.array(HTTPRouteFilter).default([]),
                backendRefs: z.array(HTTPBackendRef).default([]),
                timeouts: z
                  .object({ request: Duration.optional(), backendRequest: Duration.optional() })
                  .optional(),
              })
              .passthrough(),
          )
          .default([
            { matches: [{ path: { type: 'PathPrefix', value: '/' } }], filters: [], backendRefs: [] },
          ]),
      })
      .passthrough(),
    status: z
      .object({ parents: z.array(RouteParentStatus).default([]) })
      .passthrough()
      .optional(),
  })
  .passthrough();
export type HTTPRoute = z.infer<typeof HTTPRoute>;

export const ReferenceGrant = z
  .object({
    apiVersion: z.string(),
    kind: z.literal('ReferenceGrant'),
    ...Meta,
    spec: z.object({
      from: z.array(z.object({ group: z.string(), kind: z.string(), namespace: z.string() })).min(1),
      to: z.array(z.object({ group: z.string(), kind: z.string(), name: z.string().optional() })).min(1),
    }),
  })
  .passthrough();
export type ReferenceGrant = z.infer<typeof ReferenceGrant>;

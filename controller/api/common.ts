// Building blocks shared by Tollgate's CRDs and the Gateway API kinds we read. Every field
// carries a description because the CRD generator turns these schemas into the OpenAPI
// schemas users see in `kubectl explain`.
import { z } from 'zod';

export const GROUP = 'tollgate.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const GATEWAY_GROUP = 'gateway.networking.k8s.io';
export const CONTROLLER_NAME = 'tollgate.dev/gateway-controller';

/** Kubernetes object metadata, as far as Tollgate reads it. */
export const ObjectMeta = z
  .object({
    name: z.string().min(1).max(253).describe('Object name.'),
    namespace: z.string().max(63).optional().describe('Object namespace.'),
    uid: z.string().optional().describe('Unique id assigned by the API server.'),
    resourceVersion: z.string().optional().describe('Version for optimistic concurrency.'),
    generation: z.number().int().optional().describe('Sequence number of spec changes.'),
    labels: z.record(z.string(), z.string()).optional().describe('Labels.'),
    annotations: z.record(z.string(), z.string()).optional().describe('Annotations.'),
    creationTimestamp: z.string().optional().describe('Creation time.'),
    deletionTimestamp: z.string().optional().describe('Deletion time.'),
  })
  .passthrough()
  .describe('Standard object metadata.');
export type ObjectMeta = z.infer<typeof ObjectMeta>;

/** Gateway API duration: 1h, 30s, 500ms, 1m30s. */
export const Duration = z
  .string()
  .regex(/^([0-9]{1,5}(h|m|s|ms)){1,4}$/, 'must be a duration such as 30s, 500ms or 1m30s')
  .describe('A duration in the Gateway API format, e.g. 30s, 500ms, 1m30s.');

export function durationToMs(value: string): number {
  let total = 0;
  for (const match of value.matchAll(/([0-9]+)(h|ms|m|s)/g)) {
    const n = Number(match[1]);
    const unit = match[2];
    total += unit === 'h' ? n * 3_600_000 : unit === 'm' ? n * 60_000 : unit === 's' ? n * 1000 : n;
  }
  return total;
}

export const Condition = z
  .object({
    type: z.string().describe('Condition type, e.g. Accepted, ResolvedRefs, Programmed.'),
    status: z.enum(['True', 'False', 'Unknown']).describe('Condition status.'),
    reason: z.string().describe('Machine-readable reason in CamelCase.'),
    message: z.string().describe('Human-readable explanation.'),
    observedGeneration: z
      .number()
      .int()
      .optional()
      .describe('The metadata.generation this condition was computed for.'),
    lastTransitionTime: z.string().describe('When the status last changed (RFC 3339).'),
  })
  .describe('A status condition.');
export type Condition = z.infer<typeof Condition>;

/** A reference to a Gateway (or a listener of one), Gateway API style. */
export const ParentReference = z
  .object({
    group: z.string().default(GATEWAY_GROUP).describe('Group of the parent; gateway.networking.k8s.io.'),
    kind: z.string().default('Gateway').describe('Kind of the parent; Gateway.'),
    name: z.string().min(1).describe('Name of the parent Gateway.'),
    namespace: z.string().optional().describe('Namespace of the parent; defaults to the route namespace.'),
    sectionName: z.string().optional().describe('Name of a listener of the Gateway to attach to.'),
    port: z.number().int().min(1).max(65535).optional().describe('Port of a listener to attach to.'),
  })
  .describe('A reference to a parent Gateway.');
export type ParentReference = z.infer<typeof ParentReference>;

export const RouteParentStatus = z
  .object({
    parentRef: ParentReference.describe('The parent this status is for.'),
    controllerName: z.string().describe('The controller that wrote this status.'),
    conditions: z.array(Condition).describe('Conditions for the route on this parent.'),
  })
  .describe('Status of a route on one parent.');
export type RouteParentStatus = z.infer<typeof RouteParentStatus>;

export const SecretKeyReference = z
  .object({
    name: z.string().min(1).describe('Name of the Secret, in the same namespace unless namespace is set.'),
    namespace: z
      .string()
      .optional()
      .describe('Namespace of the Secret; a cross-namespace reference needs a ReferenceGrant.'),
    key: z.string().default('apiKey').describe('Key within the Secret data.'),
  })
  .describe('A reference to one key of a Secret.');
export type SecretKeyReference = z.infer<typeof SecretKeyReference>;

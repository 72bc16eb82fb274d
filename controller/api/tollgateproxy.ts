// TollgateProxy: how the controller provisions the Envoy proxies of the Gateways of a
// GatewayClass (referenced from GatewayClass.spec.parametersRef, Gateway API style): replicas,
// images, resources, the Service in front of them, and where extproc runs (a sidecar over a
// Unix socket, or a shared Deployment the proxies reach over TCP). Every field is optional;
// the defaults are what a GatewayClass without parametersRef gets.
import { z } from 'zod';
import { API_VERSION, Condition, ObjectMeta } from './common';

const Quantities = z
  .record(z.string(), z.string())
  .describe('Resource quantities by name, e.g. {cpu: 500m, memory: 256Mi}.');

export const ResourceRequirements = z
  .object({
    requests: Quantities.optional().describe('Minimum resources the scheduler reserves.'),
    limits: Quantities.optional().describe('Maximum resources the container may use.'),
  })
  .describe('Compute resources of a container (as in a Pod spec).');
export type ResourceRequirements = z.infer<typeof ResourceRequirements>;

export const EXTPROC_MODES = ['Sidecar', 'Deployment'] as const;
export const SERVICE_TYPES = ['LoadBalancer', 'NodePort', 'ClusterIP'] as const;

export const TollgateProxySpec = z
  .object({
    replicas: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .optional()
      .describe('Envoy replicas per Gateway (default 2).'),
    envoy: z
      .object({
        image: z
          .string()
          .min(1)
          .optional()
          .describe('Envoy image, e.g. envoyproxy/envoy:v1.34.1 (default: the controller --envoy-image).'),
        resources: ResourceRequirements.optional().describe('Resources of the Envoy container.'),
        logLevel: z
          .enum(['trace', 'debug', 'info', 'warning', 'error', 'critical', 'off'])
          .optional()
          .describe('Envoy --log-level (default info).'),
      })
      .optional()
      .describe('The Envoy container.'),
    extproc: z
      .object({
        mode: z
          .enum(EXTPROC_MODES)
          .optional()
          .describe(
            'Sidecar (default): one extproc per Envoy pod over a Unix socket. Deployment: no sidecar; ' +
              'Envoy reaches the shared extproc Service the controller was started with (--extproc host:port).',
          ),
        image: z
          .string()
          .min(1)
          .optional()
          .describe('Tollgate image for the sidecar (default: the controller --tollgate-image).'),
        resources: ResourceRequirements.optional().describe('Resources of the extproc sidecar.'),
        redisUrlSecretRef: z
          .object({
            name: z.string().min(1).describe('Secret name, in the Gateway namespace.'),
            key: z.string().min(1).default('url').describe('Key holding the redis:// URL.'),
          })
          .optional()
          .describe('Redis for shared budget counters across replicas (env REDIS_URL of the sidecar).'),
      })
      .optional()
      .describe('Where extproc runs for these proxies.'),
    service: z
      .object({
        type: z.enum(SERVICE_TYPES).optional().describe('Service type (default LoadBalancer).'),
        annotations: z
          .record(z.string(), z.string())
          .optional()
          .describe('Annotations of the Service, e.g. for a cloud load balancer.'),
        externalTrafficPolicy: z
          .enum(['Cluster', 'Local'])
          .optional()
          .describe('Local keeps client source IPs (LoadBalancer and NodePort only).'),
      })
      .optional()
      .describe('The Service in front of the proxies.'),
    pod: z
      .object({
        annotations: z.record(z.string(), z.string()).optional().describe('Extra pod annotations.'),
        labels: z.record(z.string(), z.string()).optional().describe('Extra pod labels.'),
        nodeSelector: z.record(z.string(), z.string()).optional().describe('Node selector of the pods.'),
      })
      .optional()
      .describe('Pod template extras.'),
  })
  .describe('How the Envoy proxies of a GatewayClass are provisioned.');
export type TollgateProxySpec = z.infer<typeof TollgateProxySpec>;

export const TollgateProxy = z
  .object({
    apiVersion: z.literal(API_VERSION).describe('tollgate.dev/v1alpha1'),
    kind: z.literal('TollgateProxy').describe('TollgateProxy'),
    metadata: ObjectMeta,
    spec: TollgateProxySpec.default({}),
    status: z
      .object({
        conditions: z.array(Condition).default([]).describe('Reserved for conditions about the parameters.'),
      })
      .optional()
      .describe('Observed state of the TollgateProxy.'),
  })
  .describe('TollgateProxy configures the Envoy Deployment and Service provisioned per Gateway.');
export type TollgateProxy = z.infer<typeof TollgateProxy>;

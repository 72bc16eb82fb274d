// The versioned contract between the controller and extproc, independent of Kubernetes: what
// every extproc replica needs to process requests. The controller builds it in translate(),
// serves it over ADS (type PROCESSOR_CONFIG_TYPE_URL, resource PROCESSOR_CONFIG_NAME) and
// extproc validates it with this schema before it swaps it in; a document that fails is NACKed.
// It carries upstream credentials, so the stream that carries it must be protected (mTLS).
import { z } from 'zod';

export const PROCESSOR_CONFIG_TYPE_URL = 'type.googleapis.com/tollgate.config.v1.ProcessorConfig';
export const PROCESSOR_CONFIG_NAME = 'processor';
/** The node.cluster extproc uses when it subscribes to the controller's ADS server. */
export const EXTPROC_NODE_CLUSTER = 'tollgate-extproc';

const Price = z.object({
  input: z.number().min(0),
  output: z.number().min(0),
  cachedInput: z.number().min(0).optional(),
  cacheWrite: z.number().min(0).optional(),
  reasoning: z.number().min(0).optional(),
});

export const BackendConfig = z.object({
  /** "namespace/name" of the AIBackend. */
  key: z.string(),
  schema: z.enum(['OpenAI', 'AzureOpenAI', 'Anthropic']),
  /** Host header (authority) to send upstream, e.g. api.openai.com or 127.0.0.1:9001. */
  host: z.string(),
  /** Path prefix on the backend that replaces the client's /v1, e.g. /v1 or /openai/v1. */
  pathPrefix: z.string(),
  /** Credential header to inject; the value is the full header value (prefix included). */
  auth: z.object({ header: z.string(), value: z.string() }).optional(),
  /** AzureOpenAI only: the api-version query parameter of every request. */
  azure: z.object({ apiVersion: z.string() }).optional(),
  /** Models served; empty means any. */
  models: z.array(z.object({ name: z.string(), price: Price.optional() })),
});
export type BackendConfig = z.infer<typeof BackendConfig>;

export const RouteConfig = z.object({
  /** "namespace/airoute/rule"; the value of the routing header. */
  key: z.string(),
  /** Hostnames the route serves; empty means all. */
  hostnames: z.array(z.string()),
  /** Any match selects the rule; an empty list matches every request. */
  matches: z.array(
    z.object({
      model: z
        .object({ type: z.enum(['Exact', 'Prefix', 'RegularExpression']), value: z.string() })
        .optional(),
      headers: z.array(
        z.object({ type: z.enum(['Exact', 'RegularExpression']), name: z.string(), value: z.string() }),
      ),
    }),
  ),
  backends: z
    .array(
      z.object({
        backend: z.string(),
        weight: z.number().int().min(0),
        priority: z.number().int().min(0),
        modelOverride: z.string().optional(),
      }),
    )
    .min(1),
});
export type RouteConfig = z.infer<typeof RouteConfig>;

export const ProcessorConfigDocument = z.object({
  /** Per Gateway key ("namespace/name"): its AIRoute rule keys in precedence order. */
  gateways: z.record(z.string(), z.object({ routes: z.array(z.string()) })),
  routes: z.record(z.string(), RouteConfig),
  backends: z.record(z.string(), BackendConfig),
  limits: z
    .object({
      maxRequestBodyBytes: z
        .number()
        .int()
        .positive()
        .default(8 * 1024 * 1024),
    })
    .default({ maxRequestBodyBytes: 8 * 1024 * 1024 }),
});
export type ProcessorConfigDocument = z.infer<typeof ProcessorConfigDocument>;

/** A document with the version it was served under. */
export interface ProcessorConfig extends ProcessorConfigDocument {
  version: string;
}

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

export const Price = z.object({
  /** US dollars per million tokens. */
  input: z.number().min(0),
  output: z.number().min(0),
  cachedInput: z.number().min(0).optional(),
  cacheWrite: z.number().min(0).optional(),
  reasoning: z.number().min(0).optional(),
});
export type Price = z.infer<typeof Price>;

export const BackendConfig = z.object({
  /** "namespace/name" of the AIBackend. */
  key: z.string(),
  schema: z.enum(['OpenAI', 'AzureOpenAI', 'Anthropic', 'Bedrock', 'Gemini', 'VertexAI']),
  /** Host header (authority) to send upstream, e.g. api.openai.com or 127.0.0.1:9001. */
  host: z.string(),
  /** Path prefix on the backend that replaces the client's /v1, e.g. /v1 or /openai/v1. */
  pathPrefix: z.string(),
  /** Credential header to inject; the value is the full header value (prefix included). */
  auth: z.object({ header: z.string(), value: z.string() }).optional(),
  /** AzureOpenAI only: the api-version query parameter of every request. */
  azure: z
    .object({
      apiVersion: z.string(),
      /**
       * Entra ID client credentials: extproc fetches, caches and refreshes a bearer token
       * (providers/azure/entra.ts). Exactly one of clientSecret and federatedTokenFile (workload
       * identity; "" means $AZURE_FEDERATED_TOKEN_FILE of the extproc pod).
       */
      entra: z
        .object({
          tenantId: z.string().min(1),
          clientId: z.string().min(1),
          clientSecret: z.string().min(1).optional(),
          federatedTokenFile: z.string().optional(),
          authorityHost: z.string().url(),
          scope: z.string().min(1),
        })
        .optional(),
    })
    .optional(),
  /** Bedrock only: the SigV4 signing region and credentials (service "bedrock"). */
  bedrock: z
    .object({
      region: z.string().min(1),
      /** Absent: `auth` carries a Bedrock API key (bearer) and requests are not signed. */
      credentials: z
        .object({
          accessKeyId: z.string().min(1),
          secretAccessKey: z.string().min(1),
          sessionToken: z.string().optional(),
        })
        .optional(),
      /**
       * Temporary credentials from STS AssumeRoleWithWebIdentity (providers/bedrock/credentials.ts),
       * refreshed before they expire. Absent fields come from the extproc pod's environment
       * (AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE) as EKS IRSA injects it.
       */
      webIdentity: z
        .object({
          roleArn: z.string().min(1).optional(),
          tokenFile: z.string().min(1).optional(),
          sessionName: z.string().min(2).max(64).optional(),
          stsEndpoint: z.string().url().optional(),
        })
        .optional(),
    })
    .optional(),
  /**
   * VertexAI only: the project and location in every path, and the service account whose OAuth
   * token extproc fetches and caches (absent: `auth` carries a static bearer token).
   */
  vertex: z
    .object({
      project: z.string().min(1),
      location: z.string().min(1),
      serviceAccount: z
        .object({ clientEmail: z.string(), privateKey: z.string(), tokenUri: z.string().optional() })
        .optional(),
    })
    .optional(),
  /** Models served; empty means any. */
  models: z.array(z.object({ name: z.string(), price: Price.optional() })),
});
export type BackendConfig = z.infer<typeof BackendConfig>;

// ---- Caller identity and access (AIClientPolicy; extproc/identity/) ----

/** A glob over one identity field: "*" any run of characters; absent means "any value". */
const Glob = z.string().min(1);

export const ApiKeyEntry = z.object({
  /** "namespace/secret" (or the local key name): the key's identity, never its value. */
  name: z.string(),
  /** Lowercase hex SHA-256 of the full key string as the client sends it. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  tenant: z.string().optional(),
  team: z.string().optional(),
  user: z.string().optional(),
  /** RFC 3339; the key is refused from this instant on. */
  expiresAt: z.string().optional(),
});
export type ApiKeyEntry = z.infer<typeof ApiKeyEntry>;

export const SubjectMatch = z.object({
  tenant: Glob.optional(),
  team: Glob.optional(),
  user: Glob.optional(),
  apiKey: Glob.optional(),
});
export type SubjectMatch = z.infer<typeof SubjectMatch>;

export const AccessRule = z.object({
  effect: z.enum(['Allow', 'Deny']),
  /** Any entry matching (all its given fields match) selects the caller; empty = every caller. */
  subjects: z.array(SubjectMatch).default([]),
  /** Model globs (the client's requested model); empty = every model. */
  models: z.array(Glob).default([]),
  /** Route key globs ("namespace/airoute/rule"); empty = every route. */
  routes: z.array(Glob).default([]),
});
export type AccessRule = z.infer<typeof AccessRule>;

export const ClientPolicyConfig = z.object({
  /** "namespace/name" of the AIClientPolicy. */
  key: z.string(),
  /** Sources are tried in this order: apiKeys, jwt, mtls, trustedHeaders; the first that yields an identity wins. */
  apiKeys: z.object({ keys: z.array(ApiKeyEntry) }).optional(),
  /**
   * Identity from the JWT that Envoy's jwt_authn verified: the payload arrives in the dynamic
   * metadata JWT_METADATA_NAMESPACE / JWT_PAYLOAD_KEY, a failure in JWT_FAILURE_KEY. Values are
   * claim names (dots walk into nested objects).
   */
  jwt: z
    .object({
      /** The policy's own issuers: a token verified for another policy's provider is refused. */
      issuers: z.array(z.string()).default([]),
      tenantClaim: z.string().optional(),
      teamClaim: z.string().optional(),
      userClaim: z.string(),
    })
    .optional(),
  /** Identity from the verified client certificate (HTTPS listeners with client validation). */
  mtls: z.object({ userFrom: z.enum(['SubjectCN', 'URISAN', 'DNSSAN']) }).optional(),
  /** Identity from headers an upstream hop sets, honoured only from these source CIDRs. */
  trustedHeaders: z
    .object({
      sourceCIDRs: z.array(z.string()).min(1),
      tenantHeader: z.string().optional(),
      teamHeader: z.string().optional(),
      userHeader: z.string(),
    })
    .optional(),
  /** No source yielded an identity: Reject (401) or Allow as the anonymous caller. */
  unauthenticated: z.enum(['Reject', 'Allow']),
  /** Evaluated in order after the route is chosen; the first rule that matches decides. */
  access: z.object({ rules: z.array(AccessRule).default([]), default: z.enum(['Allow', 'Deny']) }),
});
export type ClientPolicyConfig = z.infer<typeof ClientPolicyConfig>;

// ---- Budgets and rate limits (AIBudget; extproc/budgets/) ----

export const BudgetWindow = z.discriminatedUnion('kind', [
  /** A sliding window of this many seconds (60 = a minute, 3600 = an hour). */
  z.object({
    kind: z.literal('Rolling'),
    seconds: z
      .number()
      .int()
      .min(1)
      .max(31 * 86400),
  }),
  /** A calendar period that starts at local midnight (weeks on Monday) in an IANA time zone. */
  z.object({
    kind: z.literal('Calendar'),
    unit: z.enum(['Day', 'Week', 'Month']),
    timeZone: z.string().default('UTC'),
  }),
]);
export type BudgetWindow = z.infer<typeof BudgetWindow>;

export const BudgetLimit = z.object({
  metric: z.enum(['InputTokens', 'OutputTokens', 'TotalTokens', 'Cost', 'Requests']),
  /** Tokens, requests, or US dollars for Cost. */
  amount: z.number().positive(),
  window: BudgetWindow,
});
export type BudgetLimit = z.infer<typeof BudgetLimit>;

export const BudgetConfig = z.object({
  /** "namespace/name" of the AIBudget. */
  key: z.string(),
  /**
   * Whose usage is counted together. Global: everyone shares one counter; Header/Claim: the
   * value of that request header / JWT claim (`name`). A request without the value is counted
   * under the subject "(none)", shared by every such request: a missing value never escapes a budget.
   */
  subject: z.object({
    kind: z.enum(['Global', 'Tenant', 'Team', 'User', 'APIKey', 'Header', 'Claim']),
    name: z.string().optional(),
  }),
  /** Model globs (requested model) the budget applies to; empty = every model. */
  models: z.array(Glob).default([]),
  limits: z.array(BudgetLimit).min(1),
  action: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('Reject') }),
    /** Send the request on with a cheaper model and/or a max_tokens cap instead of rejecting. */
    z.object({
      kind: z.literal('Degrade'),
      model: z.string().optional(),
      maxTokens: z.number().int().positive().optional(),
    }),
  ]),
  /** Percent of a limit at which responses carry a warning header and a metric counts it. */
  softLimitPercent: z.number().min(1).max(100).optional(),
  /** The counter store is unreachable: admit (Open) or refuse with 503 (Closed). */
  failMode: z.enum(['Open', 'Closed']).default('Closed'),
  /** A Cost limit meets a model without a price: Reject (400) or CountTokens (admit, metric, log). */
  unpriced: z.enum(['Reject', 'CountTokens']).default('Reject'),
  /** Output tokens assumed for the reservation when the request sets no max_tokens. */
  defaultMaxOutputTokens: z.number().int().positive().default(4096),
});
export type BudgetConfig = z.infer<typeof BudgetConfig>;

// ---- Guardrails (AIGuardrail; extproc/guardrails/) ----

const CheckBase = z.object({
  name: z.string().min(1),
  scope: z.enum(['Request', 'Response', 'Both']).default('Both'),
  action: z.enum(['Block', 'Redact', 'Log']),
  /** A check that cannot run (webhook down, timeout): Open lets the request pass, Closed blocks it. */
  failMode: z.enum(['Open', 'Closed']).default('Closed'),
});

export const PII_DETECTORS = [
  'Email',
  'Phone',
  'CreditCard',
  'IBAN',
  'USSSN',
  'IPAddress',
  'APIKey',
  'PrivateKey',
] as const;

export const GuardrailCheck = z.discriminatedUnion('type', [
  CheckBase.extend({
    type: z.literal('PII'),
    detectors: z.array(z.enum(PII_DETECTORS)).default([...PII_DETECTORS]),
    /** User-supplied detectors: JavaScript regular expressions, matched case-sensitively. */
    patterns: z.array(z.object({ name: z.string().min(1), regex: z.string().min(1) })).default([]),
    /** Redact in the prompt, then put the originals back in the response the client receives. */
    restore: z.boolean().default(false),
  }),
  CheckBase.extend({
    type: z.literal('PromptInjection'),
    /** Score in [0, 1] at or above which the check fires. */
    threshold: z.number().min(0).max(1).default(0.5),
  }),
  CheckBase.extend({
    type: z.literal('Topics'),
    /** Keywords or phrases (case-insensitive, whole words) that make the check fire. */
    deny: z.array(z.string().min(1)).default([]),
    /** When set, a prompt must mention at least one of these. */
    allow: z.array(z.string().min(1)).default([]),
  }),
  CheckBase.extend({
    type: z.literal('Limits'),
    maxPromptTokens: z.number().int().positive().optional(),
    maxMessages: z.number().int().positive().optional(),
    maxRequestBytes: z.number().int().positive().optional(),
    /** Model globs allowed through this route. */
    allowedModels: z.array(Glob).optional(),
  }),
  CheckBase.extend({
    type: z.literal('Webhook'),
    url: z.string().url(),
    timeoutMs: z.number().int().positive().default(1000),
    /** Extra request headers (e.g. credentials for the webhook, resolved from a Secret). */
    headers: z.array(z.object({ name: z.string(), value: z.string() })).default([]),
  }),
]);
export type GuardrailCheck = z.infer<typeof GuardrailCheck>;

export const GuardrailConfig = z.object({
  /** "namespace/name" of the AIGuardrail. */
  key: z.string(),
  /** Run in order; the first Block ends the evaluation. */
  checks: z.array(GuardrailCheck).min(1),
});
export type GuardrailConfig = z.infer<typeof GuardrailConfig>;

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
  /** AIBudget keys that apply (attached to this AIRoute, its Gateway or one of its backends). */
  budgets: z.array(z.string()).default([]),
  /** AIGuardrail keys that apply, Gateway-attached first, in the order they run. */
  guardrails: z.array(z.string()).default([]),
  /** The AIClientPolicy that authorizes callers of this rule (the AIRoute's, else the Gateway's). */
  clientPolicy: z.string().optional(),
  /**
   * What translators do with a parameter the backend cannot honour: Reject (absent means Reject)
   * answers 400 naming it; Drop leaves it out and names it in the tollgate-warning header.
   */
  unsupportedParameters: z.enum(['Reject', 'Drop']).optional(),
});
export type RouteConfig = z.infer<typeof RouteConfig>;

export const ProcessorConfigDocument = z.object({
  /** Per Gateway key ("namespace/name"): its AIRoute rule keys in precedence order. */
  gateways: z.record(
    z.string(),
    z.object({
      routes: z.array(z.string()),
      /** The Gateway's AIClientPolicy: callers are authenticated with it before anything else. */
      clientPolicy: z.string().optional(),
    }),
  ),
  routes: z.record(z.string(), RouteConfig),
  backends: z.record(z.string(), BackendConfig),
  clientPolicies: z.record(z.string(), ClientPolicyConfig).default({}),
  budgets: z.record(z.string(), BudgetConfig).default({}),
  guardrails: z.record(z.string(), GuardrailConfig).default({}),
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

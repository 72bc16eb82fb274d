// AIBackend: one upstream that speaks one API schema, where it is, how to authenticate to it,
// and the models it serves with their prices.
import { z } from 'zod';
import { API_VERSION, Condition, Duration, ObjectMeta, SecretKeyReference } from './common';

/**
 * API schemas a backend can speak. OpenAI covers every OpenAI-compatible server (vLLM, Ollama...);
 * AzureOpenAI uses deployment paths and api-version; Anthropic is the Messages API.
 */
export const BACKEND_SCHEMAS = ['OpenAI', 'AzureOpenAI', 'Anthropic'] as const;
export type BackendSchema = (typeof BACKEND_SCHEMAS)[number];

export const ModelPrice = z
  .object({
    input: z.number().min(0).describe('Price per million input tokens.'),
    output: z.number().min(0).describe('Price per million output tokens.'),
    cachedInput: z
      .number()
      .min(0)
      .optional()
      .describe('Price per million cached input tokens; defaults to input.'),
    cacheWrite: z
      .number()
      .min(0)
      .optional()
      .describe('Price per million cache-write tokens; defaults to input.'),
    reasoning: z
      .number()
      .min(0)
      .optional()
      .describe('Price per million reasoning tokens; defaults to output.'),
  })
  .describe('Prices per million tokens, in the currency of the backend.');
export type ModelPrice = z.infer<typeof ModelPrice>;

export const BackendModel = z
  .object({
    name: z.string().min(1).describe('Model name as the backend knows it.'),
    price: ModelPrice.optional().describe('Prices; absent falls back to the built-in catalog.'),
  })
  .describe('A model this backend serves.');

export const AIBackendSpec = z
  .object({
    schema: z.enum(BACKEND_SCHEMAS).default('OpenAI').describe('API schema the backend speaks.'),
    endpoint: z
      .object({
        url: z
          .string()
          .url()
          .optional()
          .describe('Base URL including the API path prefix, e.g. https://api.openai.com/v1.'),
        service: z
          .object({
            name: z.string().min(1).describe('Service name.'),
            namespace: z
              .string()
              .optional()
              .describe('Service namespace; cross-namespace needs a ReferenceGrant.'),
            port: z.number().int().min(1).max(65535).describe('Service port.'),
            pathPrefix: z.string().startsWith('/').default('/v1').describe('API path prefix on the Service.'),
            tls: z.boolean().default(false).describe('Whether to speak TLS to the Service.'),
          })
          .optional()
          .describe('An in-cluster Service (e.g. vLLM or Ollama).'),
      })
      .refine(
        (e) => (e.url === undefined) !== (e.service === undefined),
        'exactly one of url and service must be set',
      )
      .describe('Where the backend is: exactly one of url and service.'),
    auth: z
      .object({
        apiKey: z
          .object({
            secretRef: SecretKeyReference.describe('Secret key holding the API key.'),
            header: z
              .string()
              .optional()
              .describe(
                'Header that carries the key; defaults per schema: authorization (OpenAI), api-key (AzureOpenAI), x-api-key (Anthropic).',
              ),
            prefix: z
              .string()
              .optional()
              .describe(
                'Prefix before the key in the header value; defaults to "Bearer " for the authorization header, "" otherwise.',
              ),
          })
          .optional()
          .describe('Static API key from a Secret.'),
      })
      .optional()
      .describe('How Tollgate authenticates to the backend; client credentials are never forwarded.'),
    azure: z
      .object({
        apiVersion: z
          .string()
          .min(1)
          .optional()
          .describe('The api-version query parameter sent with every request; defaults to 2024-10-21.'),
      })
      .optional()
      .describe('AzureOpenAI only. The deployment in the path is the model name (after modelOverride).'),
    models: z
      .array(BackendModel)
      .max(256)
      .default([])
      .describe('Models served and their prices; empty means any model.'),
    connectTimeout: Duration.default('10s').describe('TCP connect timeout.'),
  })
  .describe('Desired state of the AIBackend.');
export type AIBackendSpec = z.infer<typeof AIBackendSpec>;

export const AIBackendStatus = z
  .object({ conditions: z.array(Condition).default([]).describe('Accepted and ResolvedRefs conditions.') })
  .describe('Observed state of the AIBackend.');

export const AIBackend = z
  .object({
    apiVersion: z.literal(API_VERSION).describe('API version.'),
    kind: z.literal('AIBackend').describe('Kind.'),
    metadata: ObjectMeta,
    spec: AIBackendSpec,
    status: AIBackendStatus.optional(),
  })
  .describe('AIBackend is one upstream model provider endpoint.');
export type AIBackend = z.infer<typeof AIBackend>;

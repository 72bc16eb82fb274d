// AIBackend: one upstream that speaks one API schema, where it is, how to authenticate to it,
// and the models it serves with their prices.
import { z } from 'zod';
import { API_VERSION, Condition, Duration, ObjectMeta, SecretKeyReference } from './common';

/**
 * API schemas a backend can speak. OpenAI covers every OpenAI-compatible server (vLLM, Ollama...);
 * AzureOpenAI uses deployment paths and api-version; Anthropic is the Messages API; Bedrock the
 * Converse API (SigV4); Gemini the Gemini API (generativelanguage); VertexAI Gemini on Vertex AI.
 */
export const BACKEND_SCHEMAS = [
  'OpenAI',
  'AzureOpenAI',
  'Anthropic',
  'Bedrock',
  'Gemini',
  'VertexAI',
] as const;
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
                'Header that carries the key; defaults per schema: authorization (OpenAI, Bedrock API keys, VertexAI access tokens), api-key (AzureOpenAI), x-api-key (Anthropic), x-goog-api-key (Gemini).',
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
        entra: z
          .object({
            tenantId: z.string().min(1).describe('Directory (tenant) id.'),
            clientId: z.string().min(1).describe('Application (client) id.'),
            clientSecretRef: SecretKeyReference.optional().describe(
              'Secret key holding the client secret (key defaults to apiKey).',
            ),
            workloadIdentity: z
              .object({
                tokenFile: z
                  .string()
                  .min(1)
                  .optional()
                  .describe(
                    'Federated token file; defaults to $AZURE_FEDERATED_TOKEN_FILE of the extproc pod.',
                  ),
              })
              .optional()
              .describe(
                'Azure workload identity: a federated service-account token as the client assertion.',
              ),
            authorityHost: z
              .string()
              .url()
              .default('https://login.microsoftonline.com')
              .describe('Entra ID authority host.'),
            scope: z
              .string()
              .min(1)
              .default('https://cognitiveservices.azure.com/.default')
              .describe('Scope of the requested token.'),
          })
          .refine(
            (e) => (e.clientSecretRef === undefined) !== (e.workloadIdentity === undefined),
            'exactly one of clientSecretRef and workloadIdentity must be set',
          )
          .optional()
          .describe(
            'Entra ID client credentials: extproc fetches Authorization: Bearer tokens and refreshes them before they expire.',
          ),
      })
      .optional()
      .describe('AzureOpenAI only. The deployment in the path is the model name (after modelOverride).'),
    bedrock: z
      .object({
        region: z.string().min(1).describe('AWS region the requests are signed for, e.g. us-east-1.'),
        credentials: z
          .object({
            secretRef: z
              .object({
                name: z.string().min(1).describe('Name of the Secret.'),
                namespace: z
                  .string()
                  .optional()
                  .describe('Namespace of the Secret; a cross-namespace reference needs a ReferenceGrant.'),
              })
              .optional()
              .describe('Secret with the keys accessKeyId, secretAccessKey and optionally sessionToken.'),
            webIdentity: z
              .object({
                roleArn: z.string().min(1).describe('IAM role to assume.'),
                tokenFile: z
                  .string()
                  .min(1)
                  .optional()
                  .describe(
                    'Web identity token file in the extproc pod; defaults to $AWS_WEB_IDENTITY_TOKEN_FILE, else /var/run/secrets/eks.amazonaws.com/serviceaccount/token.',
                  ),
                sessionName: z
                  .string()
                  .regex(/^[\w+=,.@-]{2,64}$/)
                  .optional()
                  .describe('RoleSessionName; defaults to tollgate.'),
                stsEndpoint: z
                  .string()
                  .url()
                  .optional()
                  .describe('STS endpoint; defaults to https://sts.{region}.amazonaws.com.'),
              })
              .optional()
              .describe(
                'Temporary credentials from STS AssumeRoleWithWebIdentity, refreshed before they expire.',
              ),
            fromEnvironment: z
              .literal(true)
              .optional()
              .describe(
                'Web identity from the extproc pod environment (AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE), as EKS IRSA injects it.',
              ),
          })
          .refine(
            (c) =>
              [c.secretRef, c.webIdentity, c.fromEnvironment].filter((v) => v !== undefined).length === 1,
            'exactly one of secretRef, webIdentity and fromEnvironment must be set',
          )
          .optional()
          .describe('IAM credentials for SigV4; absent: auth.apiKey carries a Bedrock API key.'),
      })
      .optional()
      .describe('Bedrock only (required for it). The model id (after modelOverride) goes in the path.'),
    vertex: z
      .object({
        project: z.string().min(1).describe('Google Cloud project id.'),
        location: z.string().min(1).describe('Vertex AI location, e.g. us-central1 or global.'),
        serviceAccount: z
          .object({
            secretRef: z
              .object({
                name: z.string().min(1).describe('Name of the Secret.'),
                namespace: z
                  .string()
                  .optional()
                  .describe('Namespace of the Secret; a cross-namespace reference needs a ReferenceGrant.'),
                key: z.string().default('service-account.json').describe('Key holding the JSON key file.'),
              })
              .describe('Secret key holding a service-account JSON key file.'),
          })
          .optional()
          .describe(
            'Service account whose OAuth tokens extproc fetches and caches; absent: auth.apiKey carries a token.',
          ),
      })
      .optional()
      .describe(
        'VertexAI only (required for it). The endpoint URL is https://{location}-aiplatform.googleapis.com/v1.',
      ),
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

// AIClientPolicy: who may call, and what they may use. Identity comes from API keys (Secrets of
// type tollgate.dev/api-key holding only the key's SHA-256), JWTs (verified by Envoy's jwt_authn
// on the Gateway's listeners), client certificates (HTTPS listeners), or headers set by a
// trusted hop; access rules then allow or deny models and routes. Attached to Gateways (who may
// use the Gateway at all) and AIRoutes (who may use that route). Fields map 1:1 to
// ClientPolicyConfig in extproc/config/schema.ts, except where a Secret is read.
import { z } from 'zod';
import { API_VERSION, Duration, ObjectMeta } from './common';
import { Glob, PolicyConditions, isCidr, policyTargetRef } from './policy';

/** The Secret type and default label of API key Secrets (`tollgate keys create` writes them). */
export const API_KEY_SECRET_TYPE = 'tollgate.dev/api-key';
export const API_KEY_LABEL = 'tollgate.dev/api-key';

export const Cidr = z
  .string()
  .max(64)
  .refine(isCidr, 'must be a CIDR such as 10.0.0.0/8 or fd00::/8')
  .describe('An IPv4 or IPv6 CIDR.');

export const JwtProvider = z
  .object({
    issuer: z.string().min(1).describe('Expected iss claim.'),
    audiences: z
      .array(z.string().min(1))
      .max(16)
      .default([])
      .describe('Accepted aud values; empty accepts any.'),
    jwksUri: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe("URL of the issuer's JWKS, fetched and cached by Envoy."),
    jwksSecretRef: z
      .object({
        name: z.string().min(1).describe("Secret name, in the policy's namespace."),
        key: z.string().min(1).default('jwks.json').describe('Key holding the JWKS JSON.'),
      })
      .optional()
      .describe('An inline JWKS from a Secret (for issuers Envoy cannot reach, or tests).'),
    cacheDuration: Duration.default('5m').describe('How long a fetched JWKS is cached.'),
  })
  .refine(
    (p) => (p.jwksUri === undefined) !== (p.jwksSecretRef === undefined),
    'set exactly one of jwksUri and jwksSecretRef',
  )
  .describe('A JWT issuer.');

export const CaCertificateRef = z
  .object({
    kind: z.enum(['Secret']).default('Secret').describe('Kind of the object holding the CA bundle.'),
    name: z
      .string()
      .min(1)
      .describe("Name of the object, in the policy's namespace; its key ca.crt holds PEM CAs."),
  })
  .describe('Trusted client certificate authorities.');

export const AccessRuleSpec = z
  .object({
    effect: z.enum(['Allow', 'Deny']).describe('What a matching rule decides.'),
    subjects: z
      .array(
        z
          .object({
            tenant: Glob.optional().describe('Tenant glob.'),
            team: Glob.optional().describe('Team glob.'),
            user: Glob.optional().describe('User glob.'),
            apiKey: Glob.optional().describe('API key name glob ("namespace/secret").'),
          })
          .describe('Matches a caller when every field given matches.'),
      )
      .max(64)
      .default([])
      .describe('Any entry matching selects the caller; empty selects every caller.'),
    models: z.array(Glob).max(64).default([]).describe('Requested-model globs; empty is every model.'),
    routes: z
      .array(Glob)
      .max(64)
      .default([])
      .describe('Route rule globs ("namespace/airoute/rule"); empty is every route.'),
  })
  .describe('An access rule; rules are evaluated in order and the first match decides.');

export const ClientPolicyTargetReference = policyTargetRef(['Gateway', 'AIRoute']);

export const AIClientPolicySpec = z
  .object({
    targetRefs: z
      .array(ClientPolicyTargetReference)
      .min(1)
      .max(16)
      .describe('Gateways and AIRoutes (or one rule with sectionName) this policy governs.'),
    apiKeys: z
      .object({
        secretSelector: z
          .object({
            matchLabels: z.record(z.string(), z.string()).describe('Labels every selected Secret has.'),
          })
          .default({ matchLabels: { [API_KEY_LABEL]: 'true' } })
          .describe(
            `Secrets of type ${API_KEY_SECRET_TYPE} in the policy's namespace holding the accepted keys.`,
          ),
      })
      .optional()
      .describe('Accept API keys (Authorization: Bearer, api-key or x-api-key headers).'),
    jwt: z
      .object({
        providers: z.array(JwtProvider).min(1).max(8).describe('Issuers whose tokens are accepted.'),
        tenantClaim: z
          .string()
          .min(1)
          .optional()
          .describe('Claim holding the tenant (dots walk into objects).'),
        teamClaim: z.string().min(1).optional().describe('Claim holding the team.'),
        userClaim: z.string().min(1).default('sub').describe('Claim holding the user.'),
      })
      .optional()
      .describe('Accept JWTs (Authorization: Bearer), verified by Envoy on the listeners.'),
    mtls: z
      .object({
        caCertificateRefs: z
          .array(CaCertificateRef)
          .min(1)
          .max(8)
          .describe('CAs client certificates must chain to.'),
        userFrom: z
          .enum(['SubjectCN', 'URISAN', 'DNSSAN'])
          .default('SubjectCN')
          .describe('Which certificate field names the user.'),
        optional: z
          .boolean()
          .default(false)
          .describe(
            'Gateway targets: accept TLS connections without a certificate (other sources may identify them).',
          ),
      })
      .optional()
      .describe('Accept client certificates on HTTPS listeners.'),
    trustedHeaders: z
      .object({
        sourceCIDRs: z
          .array(Cidr)
          .min(1)
          .max(32)
          .describe('Only connections from these addresses may set the headers.'),
        tenantHeader: z.string().min(1).optional().describe('Header holding the tenant.'),
        teamHeader: z.string().min(1).optional().describe('Header holding the team.'),
        userHeader: z.string().min(1).describe('Header holding the user.'),
      })
      .optional()
      .describe('Accept identity headers set by a trusted hop (an auth proxy in front of the Gateway).'),
    unauthenticated: z
      .enum(['Reject', 'Allow'])
      .default('Reject')
      .describe('No source identified the caller: Reject (401) or Allow as anonymous.'),
    access: z
      .object({
        rules: z.array(AccessRuleSpec).max(128).default([]).describe('Rules, first match wins.'),
        default: z.enum(['Allow', 'Deny']).default('Allow').describe('When no rule matches.'),
      })
      .default({ rules: [], default: 'Allow' })
      .describe('Which callers may use which models and routes (403 otherwise).'),
  })
  .describe('Desired state of the AIClientPolicy.');
export type AIClientPolicySpec = z.infer<typeof AIClientPolicySpec>;

export const AIClientPolicyStatus = z
  .object({ conditions: PolicyConditions })
  .describe('Observed state of the AIClientPolicy.');

export const AIClientPolicy = z
  .object({
    apiVersion: z.literal(API_VERSION).describe('API version.'),
    kind: z.literal('AIClientPolicy').describe('Kind.'),
    metadata: ObjectMeta,
    spec: AIClientPolicySpec,
    status: AIClientPolicyStatus.optional(),
  })
  .describe(
    'AIClientPolicy authenticates callers (API keys, JWT, mTLS, trusted headers) and authorizes them.',
  );
export type AIClientPolicy = z.infer<typeof AIClientPolicy>;

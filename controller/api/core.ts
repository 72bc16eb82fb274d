// The core Kubernetes kinds routes and backends reference: Secrets (API keys, TLS), Services
// and EndpointSlices (in-cluster backends).
import { z } from 'zod';
import { ObjectMeta } from './common';

export const Secret = z
  .object({
    apiVersion: z.literal('v1'),
    kind: z.literal('Secret'),
    metadata: ObjectMeta,
    type: z.string().optional(),
    data: z.record(z.string(), z.string()).optional().describe('base64-encoded values'),
    stringData: z.record(z.string(), z.string()).optional(),
  })
  .passthrough();
export type Secret = z.infer<typeof Secret>;

export const Service = z
  .object({
    apiVersion: z.literal('v1'),
    kind: z.literal('Service'),
    metadata: ObjectMeta,
    spec: z
      .object({
        clusterIP: z.string().optional(),
        ports: z
          .array(
            z
              .object({
                name: z.string().optional(),
                port: z.number().int(),
                targetPort: z.union([z.number(), z.string()]).optional(),
                protocol: z.string().optional(),
              })
              .passthrough(),
          )
          .default([]),
      })
      .passthrough(),
  })
  .passthrough();
export type Service = z.infer<typeof Service>;

export const EndpointSlice = z
  .object({
    apiVersion: z.string(),
    kind: z.literal('EndpointSlice'),
    metadata: ObjectMeta,
    addressType: z.string(),
    endpoints: z
      .array(
        z
          .object({
            addresses: z.array(z.string()),
            conditions: z
              .object({ ready: z.boolean().optional(), serving: z.boolean().optional() })
              .passthrough()
              .optional(),
          })
          .passthrough(),
      )
      .default([]),
    ports: z
      .array(
        z
          .object({
            name: z.string().optional(),
            port: z.number().int().optional(),
            protocol: z.string().optional(),
          })
          .passthrough(),
      )
      .default([]),
  })
  .passthrough();
export type EndpointSlice = z.infer<typeof EndpointSlice>;

/** Reads a Secret value (data is base64, stringData is plain), or undefined. */
export function secretValue(secret: Secret, key: string): string | undefined {
  const plain = secret.stringData?.[key];
  if (plain !== undefined) return plain;
  const encoded = secret.data?.[key];
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
}

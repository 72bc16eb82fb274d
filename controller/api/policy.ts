// Building blocks of Tollgate's policy kinds (AIBudget, AIGuardrail, AIClientPolicy), which
// attach to objects the Gateway API way (policy attachment): `spec.targetRefs` names a Gateway,
// an AIRoute (optionally one rule of it) or, for budgets, an AIBackend, always in the policy's
// own namespace. Also the value checks that plain JSON Schema cannot say (a regex compiles, a
// time zone exists, a CIDR parses): each is a zod refine registered in controller/crdgen/cel.ts,
// as a CEL rule where CEL can say it and as a controller-only check where it cannot.
import { BlockList, isIP } from 'node:net';
import { z } from 'zod';
import { Condition, GATEWAY_GROUP, GROUP } from './common';

export type PolicyTargetKind = 'Gateway' | 'AIRoute' | 'AIBackend';

/** The group each target kind lives in; group may be omitted and is then implied by kind. */
export const TARGET_GROUP: Record<PolicyTargetKind, string> = {
  Gateway: GATEWAY_GROUP,
  AIRoute: GROUP,
  AIBackend: GROUP,
};

/** The CEL rules for a target reference schema built by policyTargetRef (see cel.ts). */
export const TARGET_REF_CEL = [
  {
    rule: `!has(self.group) || self.group == (self.kind == 'Gateway' ? '${GATEWAY_GROUP}' : '${GROUP}')`,
    message: `group must be ${GATEWAY_GROUP} for a Gateway and ${GROUP} for Tollgate kinds`,
  },
  {
    rule: "!has(self.sectionName) || self.kind == 'AIRoute'",
    message: 'sectionName is only for AIRoute targets',
  },
];

/** A local (same-namespace) target reference allowing `kinds`. */
export function policyTargetRef<K extends PolicyTargetKind>(kinds: readonly [K, ...K[]]) {
  return z
    .object({
      group: z
        .string()
        .optional()
        .describe(
          `API group of the target; implied by kind (${GATEWAY_GROUP} for Gateway, ${GROUP} otherwise).`,
        ),
      kind: z.enum(kinds).describe('Kind of the target.'),
      name: z.string().min(1).max(253).describe("Name of the target, in the policy's namespace."),
      sectionName: z
        .string()
        .min(1)
        .max(63)
        .optional()
        .describe('AIRoute targets only: the name of one rule (rule-<index> for unnamed rules).'),
    })
    .refine((r) => r.group === undefined || r.group === TARGET_GROUP[r.kind], {
      message: `group must be ${GATEWAY_GROUP} for a Gateway and ${GROUP} for Tollgate kinds`,
      path: ['group'],
    })
    .refine((r) => r.sectionName === undefined || r.kind === 'AIRoute', {
      message: 'sectionName is only for AIRoute targets',
      path: ['sectionName'],
    })
    .describe('A target in the same namespace as the policy.');
}

/** Conditions only: what translate() writes for a policy. */
export const PolicyConditions = z
  .array(Condition)
  .default([])
  .describe(
    'Accepted (targets found, no conflict) and ResolvedRefs (Secrets and listeners the policy needs).',
  );

/** A glob over names: `*` matches any run of characters. */
export const Glob = z.string().min(1).max(253);

export function compilesAsRegex(value: string): boolean {
  try {
    new RegExp(value);
    return true;
  } catch {
    return false;
  }
}

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** "10.0.0.0/8", "2001:db8::/32", "192.0.2.7/32"; the address must be an IP and the prefix fit it. */
export function isCidr(value: string): boolean {
  const slash = value.indexOf('/');
  if (slash < 0) return false;
  const address = value.slice(0, slash);
  const prefixText = value.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(prefixText)) return false;
  const family = isIP(address);
  if (family === 0) return false;
  const prefix = Number(prefixText);
  if (prefix > (family === 4 ? 32 : 128)) return false;
  try {
    new BlockList().addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
    return true;
  } catch {
    return false;
  }
}

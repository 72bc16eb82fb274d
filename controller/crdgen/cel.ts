// CEL equivalents of the zod refinements in controller/api. JSON Schema cannot say "exactly one
// of", so the API server would accept objects the controller then rejects; a CEL rule
// (x-kubernetes-validations) makes kubectl apply fail up front instead. Keyed by the zod schema
// object itself, so a rule cannot drift onto another field; the generator fails on a refine
// without a rule here and on a rule that matched no schema.
import type { z } from 'zod';
import { AIBackendSpec } from '../api';

export interface CelRule {
  rule: string;
  message: string;
  /** Field path the error is reported on, relative to the node (JSONPath, e.g. ".url"). */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

export const CEL_RULES: ReadonlyMap<z.ZodType, CelRule[]> = new Map<z.ZodType, CelRule[]>([
  [
    AIBackendSpec.shape.endpoint,
    [{ rule: 'has(self.url) != has(self.service)', message: 'exactly one of url and service must be set' }],
  ],
]);

// The errors a guardrail answers with. They name the guardrail and the check, never what
// matched. A check that could not run and fails closed answers 503 (guardrail_unavailable: the
// guardrail's dependency is unavailable and a retry may succeed), not 400.
import { GatewayError } from '../../lib/errors';
import type { CheckId } from './fired';

export function blockedError(check: CheckId, phase: 'request' | 'response'): GatewayError {
  const what = phase === 'request' ? 'Request' : 'Response';
  return new GatewayError(
    'guardrail_blocked',
    `${what} blocked by guardrail "${check.guardrail}" (check "${check.name}").`,
  );
}

export function modelDeniedError(check: CheckId, model: string): GatewayError {
  return new GatewayError(
    'permission_denied',
    `Model "${model}" is not allowed on this route by guardrail "${check.guardrail}" (check "${check.name}").`,
    'model',
  );
}

export function failedClosedError(check: CheckId): GatewayError {
  return new GatewayError(
    'guardrail_unavailable',
    `Guardrail "${check.guardrail}" (check "${check.name}") could not run and fails closed; try again later.`,
  );
}

// Whether one parsed request may go upstream, and as what (docs/architecture.md, "Request
// pipeline"). In order: the caller is authorized for the rule (AIClientPolicy), the request
// guardrails run (block, or redact the body), then every applicable budget reserves the worst
// case at once; a budget whose action is Degrade changes the model or caps max_tokens and the
// reservation is tried again. Cheap checks run before costly ones, and the reservation runs last
// so that nothing after it can refuse the request and leave it behind.
import { GatewayError } from '../../lib/errors';
import { worstCasePrice } from '../budgets/pricing';
import type { ClientPolicyConfig, ProcessorConfig, RouteConfig } from '../config/schema';
import { authorize } from '../identity/access';
import { authenticate } from '../identity/authenticate';
import type { Headers } from '../messages';
import { selectRoute } from '../routing';
import type { FiredCheck, Identity, IdentityInput, Reservation } from '../services';
import { countTokensOffThread } from '../tokens/async';
import { promptText } from '../tokens/count';
import type { StreamContext } from './types';

export interface AdmissionInput {
  requestId: string;
  config: ProcessorConfig;
  route: RouteConfig;
  body: Record<string, unknown>;
  rawBytes: number;
  headers: Headers;
  authority: string;
  identityInput: IdentityInput;
  /** Established at request headers with the Gateway's policy, if it has one. */
  identity: Identity | undefined;
  nowMs: number;
}

export interface Admitted {
  route: RouteConfig;
  identity: Identity | undefined;
  /** The body to send upstream when it changed (redaction, degrade); otherwise undefined. */
  body: Record<string, unknown> | undefined;
  model: string;
  reservation: Reservation | undefined;
  /** Headers for the client's response (rate-limit state, warnings). */
  responseHeaders: Array<[string, string]>;
  fired: FiredCheck[];
  restore: Map<string, string> | undefined;
}

/** Applies the rule's policy; throws the 401/403 the caller gets. */
export function authorizeFor(
  config: ProcessorConfig,
  route: RouteConfig,
  model: string,
  input: IdentityInput,
  known: { policy: string | undefined; identity: Identity | undefined },
  nowMs: number,
): Identity | undefined {
  if (!route.clientPolicy) return known.identity;
  const policy = policyOf(config, route.clientPolicy);
  const identity =
    known.policy === route.clientPolicy && known.identity
      ? known.identity
      : authenticate(policy, input, nowMs);
  const denied = authorize(policy, identity, route.key, model);
  if (denied) throw denied;
  return identity;
}

export function policyOf(config: ProcessorConfig, key: string): ClientPolicyConfig {
  const policy = config.clientPolicies[key];
  // The controller never sends a dangling reference; if it happens, refuse rather than let through.
  if (!policy) throw new GatewayError('internal_error', 'The route refers to a missing client policy.');
  return policy;
}

export async function admit(ctx: StreamContext, input: AdmissionInput): Promise<Admitted> {
  const { config } = input;
  let route = input.route;
  let body = input.body;
  let changed = false;
  let model = String(body.model ?? '');
  const gatewayPolicy = config.gateways[ctx.gateway ?? '']?.clientPolicy;
  let identity = authorizeFor(
    config,
    route,
    model,
    input.identityInput,
    { policy: gatewayPolicy, identity: input.identity },
    input.nowMs,
  );

  const fired: FiredCheck[] = [];
  let restore: Map<string, string> | undefined;
  const guardrails = route.guardrails.flatMap((k) => config.guardrails[k] ?? []);
  if (guardrails.length > 0 && ctx.services.guardrails) {
    const verdict = await ctx.services.guardrails.checkRequest(guardrails, body, {
      requestId: input.requestId,
      route: route.key,
      model,
      identity,
      rawBytes: input.rawBytes,
    });
    fired.push(...verdict.fired);
    if (verdict.blocked) throw withFired(verdict.blocked, fired);
    if (verdict.body) {
      body = verdict.body;
      changed = true;
    }
    restore = verdict.restore;
  }

  const service = ctx.services.budgets;
  const budgetsOf = (r: RouteConfig) => r.budgets.flatMap((k) => config.budgets[k] ?? []);
  if (!service || budgetsOf(route).length === 0) {
    return {
      route,
      identity,
      body: changed ? body : undefined,
      model,
      reservation: undefined,
      responseHeaders: [],
      fired,
      restore,
    };
  }
  const [inputTokens = 0] = await countTokensOffThread([promptText(body)]);
  const degraded: string[] = [];
  // Each Degrade applies at most once per budget, so this ends after (budgets + 1) rounds.
  for (;;) {
    const admission = await service.reserve({
      requestId: input.requestId,
      budgets: budgetsOf(route),
      identity: identity ?? { source: 'anonymous' },
      headers: input.headers,
      model,
      inputTokens,
      maxOutputTokens: maxOutputTokensOf(body),
      price: worstCasePrice(config, route.key, model),
      degraded,
    });
    if (admission.kind === 'admit') {
      return {
        route,
        identity,
        body: changed ? body : undefined,
        model,
        reservation: admission.reservation,
        responseHeaders: admission.headers,
        fired,
        restore,
      };
    }
    if (admission.kind === 'reject') throw admission.error;
    if (degraded.includes(admission.budget)) {
      throw new GatewayError('budget_exceeded', `Budget ${admission.budget} is exhausted.`);
    }
    degraded.push(admission.budget);
    body = { ...body };
    changed = true;
    if (admission.maxTokens !== undefined) capMaxTokens(body, admission.maxTokens);
    if (admission.model !== undefined && admission.model !== model) {
      model = admission.model;
      body.model = model;
      const next = selectRoute(config, ctx.gateway ?? '', input.authority, model, input.headers);
      if (!next) {
        throw new GatewayError(
          'model_not_found',
          `Budget ${admission.budget} degrades to model \`${model}\`, which no route serves.`,
          'model',
        );
      }
      route = next;
      identity = authorizeFor(
        config,
        route,
        model,
        input.identityInput,
        { policy: gatewayPolicy, identity },
        input.nowMs,
      );
    }
  }
}

/** max_tokens (chat, completions), max_completion_tokens (chat), max_output_tokens (responses). */
export function maxOutputTokensOf(body: Record<string, unknown>): number | undefined {
  for (const field of ['max_completion_tokens', 'max_tokens', 'max_output_tokens']) {
    const value = body[field];
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  }
  return undefined;
}

function capMaxTokens(body: Record<string, unknown>, cap: number): void {
  const current = maxOutputTokensOf(body);
  if (current !== undefined && current <= cap) return;
  const field =
    'max_completion_tokens' in body
      ? 'max_completion_tokens'
      : 'max_output_tokens' in body
        ? 'max_output_tokens'
        : 'max_tokens';
  body[field] = cap;
}

/** Keeps the checks that fired on a refused request, for the log line and the audit record. */
function withFired(error: GatewayError, fired: FiredCheck[]): GatewayError {
  (error as GatewayError & { fired?: FiredCheck[] }).fired = fired;
  return error;
}

export function firedOf(error: unknown): FiredCheck[] {
  return (error as { fired?: FiredCheck[] }).fired ?? [];
}

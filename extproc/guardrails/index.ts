// The guardrail engine behind GuardrailService (extproc/services.ts): request checks
// (request.ts) and per-request response filters for JSON bodies and SSE streams. Webhook
// checks run on the request only: ResponseFilter is synchronous, so a response-scope webhook
// is skipped (warned about once per config version) rather than stalling the stream.
import type { Registry } from 'prom-client';
import type { Logger } from '../../lib/log';
import type { GuardrailConfig } from '../config/schema';
import type { GuardrailService, ResponseFilter } from '../services';
import { countTokensOffThread } from '../tokens/async';
import { compileGuardrail, isTextCheck, type TextCheck } from './compile';
import { FiredRecorder } from './fired';
import { GuardrailMetrics } from './metrics';
import { checkRequest } from './request';
import { filterJson } from './response-json';
import { ResponseScanner } from './response-scanner';
import { SseFilter } from './response-sse';

export interface GuardrailServiceOptions {
  logger: Logger;
  registry: Registry;
  fetch?: typeof fetch;
  countTokens?: (text: string) => Promise<number>;
}

const defaultCountTokens = async (text: string): Promise<number> =>
  (await countTokensOffThread([text]))[0] ?? 0;

export function createGuardrailService(options: GuardrailServiceOptions): GuardrailService {
  const metrics = new GuardrailMetrics(options.registry);
  const deps = {
    metrics,
    logger: options.logger,
    fetch: options.fetch ?? fetch,
    countTokens: options.countTokens ?? defaultCountTokens,
  };
  const warned = new WeakSet<GuardrailConfig>();

  return {
    checkRequest: (guardrails, body, ctx) => checkRequest(deps, guardrails, body, ctx),

    responseFilter(guardrails, ctx, restore): ResponseFilter | undefined {
      const checks: TextCheck[] = [];
      for (const g of guardrails) {
        for (const c of compileGuardrail(g)) {
          if (!c.response) continue;
          if (isTextCheck(c)) checks.push(c);
          else if (c.type === 'Webhook' && !warned.has(g)) {
            warned.add(g);
            options.logger.warn(
              { guardrail: g.key, check: c.name },
              'webhook checks run on requests only; response scope ignored',
            );
          }
        }
      }
      if (checks.length === 0 && (!restore || restore.size === 0)) return undefined;
      const recorder = new FiredRecorder(metrics, options.logger, ctx, 'response');
      const scanner = new ResponseScanner(checks, restore, recorder, metrics);
      let sse: SseFilter | undefined;
      let finished = false;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        for (const c of checks) recorder.passed(c);
      };
      return {
        json(body) {
          const result = filterJson(scanner, body);
          finish();
          return result;
        },
        sse(chunk, end) {
          sse ??= new SseFilter(scanner);
          const out = sse.push(chunk, end);
          if (end) finish();
          return out;
        },
        get fired() {
          return recorder.fired;
        },
      };
    },
  };
}

// Request-side evaluation: every guardrail's request-scope checks in config order over the
// texts of the body (text.ts). The first Block (or a failure with failMode Closed) ends the
// evaluation with its error. Redactions apply to the working copy of the texts, so later checks
// see the redacted text; the body is cloned and rewritten only when some text changed.
import type { Logger } from '../../lib/log';
import type { GatewayError } from '../../lib/errors';
import type { GuardrailConfig } from '../config/schema';
import type { GuardrailContext, RequestVerdict } from '../services';
import { compileGuardrail, type CompiledCheck, type TextCheck } from './compile';
import { blockedError, failedClosedError, modelDeniedError } from './errors';
import { FiredRecorder } from './fired';
import { checkLimits } from './limits';
import type { GuardrailMetrics } from './metrics';
import { Redactor } from './redactor';
import { applySpans, resolveOverlaps, type Span } from './spans';
import { isInstructionRole, messageCount, requestTexts, type TextRef } from './text';
import { findKeywords } from './topics';
import { callWebhook } from './webhook';

export interface RequestDeps {
  metrics: GuardrailMetrics;
  logger: Logger;
  fetch: typeof fetch;
  countTokens: (text: string) => Promise<number>;
}

interface State {
  refs: TextRef[];
  /** The texts as the checks so far left them. */
  texts: string[];
  redactor: Redactor | undefined;
  recorder: FiredRecorder;
}

type Outcome = GatewayError | undefined;

function runTextCheck(check: TextCheck, s: State): Outcome {
  if (check.error !== undefined) return failed(check, s, check.error);
  let detail: string | undefined;
  let redacted = false;
  for (let i = 0; i < s.refs.length; i++) {
    const text = s.texts[i]!;
    const found = check.scan(text, s.refs[i]!);
    if (!found) continue;
    detail ??= found.detail;
    if (check.action === 'Block') {
      s.recorder.record(check, 'blocked', found.detail);
      return blockedError(check, 'request');
    }
    if (check.action === 'Redact' && found.spans.length > 0) {
      const redactor = (s.redactor ??= new Redactor(s.texts));
      const spans: Span[] = found.spans.map((m) => ({
        start: m.start,
        end: m.end,
        replace: () => redactor.placeholder(m.label, text.slice(m.start, m.end), check.restore),
      }));
      s.texts[i] = applySpans(text, resolveOverlaps(spans));
      redacted = true;
    }
  }
  if (check.allow) {
    const allow = check.allow;
    const mentioned = s.refs.some(
      (r, i) => !isInstructionRole(r.role) && findKeywords(allow, s.texts[i]!, true).length > 0,
    );
    if (!mentioned) {
      if (check.action === 'Block') {
        s.recorder.record(check, 'blocked', 'allow');
        return blockedError(check, 'request');
      }
      detail = detail ? `${detail},allow` : 'allow';
    }
  }
  if (detail === undefined) s.recorder.passed(check);
  else s.recorder.record(check, redacted ? 'redacted' : 'logged', detail);
  return undefined;
}

function failed(check: CompiledCheck, s: State, reason: string): Outcome {
  if (check.failMode === 'Open') {
    s.recorder.record(check, 'failed_open', reason);
    return undefined;
  }
  s.recorder.record(check, 'failed_closed', reason);
  return failedClosedError(check);
}

async function runCheck(
  check: CompiledCheck,
  s: State,
  body: Record<string, unknown>,
  ctx: GuardrailContext & { rawBytes: number },
  deps: RequestDeps,
): Promise<Outcome> {
  switch (check.type) {
    case 'PII':
    case 'PromptInjection':
    case 'Topics':
      return runTextCheck(check, s);
    case 'Limits': {
      let violation;
      try {
        violation = await checkLimits(check.config, {
          model: ctx.model,
          messages: messageCount(body),
          rawBytes: ctx.rawBytes,
          texts: s.texts,
          countTokens: deps.countTokens,
        });
      } catch {
        return failed(check, s, 'token count failed');
      }
      if (!violation) s.recorder.passed(check);
      // Redact has nothing to redact for a limit: it logs, like Log.
      else if (check.action !== 'Block') s.recorder.record(check, 'logged', violation);
      else {
        s.recorder.record(check, 'blocked', violation);
        return violation === 'model' ? modelDeniedError(check, ctx.model) : blockedError(check, 'request');
      }
      return undefined;
    }
    case 'Webhook': {
      const verdict = await callWebhook(
        check.config,
        {
          guardrail: check.guardrail,
          check: check.name,
          phase: 'request',
          model: ctx.model,
          route: ctx.route,
          texts: s.texts,
        },
        deps.fetch,
      );
      switch (verdict.action) {
        case 'failed':
          return failed(check, s, verdict.reason);
        case 'allow':
          s.recorder.passed(check);
          return undefined;
        case 'block':
          if (check.action === 'Log') s.recorder.record(check, 'logged', verdict.reason ?? 'block');
          else {
            s.recorder.record(check, 'blocked', verdict.reason);
            return blockedError(check, 'request');
          }
          return undefined;
        case 'redact':
          if (check.action === 'Log') s.recorder.record(check, 'logged', 'redact');
          else {
            verdict.texts.forEach((t, i) => (s.texts[i] = t));
            s.recorder.record(check, 'redacted');
          }
          return undefined;
      }
    }
  }
}

export async function checkRequest(
  deps: RequestDeps,
  guardrails: GuardrailConfig[],
  body: Record<string, unknown>,
  ctx: GuardrailContext & { rawBytes: number },
): Promise<RequestVerdict> {
  const refs = requestTexts(body);
  const s: State = {
    refs,
    texts: refs.map((r) => r.text),
    redactor: undefined,
    recorder: new FiredRecorder(deps.metrics, deps.logger, ctx, 'request'),
  };
  for (const guardrail of guardrails) {
    for (const check of compileGuardrail(guardrail)) {
      if (!check.request) continue;
      const started = performance.now();
      let error: Outcome;
      try {
        error = await runCheck(check, s, body, ctx, deps);
      } catch (err) {
        // A bug in a check must not take the request down with an unhandled error.
        // Only the error's name: a message could quote the text being checked.
        const errorName = err instanceof Error ? err.name : typeof err;
        deps.logger.error(
          { errorName, guardrail: check.guardrail, check: check.name },
          'guardrail check threw',
        );
        error = failed(check, s, 'check threw');
      }
      deps.metrics.observe(check.type, (performance.now() - started) / 1000);
      if (error) return { blocked: error, fired: s.recorder.fired };
    }
  }
  const restore = s.redactor && s.redactor.restore.size > 0 ? s.redactor.restore : undefined;
  if (!s.texts.some((t, i) => t !== refs[i]!.text))
    return { fired: s.recorder.fired, ...(restore ? { restore } : {}) };
  const rewritten = structuredClone(body);
  requestTexts(rewritten).forEach((ref, i) => {
    if (ref.text !== s.texts[i]) ref.set(s.texts[i]!);
  });
  return { body: rewritten, fired: s.recorder.fired, ...(restore ? { restore } : {}) };
}

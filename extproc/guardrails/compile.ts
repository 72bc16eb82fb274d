// Turns an AIGuardrail's checks into ready-to-run checks once per config version (cached on
// the config object, which a new version replaces): detectors chosen, user patterns and topic
// lists compiled. Text checks (PII, PromptInjection, Topics) share one interface, `scan`, used
// by the request side and by both response filters; Limits and Webhook keep their config.
import type { GuardrailCheck, GuardrailConfig } from '../config/schema';
import { BUILTIN_DETECTORS, compilePattern, type Detector, type DetectorMatch } from './detectors';
import { scoreInjection } from './injection';
import { isInstructionRole, type TextRef } from './text';
import { compileKeywords, findKeywords } from './topics';

export interface Finding {
  /** What Redact replaces (may be empty: an injection score with nothing to point at). */
  spans: DetectorMatch[];
  /** Detector labels or a score: never matched content. */
  detail: string;
}

interface Common {
  guardrail: string;
  name: string;
  action: GuardrailCheck['action'];
  failMode: GuardrailCheck['failMode'];
  request: boolean;
  response: boolean;
}

export interface TextCheck extends Common {
  type: 'PII' | 'PromptInjection' | 'Topics';
  restore: boolean;
  /** Why the check cannot run (a user pattern that does not compile); it then fails per failMode. */
  error?: string;
  /** Topics allow list: the prompt must mention one of these. */
  allow?: RegExp;
  scan(text: string, ref: Pick<TextRef, 'role' | 'kind'>): Finding | undefined;
}

export type CompiledCheck =
  | TextCheck
  | (Common & { type: 'Limits'; config: Extract<GuardrailCheck, { type: 'Limits' }> })
  | (Common & { type: 'Webhook'; config: Extract<GuardrailCheck, { type: 'Webhook' }> });

const cache = new WeakMap<GuardrailConfig, CompiledCheck[]>();

function piiScan(detectors: Detector[]): TextCheck['scan'] {
  return (text) => {
    let spans: DetectorMatch[] | undefined;
    for (const detect of detectors) {
      const found = detect(text);
      if (found.length > 0) spans = spans ? spans.concat(found) : found;
    }
    if (!spans) return undefined;
    return { spans, detail: [...new Set(spans.map((s) => s.label))].join(',') };
  };
}

function compileCheck(guardrail: string, check: GuardrailCheck): CompiledCheck {
  const common: Common = {
    guardrail,
    name: check.name,
    action: check.action,
    failMode: check.failMode,
    request: check.scope !== 'Response',
    response: check.scope !== 'Request',
  };
  switch (check.type) {
    case 'PII': {
      const detectors: Detector[] = check.detectors.map((d) => BUILTIN_DETECTORS[d]);
      let error: string | undefined;
      for (const p of check.patterns) {
        const compiled = compilePattern(p.name, p.regex);
        if (compiled instanceof Error) error = `pattern ${p.name} does not compile`;
        else detectors.push(compiled);
      }
      return { ...common, type: 'PII', restore: check.restore, error, scan: piiScan(detectors) };
    }
    case 'PromptInjection':
      return {
        ...common,
        type: 'PromptInjection',
        restore: false,
        scan(text, ref) {
          if (isInstructionRole(ref.role)) return undefined;
          const r = scoreInjection(text, ref.kind === 'tool_result');
          if (r.score < check.threshold) return undefined;
          return { spans: r.spans, detail: `score=${r.score} ${r.signals.join(',')}` };
        },
      };
    case 'Topics': {
      const deny = compileKeywords(check.deny);
      return {
        ...common,
        type: 'Topics',
        restore: false,
        allow: compileKeywords(check.allow),
        scan(text, ref) {
          if (!deny || isInstructionRole(ref.role)) return undefined;
          const spans = findKeywords(deny, text);
          return spans.length > 0 ? { spans, detail: 'deny' } : undefined;
        },
      };
    }
    case 'Limits':
      return { ...common, type: 'Limits', config: check };
    case 'Webhook':
      return { ...common, type: 'Webhook', config: check };
  }
}

export function compileGuardrail(config: GuardrailConfig): CompiledCheck[] {
  let compiled = cache.get(config);
  if (!compiled) {
    compiled = config.checks.map((c) => compileCheck(config.key, c));
    cache.set(config, compiled);
  }
  return compiled;
}

export function isTextCheck(c: CompiledCheck): c is TextCheck {
  return c.type === 'PII' || c.type === 'PromptInjection' || c.type === 'Topics';
}

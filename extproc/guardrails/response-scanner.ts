// The response-side text engine shared by the JSON and the SSE filters: runs the response-scope
// text checks over a window of completion text, blocks, redacts (with placeholders numbered
// after the request's) and puts restored placeholders back. For streams it also decides how
// much of the window is safe to emit: everything except the last WINDOW characters and any
// match that is not settled yet (one that touches the held tail could still grow), so a secret
// split across chunks is always seen whole. A match may hold text beyond WINDOW (an open PEM
// block) up to MAX_HOLD, after which the window is decided as if the stream had ended.
import type { GatewayError } from '../../lib/errors';
import type { Finding, TextCheck } from './compile';
import { blockedError, failedClosedError } from './errors';
import type { FiredRecorder } from './fired';
import type { GuardrailMetrics } from './metrics';
import { PLACEHOLDER, Redactor } from './redactor';
import { applySpans, resolveOverlaps, type Span } from './spans';
import type { TextRef } from './text';

/** Longer than any built-in match (API keys are bounded at 255 after their prefix). */
export const WINDOW = 256;
export const MAX_HOLD = 16 * 1024;

export type ScanResult = { out: string; cut: number } | { blocked: GatewayError };

export class ResponseScanner {
  private readonly redactor: Redactor;

  constructor(
    private readonly checks: TextCheck[],
    private readonly restore: Map<string, string> | undefined,
    private readonly recorder: FiredRecorder,
    private readonly metrics: GuardrailMetrics,
  ) {
    this.redactor = new Redactor([], restore);
  }

  /**
   * Scans `text`, whose first `from` characters were already emitted (left context only).
   * Returns the rewritten text[from, cut) and cut, or a block.
   */
  scan(text: string, from: number, final: boolean, kind: TextRef['kind'] = 'content'): ScanResult {
    const base = final ? text.length : text.length - WINDOW;
    if (base <= from) return { out: '', cut: from };
    const spans: Span[] = [];
    for (const check of this.checks) {
      let failure = check.error;
      let found: Finding | undefined;
      if (failure === undefined) {
        const started = performance.now();
        try {
          found = check.scan(text, { role: 'assistant', kind });
        } catch {
          failure = 'check threw';
        }
        this.metrics.observe(check.type, (performance.now() - started) / 1000);
      }
      if (failure !== undefined) {
        if (check.failMode === 'Closed') {
          this.recorder.record(check, 'failed_closed', failure);
          return { blocked: failedClosedError(check) };
        }
        this.recorder.record(check, 'failed_open', failure);
        continue;
      }
      if (!found) continue;
      const live = found.spans.filter((s) => s.end > from);
      // An injection score is a verdict on the window; a span is decided once it is settled.
      const decided = check.type === 'PromptInjection' || live.some((s) => s.end <= base);
      if (check.action === 'Block') {
        if (decided) {
          this.recorder.record(check, 'blocked', found.detail);
          return { blocked: blockedError(check, 'response') };
        }
        // Not settled yet: hold its text back until it is (it is never written out).
        for (const s of live) spans.push({ start: Math.max(s.start, from), end: s.end, replace: () => '' });
        continue;
      }
      if (check.action === 'Log') {
        if (decided) this.recorder.record(check, 'logged', found.detail);
        continue;
      }
      for (const s of live) {
        const label = s.label;
        const value = text.slice(s.start, s.end);
        spans.push({
          start: Math.max(s.start, from),
          end: s.end,
          replace: () => {
            if (check.action === 'Redact') this.recorder.record(check, 'redacted', found.detail);
            return this.redactor.placeholder(label, value, false);
          },
        });
      }
    }
    if (this.restore && this.restore.size > 0 && text.includes('[')) {
      const restore = this.restore;
      for (const m of text.matchAll(PLACEHOLDER)) {
        const original = restore.get(m[0]);
        if (original !== undefined && m.index + m[0].length > from) {
          spans.push({ start: Math.max(m.index, from), end: m.index + m[0].length, replace: () => original });
        }
      }
    }
    const resolved = resolveOverlaps(spans);
    let cut = base;
    for (let i = resolved.length - 1; i >= 0; i--) {
      const s = resolved[i]!;
      if (s.start < cut && s.end > cut) cut = s.start;
    }
    if (!final && text.length - cut > MAX_HOLD) return this.scan(text, from, true, kind);
    if (cut <= from) return { out: '', cut: from };
    return { out: applySpans(text, resolved, from, cut), cut };
  }
}

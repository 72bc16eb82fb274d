// Typed, numbered placeholders for one request: "[EMAIL_1]", "[CREDIT_CARD_2]". The same value
// gets the same placeholder everywhere in the request; numbers already present in the text
// (a prompt that literally contains "[EMAIL_1]") are skipped, so restoring never rewrites text
// the user wrote. Originals are remembered only for checks with restore: true.

export const PLACEHOLDER = /\[[A-Z][A-Z0-9_]*_\d+\]/g;

export class Redactor {
  private readonly byValue = new Map<string, string>();
  private readonly counters = new Map<string, number>();
  private readonly taken = new Set<string>();
  /** Placeholder -> original, for restoring in the response. */
  readonly restore = new Map<string, string>();

  /** `existing`: texts whose placeholder-looking tokens must not be reused. */
  constructor(existing: Iterable<string> = [], continueAfter?: Map<string, string>) {
    for (const text of existing) {
      if (!text.includes('[')) continue;
      for (const m of text.matchAll(PLACEHOLDER)) this.taken.add(m[0]);
    }
    // Response-side redaction numbers after the request's, so a new "[EMAIL_1]" in the answer
    // cannot be mistaken for the request's and restored.
    if (continueAfter) for (const ph of continueAfter.keys()) this.taken.add(ph);
  }

  placeholder(label: string, value: string, restore: boolean): string {
    const key = `${label}\u0000${value}`;
    let ph = this.byValue.get(key);
    if (!ph) {
      let n = this.counters.get(label) ?? 0;
      do ph = `[${label}_${++n}]`;
      while (this.taken.has(ph));
      this.counters.set(label, n);
      this.byValue.set(key, ph);
    }
    if (restore) this.restore.set(ph, value);
    return ph;
  }
}

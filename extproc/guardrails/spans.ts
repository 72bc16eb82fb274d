// Rewriting a text at detector spans: overlapping spans are resolved first (earliest start
// wins, then the longest), then each kept span is replaced in one left-to-right pass.

export interface Span {
  start: number;
  end: number;
  /** The replacement, computed only for spans that are actually written. */
  replace: () => string;
}

/** Sorted, non-overlapping spans: earliest start first, the longest of equal starts. */
export function resolveOverlaps<T extends { start: number; end: number }>(spans: T[]): T[] {
  if (spans.length < 2) return spans;
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: T[] = [];
  let end = -1;
  for (const s of sorted) {
    if (s.start >= end) {
      out.push(s);
      end = s.end;
    }
  }
  return out;
}

/** text[from, to) with the resolved spans inside it replaced. */
export function applySpans(text: string, spans: Span[], from = 0, to = text.length): string {
  let out = '';
  let at = from;
  for (const s of spans) {
    if (s.start < from || s.end > to) continue;
    out += text.slice(at, s.start) + s.replace();
    at = s.end;
  }
  return out + text.slice(at, to);
}

// Topic keywords: a deny list (any whole-word, case-insensitive mention fires) and an allow list
// (a prompt must mention at least one). Phrases match across any run of whitespace. Each list
// compiles to one alternation regex, once per config version.
import type { DetectorMatch } from './detectors';

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function compileKeywords(words: string[]): RegExp | undefined {
  const alternatives = words
    .map((w) => w.trim())
    .filter((w) => w.length > 0)
    .sort((a, b) => b.length - a.length) // longest first: "credit card" before "credit"
    .map((w) => escape(w).replace(/\s+/g, '\\s+'));
  if (alternatives.length === 0) return undefined;
  return new RegExp(`(?<![\\p{L}\\p{N}_])(?:${alternatives.join('|')})(?![\\p{L}\\p{N}_])`, 'giu');
}

export function findKeywords(re: RegExp, text: string, first = false): DetectorMatch[] {
  const out: DetectorMatch[] = [];
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    out.push({ start: m.index, end: m.index + m[0].length, label: 'TOPIC' });
    if (first) break;
  }
  return out;
}

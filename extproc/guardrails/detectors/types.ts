// The shape every detector returns: a half-open [start, end) span of the scanned text and the
// placeholder label its redaction uses ("EMAIL" -> "[EMAIL_1]"). Detectors are pure functions
// of the text, so the same code serves prompts, JSON responses and streamed windows.

export interface DetectorMatch {
  start: number;
  end: number;
  /** Upper-case placeholder label, e.g. "EMAIL", "CREDIT_CARD". */
  label: string;
}

export type Detector = (text: string) => DetectorMatch[];

/** Runs a global regex over text and keeps the matches `accept` approves (default: all). */
export function scanRegex(
  re: RegExp,
  text: string,
  label: string,
  accept?: (m: RegExpExecArray) => boolean,
  out: DetectorMatch[] = [],
): DetectorMatch[] {
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    if (!accept || accept(m)) out.push({ start: m.index, end: m.index + m[0].length, label });
  }
  return out;
}

/** Digits of s, separators dropped. */
export function digitsOf(s: string): string {
  return s.replace(/\D/g, '');
}

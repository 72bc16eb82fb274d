// Phone numbers. The rule (documented in docs/guardrails.md): a number is phone-shaped
// only when it is written the way people write phone numbers, never a bare run of digits:
//  - international: "+" then 8-15 digits (E.164), optionally grouped by spaces, dots, dashes or
//    one pair of parentheses ("+1 415 555 0100", "+44 (20) 7946 0958", "+4915123456789");
//  - North American: "(415) 555-0100", "415-555-0100", "415.555.0100", "415 555 0100" (same
//    separator twice, area code and exchange starting 2-9), optionally preceded by "1-";
//  - national with a trunk 0: "020 7946 0958", "07700 900123", "030-12345678" (10-11 digits,
//    at least one separator).
// Not phones: digit runs without "+" and without separators (order ids, 4815162342), numbers
// glued to letters, dashes or more digits ("ORD-415-555-0100", "A4155550100"), dates, versions.
import { digitsOf, type DetectorMatch } from './types';

const BEFORE = String.raw`(?<![\w+\-.\/])`;
const AFTER = String.raw`(?![\w\-\/]|[.,]\d)`;
const INTERNATIONAL = String.raw`\+[1-9]\d{0,3}(?:[ .\-]?\(\d{1,4}\)|[ .\-]?\d{1,6}){1,6}`;
const NANP = String.raw`(?:1[ .\-])?(?:\([2-9]\d{2}\) ?[2-9]\d{2}[ .\-]\d{4}|[2-9]\d{2}([ .\-])[2-9]\d{2}\1\d{4})`;
const NATIONAL = String.raw`0\d{1,4}[ \-]\d{3,8}(?:[ \-]\d{3,4})?`;
const PHONE = new RegExp(`${BEFORE}(?:${INTERNATIONAL}|${NANP}|${NATIONAL})${AFTER}`, 'g');

export function detectPhone(text: string): DetectorMatch[] {
  const out: DetectorMatch[] = [];
  PHONE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = PHONE.exec(text)) !== null) {
    const s = m[0];
    const digits = digitsOf(s).length;
    const ok = s.startsWith('+')
      ? digits >= 8 && digits <= 15
      : s.startsWith('0')
        ? digits >= 10 && digits <= 11
        : true;
    if (ok) out.push({ start: m.index, end: m.index + s.length, label: 'PHONE' });
  }
  return out;
}

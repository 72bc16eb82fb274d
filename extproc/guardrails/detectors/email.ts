// Email addresses. Instead of one regex (whose unanchored local part backtracks quadratically
// over long words), it finds each "@" and grows the local part left and the domain right, so
// the cost is linear and text without "@" costs one indexOf.
import type { DetectorMatch } from './types';

const LOCAL = /[A-Za-z0-9._%+-]/;
/** A domain with at least one dot and a 2-24 letter TLD, read from the "@" onwards (sticky). */
const DOMAIN = /@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9-])/y;
const MAX_LOCAL = 64;

export function detectEmail(text: string): DetectorMatch[] {
  const out: DetectorMatch[] = [];
  let at = text.indexOf('@');
  let floor = 0; // a match never starts inside the previous one
  while (at !== -1) {
    let start = at;
    while (start > floor && at - start < MAX_LOCAL && LOCAL.test(text.charAt(start - 1))) start--;
    // A local part neither starts nor ends with a dot.
    while (start < at && text.charAt(start) === '.') start++;
    if (start < at && text.charAt(at - 1) !== '.') {
      DOMAIN.lastIndex = at;
      const m = DOMAIN.exec(text);
      if (m) {
        const end = at + m[0].length;
        out.push({ start, end, label: 'EMAIL' });
        floor = end;
        at = text.indexOf('@', end);
        continue;
      }
    }
    at = text.indexOf('@', at + 1);
  }
  return out;
}

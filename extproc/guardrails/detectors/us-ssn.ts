// US Social Security numbers written AAA-GG-SSSS (or with spaces), with the SSA's rules: area
// not 000, 666 or 900-999; group not 00; serial not 0000. Nine bare digits are not matched:
// too many order and account numbers look like that.
import type { DetectorMatch } from './types';

const SSN = /(?<![\w\-])(\d{3})([ \-])(\d{2})\2(\d{4})(?![\w]|-\d)/g;

export function detectUsSsn(text: string): DetectorMatch[] {
  const out: DetectorMatch[] = [];
  SSN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = SSN.exec(text)) !== null) {
    const [, area = '', , group = '', serial = ''] = m;
    if (area === '000' || area === '666' || area[0] === '9' || group === '00' || serial === '0000') continue;
    out.push({ start: m.index, end: m.index + m[0].length, label: 'US_SSN' });
  }
  return out;
}

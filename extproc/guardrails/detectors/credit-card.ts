// Payment card numbers: 13-19 digits, contiguous or grouped by single spaces or dashes (the same
// separator throughout), passing the Luhn checksum and starting with a major network's IIN
// (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay). A Luhn-valid number outside those
// ranges (an account or order number) is not a card.
import { digitsOf, type DetectorMatch } from './types';

const CARD = /(?<![\d\-])(?:\d{13,19}|\d{4}([ \-])\d{4,6}\1\d{4,5}(?:\1\d{1,4}(?:\1\d{1,3})?)?)(?![\d]|-\d)/g;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Whether the number starts with a major network's issuer range, at a length it issues. */
export function knownIssuer(digits: string): boolean {
  const n = digits.length;
  const p2 = Number(digits.slice(0, 2));
  const p3 = Number(digits.slice(0, 3));
  const p4 = Number(digits.slice(0, 4));
  if (digits[0] === '4') return n === 13 || n === 16 || n === 19; // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16; // Mastercard
  if (p2 === 34 || p2 === 37) return n === 15; // Amex
  if (p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649)) return n >= 16 && n <= 19; // Discover
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19; // JCB
  if ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) return n >= 14 && n <= 19; // Diners
  if (p2 === 62) return n >= 16 && n <= 19; // UnionPay
  return false;
}

export function detectCreditCard(text: string): DetectorMatch[] {
  const out: DetectorMatch[] = [];
  CARD.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = CARD.exec(text)) !== null) {
    const digits = digitsOf(m[0]);
    if (digits.length >= 13 && digits.length <= 19 && knownIssuer(digits) && luhnValid(digits)) {
      out.push({ start: m.index, end: m.index + m[0].length, label: 'CREDIT_CARD' });
    }
  }
  return out;
}

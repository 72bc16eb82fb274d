// The built-in PII detectors by their AIGuardrail name, and user patterns compiled into
// detectors. A user pattern that does not compile returns an error instead of a detector: the
// check then fails (per its failMode) rather than crashing the processor.
import type { PII_DETECTORS } from '../../config/schema';
import { detectApiKey } from './api-key';
import { detectCreditCard } from './credit-card';
import { detectEmail } from './email';
import { detectIban } from './iban';
import { detectIpAddress } from './ip-address';
import { detectPhone } from './phone';
import { detectPrivateKey } from './private-key';
import { scanRegex, type Detector } from './types';
import { detectUsSsn } from './us-ssn';

export type { Detector, DetectorMatch } from './types';

export const BUILTIN_DETECTORS: Record<(typeof PII_DETECTORS)[number], Detector> = {
  Email: detectEmail,
  Phone: detectPhone,
  CreditCard: detectCreditCard,
  IBAN: detectIban,
  USSSN: detectUsSsn,
  IPAddress: detectIpAddress,
  APIKey: detectApiKey,
  PrivateKey: detectPrivateKey,
};

/** "employee-id" -> "EMPLOYEE_ID": the placeholder label of a user pattern. */
export function patternLabel(name: string): string {
  const label = name
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return /^[A-Z]/.test(label) ? label : `P_${label}`;
}

export function compilePattern(name: string, source: string): Detector | Error {
  let re: RegExp;
  try {
    re = new RegExp(source, 'g');
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
  const label = patternLabel(name);
  return (text) => scanRegex(re, text, label);
}

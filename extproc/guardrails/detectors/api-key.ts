// Credentials of common providers, recognised by their documented prefixes and shapes:
// OpenAI (sk-, sk-proj-, sk-svcacct-, sk-admin-), Anthropic (sk-ant-), AWS access key ids
// (AKIA/ASIA + 16), GitHub (ghp_/gho_/ghu_/ghs_/ghr_ + 36, github_pat_), Slack (xoxa-/xoxb-/
// xoxp-/xoxr-/xoxs-), Google API keys (AIza + 35), Stripe live secret and restricted keys, and
// JWTs (three base64url parts, the first two starting "eyJ"). Lengths are bounded (at most 255
// after the prefix) so the stream filter's look-behind window can cover one.
import { scanRegex, type DetectorMatch } from './types';

const API_KEY = new RegExp(
  [
    String.raw`sk-ant-[A-Za-z0-9_\-]{20,255}`,
    String.raw`sk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,255}`,
    String.raw`(?:AKIA|ASIA)[A-Z0-9]{16}`,
    String.raw`gh[pousr]_[A-Za-z0-9]{36,255}`,
    String.raw`github_pat_[A-Za-z0-9_]{22,255}`,
    String.raw`xox[abprs]-[A-Za-z0-9\-]{10,255}`,
    String.raw`AIza[0-9A-Za-z_\-]{35}`,
    String.raw`[sr]k_live_[0-9A-Za-z]{16,247}`,
    String.raw`eyJ[A-Za-z0-9_\-]{8,255}\.eyJ[A-Za-z0-9_\-]{8,2048}\.[A-Za-z0-9_\-]{0,1024}`,
  ]
    .map((p) => `(?<![A-Za-z0-9_\\-])${p}(?![A-Za-z0-9_\\-])`)
    .join('|'),
  'g',
);

export function detectApiKey(text: string): DetectorMatch[] {
  return scanRegex(API_KEY, text, 'API_KEY');
}

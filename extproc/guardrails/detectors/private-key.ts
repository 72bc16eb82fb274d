// PEM private keys (PKCS#1/#8, EC, OpenSSH, encrypted, PGP blocks): from the BEGIN line to the
// END line. A block with no END yet (cut off, or still streaming) runs to the end of the text:
// half a key is still a secret, and the stream filter holds a match that touches the end.
import { scanRegex, type DetectorMatch } from './types';

const PRIVATE_KEY =
  /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|$)/g;

export function detectPrivateKey(text: string): DetectorMatch[] {
  if (!text.includes('-----BEGIN ')) return [];
  return scanRegex(PRIVATE_KEY, text, 'PRIVATE_KEY');
}

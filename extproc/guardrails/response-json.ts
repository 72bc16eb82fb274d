// Response checks on a whole JSON body: chat.completion message content and tool-call
// arguments, and text_completion choices. Other bodies (embeddings, errors, anything that is
// not JSON) pass unchanged. A block replaces the body with the OpenAI-shaped error.
import type { GatewayError } from '../../lib/errors';
import type { ResponseScanner } from './response-scanner';
import { responseTexts } from './text';

export function filterJson(scanner: ResponseScanner, body: Buffer): { body: Buffer; blocked?: GatewayError } {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    return { body };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { body };
  const refs = responseTexts(doc as Record<string, unknown>);
  let changed = false;
  for (const ref of refs) {
    const result = scanner.scan(ref.text, 0, true, ref.kind);
    if ('blocked' in result) return { body: Buffer.from(result.blocked.toBody()), blocked: result.blocked };
    if (result.out !== ref.text) {
      ref.set(result.out);
      changed = true;
    }
  }
  return changed ? { body: Buffer.from(JSON.stringify(doc)) } : { body };
}

// The Webhook check: POSTs {guardrail, check, phase, model, route, texts} as JSON and reads
// {action: allow|block|redact, reason?, texts?}. Anything else (connection error, timeout,
// non-2xx, a body that is not that shape, redacted texts of the wrong length) is a failure the
// caller resolves with the check's failMode. The configured headers (often credentials) go to
// the webhook only: they are never logged or copied into errors.
import type { GuardrailCheck } from '../config/schema';

export type WebhookConfig = Extract<GuardrailCheck, { type: 'Webhook' }>;

export interface WebhookRequest {
  guardrail: string;
  check: string;
  phase: 'request' | 'response';
  model: string;
  route: string;
  texts: string[];
}

export type WebhookVerdict =
  | { action: 'allow' }
  | { action: 'block'; reason?: string }
  | { action: 'redact'; texts: string[] }
  /** Why the webhook could not be used: a short reason for logs, without URLs or headers. */
  | { action: 'failed'; reason: string };

/** Reasons from the webhook reach logs and the audit only if they look like a label. */
const LABEL = /^[\w .:/-]{1,64}$/;

export async function callWebhook(
  config: WebhookConfig,
  request: WebhookRequest,
  fetchImpl: typeof fetch,
): Promise<WebhookVerdict> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  for (const h of config.headers) headers[h.name.toLowerCase()] = h.value;
  let res: Response;
  try {
    res = await fetchImpl(config.url, {
      method: 'POST',
      headers,
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(config.timeoutMs),
    });
  } catch (err) {
    const name = err instanceof Error ? err.name : '';
    return {
      action: 'failed',
      reason: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'unreachable',
    };
  }
  let body: unknown;
  try {
    const text = await res.text();
    if (!res.ok) return { action: 'failed', reason: `status ${res.status}` };
    body = JSON.parse(text);
  } catch (err) {
    const name = err instanceof Error ? err.name : '';
    return {
      action: 'failed',
      reason: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'invalid JSON',
    };
  }
  if (typeof body !== 'object' || body === null) return { action: 'failed', reason: 'invalid response' };
  const { action, reason, texts } = body as { action?: unknown; reason?: unknown; texts?: unknown };
  switch (action) {
    case 'allow':
      return { action: 'allow' };
    case 'block':
      return typeof reason === 'string' && LABEL.test(reason)
        ? { action: 'block', reason }
        : { action: 'block' };
    case 'redact':
      if (
        !Array.isArray(texts) ||
        texts.length !== request.texts.length ||
        !texts.every((t): t is string => typeof t === 'string')
      ) {
        return { action: 'failed', reason: 'redact without matching texts' };
      }
      return { action: 'redact', texts };
    default:
      return { action: 'failed', reason: 'invalid response' };
  }
}

// @kubernetes/client-node, loaded for our CommonJS build. The 1.x package is ESM only; Node 20.19+
// loads ESM through require() (no top-level await in it), but TypeScript's Node16 module mode
// rejects a static import of ESM from CommonJS (TS1479), and dynamic import() is not allowed
// here. So: the runtime module comes from require(), typed by a type-only import in import mode.
import type * as ClientNode from '@kubernetes/client-node' with { 'resolution-mode': 'import' };

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const k8s = require('@kubernetes/client-node') as typeof ClientNode;
export type { ClientNode };

/** The HTTP status of a failed API call (ApiException from the typed APIs, watch errors), if any. */
export function statusOf(err: unknown): number | undefined {
  if (err instanceof k8s.ApiException) return err.code;
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** A short message for logs: the ApiException's own message carries whole response headers. */
export function describeError(err: unknown): string {
  if (err instanceof k8s.ApiException) {
    let body: unknown = err.body;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        // Not a Status body (a proxy in between, say): keep the text.
      }
    }
    const message = (body as { message?: unknown } | null)?.message;
    return `HTTP ${err.code}: ${typeof message === 'string' ? message : String(body).slice(0, 300)}`;
  }
  const status = statusOf(err);
  const message = err instanceof Error ? err.message : String(err);
  return status === undefined ? message : `HTTP ${status}: ${message}`;
}

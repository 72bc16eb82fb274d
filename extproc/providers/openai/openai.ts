// OpenAI schema backends (OpenAI itself and every OpenAI-compatible server): same body, the
// backend's path prefix in place of the client's /v1, the model override, and a request for
// the usage chunk on streams so usage is always counted (router-level extproc hides that chunk
// again from clients that did not ask for it). Nothing is dropped or refused here: every
// parameter, known or not, reaches the backend, which answers for what it cannot honour, so
// these backends never report unsupported parameters (README "Unsupported parameters").
import type { BackendConfig } from '../../config/schema';
import type { ParsedRequest } from '../../request';
import type { RequestTranslation, Translator, UpstreamHeaders } from '../translator';

/** Replaces the client's leading /v1 with the backend's prefix ("/openai/v1", "" ...). */
export function rewritePath(clientPath: string, pathPrefix: string): string {
  const rest = clientPath === '/v1' || /^\/v1[/?]/.test(clientPath) ? clientPath.slice(3) : clientPath;
  const prefix = pathPrefix.endsWith('/') ? pathPrefix.slice(0, -1) : pathPrefix;
  return `${prefix}${rest}`;
}

function wantsUsageChunk(req: ParsedRequest): boolean {
  return req.stream && (req.endpoint === 'chat' || req.endpoint === 'completions') && !req.clientIncludeUsage;
}

export const openAITranslator: Translator = {
  requestHeaders(clientPath: string, backend: BackendConfig): UpstreamHeaders {
    const headers: Array<[string, string]> = backend.auth
      ? [[backend.auth.header.toLowerCase(), backend.auth.value]]
      : [];
    return { path: rewritePath(clientPath, backend.pathPrefix), headers };
  },

  requestBody(req: ParsedRequest, model: string): RequestTranslation {
    const changeModel = model !== req.model;
    const addUsage = wantsUsageChunk(req);
    if (!changeModel && !addUsage) return {};
    // Only top-level fields change: a shallow copy keeps every other field (known or not) as is.
    const body: Record<string, unknown> = { ...req.body, model };
    if (addUsage) {
      const options = req.body.stream_options;
      const prior = typeof options === 'object' && options !== null ? options : {};
      body.stream_options = { ...prior, include_usage: true };
    }
    return { body: Buffer.from(JSON.stringify(body)) };
  },

  // OpenAI-compatible backends already answer in the client's schema.
  responseTranslator(): undefined {
    return undefined;
  },
};

// Azure OpenAI backends: the OpenAI translator by composition, with Azure's deployment paths
// (/openai/deployments/{deployment}/chat/completions?api-version=...) where the deployment is the
// model the backend is asked for (after the rule's modelOverride), and the api-key header by
// default (an explicit `authorization` header carries a static Entra ID token instead), or an
// Entra ID token that extproc fetches and refreshes itself (entra.ts), set at the body phase.
import { GatewayError } from '../../../lib/errors';
import type { BackendConfig } from '../../config/schema';
import type { ParsedRequest } from '../../request';
import { openAITranslator, rewritePath } from '../openai/openai';
import type { RequestTranslation, Translator, UpstreamHeaders } from '../translator';
import { entraAuthorization } from './entra';

/** The api-version used when the AIBackend names none (Azure OpenAI's GA data-plane version). */
export const DEFAULT_AZURE_API_VERSION = '2024-10-21';

/** Client path -> Azure path: /v1/chat/completions -> {prefix}/openai/deployments/{d}/chat/completions?api-version=. */
export function azurePath(clientPath: string, deployment: string, backend: BackendConfig): string {
  const q = clientPath.indexOf('?');
  const route = rewritePath(q === -1 ? clientPath : clientPath.slice(0, q), '');
  const query = new URLSearchParams(q === -1 ? '' : clientPath.slice(q + 1));
  query.set('api-version', backend.azure?.apiVersion ?? DEFAULT_AZURE_API_VERSION);
  const prefix = backend.pathPrefix.replace(/\/+$/, '');
  return `${prefix}/openai/deployments/${encodeURIComponent(deployment)}${route}?${query.toString()}`;
}

export const azureOpenAITranslator: Translator = {
  requestHeaders(clientPath: string, backend: BackendConfig): UpstreamHeaders {
    // The deployment is only known with the body; the path is set again at the body phase.
    return openAITranslator.requestHeaders(clientPath, backend);
  },

  requestBody(
    req: ParsedRequest,
    model: string,
    clientPath: string,
    backend: BackendConfig,
  ): RequestTranslation | Promise<RequestTranslation> {
    if (req.endpoint === 'models' || req.endpoint === 'responses') {
      // Azure serves the Responses API and model lists under other paths than deployments.
      throw new GatewayError('invalid_request', `Azure OpenAI backends do not serve ${clientPath}.`);
    }
    const translated = openAITranslator.requestBody(req, model, clientPath, backend);
    // The OpenAI translator never waits (nothing to sign or fetch); only an Entra token does.
    if (translated instanceof Promise) throw new Error('the OpenAI translator must be synchronous');
    const out: RequestTranslation = { ...translated, path: azurePath(clientPath, model, backend) };
    const entra = backend.azure?.entra;
    if (!entra) return out;
    return entraAuthorization(backend, entra).then((header) => ({
      ...out,
      headers: [...(out.headers ?? []), header],
    }));
  },

  responseTranslator(): undefined {
    return undefined;
  },
};

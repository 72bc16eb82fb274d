// The seam between the client's API (OpenAI) and a backend's schema. Upstream-level extproc
// asks the backend's Translator for the path and credentials of each attempt (request headers),
// for the body and, once the model is known, the final path (request body), and for a
// per-attempt ResponseTranslator that turns the backend's responses (JSON, SSE, errors) back
// into OpenAI's shapes chunk by chunk. One implementation per backend schema in
// providers/<schema>/.
import type { BackendConfig } from '../config/schema';
import type { ParsedRequest } from '../request';
import type { UnsupportedParameters } from './unsupported';

export interface UpstreamHeaders {
  /** The path to send upstream (query string kept). */
  path: string;
  /** Headers to set (credentials); client credential headers are removed by the caller. */
  headers: Array<[string, string]>;
}

/** What the request body phase changes: the body, and the path when it depends on the model. */
export interface RequestTranslation {
  /** The body for the backend, or undefined when the client's bytes go upstream unchanged. */
  body?: Buffer;
  /** The upstream path, when it depends on the model (Azure deployments). */
  path?: string;
  /**
   * Headers that depend on the final request (a SigV4 signature over the body, a fetched OAuth
   * token); set at the request body phase, after those of requestHeaders.
   */
  headers?: Array<[string, string]>;
}

/**
 * Translates one attempt's response. `headers` is called once with the upstream's status and
 * content-type; `body` with every chunk in order (the last with endOfStream) and returns the
 * bytes to forward in its place (possibly empty while it waits for more).
 */
export interface ResponseTranslator {
  /** The content-type to send to the client. */
  headers(status: number, contentType: string): string;
  body(chunk: Buffer, endOfStream: boolean): Buffer;
}

export interface Translator {
  requestHeaders(clientPath: string, backend: BackendConfig): UpstreamHeaders;
  /**
   * The request for the backend. `model` is what the backend is asked for (the rule's
   * modelOverride or the client's model). Every parameter the backend cannot honour goes to
   * `unsupported` (absent: the default policy, Reject), which throws a 400 GatewayError naming
   * it or records it as dropped; malformed requests throw a 400 whatever the policy.
   * Asynchronous only where credentials need it (request signing, token fetches); a Promise
   * rejects with the same GatewayErrors.
   */
  requestBody(
    req: ParsedRequest,
    model: string,
    clientPath: string,
    backend: BackendConfig,
    unsupported?: UnsupportedParameters,
  ): RequestTranslation | Promise<RequestTranslation>;
  /** The response translator of one attempt; undefined when responses are already OpenAI's. */
  responseTranslator(req: ParsedRequest): ResponseTranslator | undefined;
}

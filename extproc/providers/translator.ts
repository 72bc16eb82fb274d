// The seam between the client's API (OpenAI) and a backend's schema. Upstream-level extproc
// asks the backend's Translator for the path and credentials of each attempt (request headers)
// and for the body (request body); one implementation per backend schema in providers/<schema>/.
import type { BackendConfig } from '../config/schema';
import type { ParsedRequest } from '../request';

export interface UpstreamHeaders {
  /** The path to send upstream (query string kept). */
  path: string;
  /** Headers to set (credentials); client credential headers are removed by the caller. */
  headers: Array<[string, string]>;
}

export interface Translator {
  requestHeaders(clientPath: string, backend: BackendConfig): UpstreamHeaders;
  /**
   * The body for the backend, or undefined when the client's bytes can go upstream unchanged.
   * `model` is what the backend is asked for (the rule's modelOverride or the client's model).
   */
  requestBody(req: ParsedRequest, model: string): Buffer | undefined;
}

// One error type with a closed union of codes; every error a client sees is an OpenAI-shaped
// JSON body (`{"error":{"message","type","param","code"}}`) with the status this table gives,
// or, for clients of Anthropic's /v1/messages, an Anthropic-shaped one with the same status
// (`{"type":"error","error":{"type","message"}}`). A new code without a status does not compile.

export type ErrorCode =
  | 'invalid_json'
  | 'invalid_request'
  | 'unsupported_content_type'
  | 'body_too_large'
  | 'model_required'
  | 'model_not_found'
  | 'route_not_found'
  | 'unauthenticated'
  | 'permission_denied'
  | 'rate_limited'
  | 'budget_exceeded'
  | 'budget_unavailable'
  | 'guardrail_unavailable'
  | 'guardrail_blocked'
  | 'upstream_error'
  | 'upstream_timeout'
  | 'no_healthy_upstream'
  | 'processor_unavailable'
  | 'internal_error';

export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  invalid_json: 400,
  invalid_request: 400,
  unsupported_content_type: 415,
  body_too_large: 413,
  model_required: 400,
  model_not_found: 404,
  route_not_found: 404,
  unauthenticated: 401,
  permission_denied: 403,
  rate_limited: 429,
  budget_exceeded: 429,
  /** The budget store is unreachable and a budget's failMode is Closed. */
  budget_unavailable: 503,
  guardrail_unavailable: 503,
  guardrail_blocked: 400,
  upstream_error: 502,
  upstream_timeout: 504,
  no_healthy_upstream: 503,
  processor_unavailable: 500,
  internal_error: 500,
};

const TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'invalid_request_error',
  415: 'invalid_request_error',
  429: 'rate_limit_error',
};

export class GatewayError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = STATUS_BY_CODE[code];
  }

  /** The OpenAI-shaped body clients parse. Never includes secrets: messages are ours. */
  toBody(): string {
    return openAIErrorBody(this.status, this.message, this.code, this.param);
  }

  /** The same error for an Anthropic Messages API client. */
  toAnthropicBody(): string {
    return anthropicErrorBody(this.status, this.message);
  }
}

export function openAIErrorBody(
  status: number,
  message: string,
  code: string,
  param: string | null = null,
): string {
  const type = TYPE_BY_STATUS[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
  return JSON.stringify({ error: { message, type, param, code } });
}

/**
 * Anthropic's error types by status (https://docs.anthropic.com/en/api/errors, "HTTP errors");
 * other 4xx are invalid_request_error (as that page says), other 5xx api_error.
 */
const ANTHROPIC_TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

export function anthropicErrorType(status: number): string {
  return ANTHROPIC_TYPE_BY_STATUS[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

export function anthropicErrorBody(status: number, message: string): string {
  return JSON.stringify({ type: 'error', error: { type: anthropicErrorType(status), message } });
}

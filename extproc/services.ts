// The seams between the router-level processor and the request features it drives: caller
// identity (extproc/identity/), budgets (extproc/budgets/), guardrails (extproc/guardrails/) and
// the audit log (extproc/audit/). The processor owns the order (docs/architecture.md, "Request
// pipeline"); each feature owns its rules. Services are process-wide and shared by all streams.
import type { GatewayError } from '../lib/errors';
import type { BudgetConfig, GuardrailConfig, Price } from './config/schema';
import type { Headers } from './messages';
import type { Usage } from './usage';

/** Who is calling, as the caller's AIClientPolicy established it. Never holds a secret. */
export interface Identity {
  source: 'apiKey' | 'jwt' | 'mtls' | 'header' | 'anonymous';
  tenant?: string;
  team?: string;
  user?: string;
  /** The API key's name ("namespace/secret"), never its value. */
  apiKey?: string;
  /** Verified JWT claims (source jwt), for Claim budget subjects. */
  claims?: Record<string, unknown>;
}

/** What the data plane tells the router level about the caller, besides the headers. */
export interface IdentityInput {
  headers: Headers;
  /** The payload jwt_authn verified (dynamic metadata JWT_PAYLOAD_KEY). */
  jwtPayload?: Record<string, unknown>;
  /** jwt_authn's failure status (JWT_FAILURE_KEY), e.g. "Jwt is expired". */
  jwtFailure?: string;
  /** The verified client certificate (ROUTER_REQUEST_ATTRIBUTES). */
  peer?: { subject?: string; uriSan?: string; dnsSan?: string };
  /** "ip:port" of the downstream peer (source.address). */
  sourceAddress?: string;
}

// ---- Budgets ----

export interface BudgetRequest {
  /** Unique per request; reservations are keyed by it (and so settlement is idempotent). */
  requestId: string;
  /** The route's budgets, in config order; the service skips those whose model filter misses. */
  budgets: BudgetConfig[];
  identity: Identity;
  headers: Headers;
  /** The model the client asked for (after a degrade: the degraded model). */
  model: string;
  /** Prompt tokens as counted by our tokenizer. */
  inputTokens: number;
  /** The request's max_tokens / max_completion_tokens, if it set one. */
  maxOutputTokens: number | undefined;
  /** Worst-case price of the model across the route's backends; undefined when unknown. */
  price: Price | undefined;
  /** Budget keys whose Degrade action was already applied: charged at settle, not checked now. */
  degraded?: readonly string[];
}

export interface Reservation {
  readonly id: string;
}

export type Admission =
  | {
      kind: 'admit';
      /** Undefined when no budget applied. */
      reservation: Reservation | undefined;
      /** x-ratelimit-* headers of the tightest budget, and a warning past a soft limit. */
      headers: Array<[string, string]>;
    }
  /** error is a 429 (or 503 for a Closed store outage, 400 for Reject of an unpriced model) with retry-after in error.headers. */
  | { kind: 'reject'; error: GatewayError }
  /** A budget with a Degrade action is exhausted: apply this, then reserve again with `degraded`. */
  | { kind: 'degrade'; budget: string; model?: string; maxTokens?: number };

export interface BudgetService {
  reserve(req: BudgetRequest): Promise<Admission>;
  /**
   * Charges the real usage (priced with `price`, the serving backend's price) and releases the
   * rest of the reservation. Idempotent; never rejects (failures are logged and counted). A
   * reservation that is never settled expires on its own.
   */
  settle(reservation: Reservation, usage: Usage, price: Price | undefined): Promise<void>;
  /** A request that never reached a backend: undo the reservation, charge nothing (not even a request). */
  release(reservation: Reservation): Promise<void>;
}

// ---- Guardrails ----

export interface FiredCheck {
  guardrail: string;
  check: string;
  action: 'blocked' | 'redacted' | 'logged' | 'failed_open' | 'failed_closed';
  /** Detector or reason names only (e.g. "Email", "score=0.8"); never matched content. */
  detail?: string;
}

export interface GuardrailContext {
  requestId: string;
  route: string;
  model: string;
  identity: Identity | undefined;
}

export interface RequestVerdict {
  /** Set when a check blocked (or failed closed): answer with it, send nothing upstream. */
  blocked?: GatewayError;
  /** Set when a check redacted: the body to send upstream instead. */
  body?: Record<string, unknown>;
  fired: FiredCheck[];
  /** Placeholder -> original, for checks with restore: true. */
  restore?: Map<string, string>;
}

/** Response-side checks for one request; the response is in OpenAI's schema at this level. */
export interface ResponseFilter {
  /** A whole JSON response body: the body to send, or a block. */
  json(body: Buffer): { body: Buffer; blocked?: GatewayError };
  /**
   * SSE bytes in, bytes out. Text may be held back (a bounded look-behind window) so a match
   * split across chunks is still caught; `end` flushes. After a block, emits an OpenAI-style
   * error event and `data: [DONE]`, then swallows the rest.
   */
  sse(chunk: Buffer, end: boolean): Buffer;
  readonly fired: FiredCheck[];
}

export interface GuardrailService {
  checkRequest(
    guardrails: GuardrailConfig[],
    body: Record<string, unknown>,
    ctx: GuardrailContext & { rawBytes: number },
  ): Promise<RequestVerdict>;
  /** Undefined when no check has response scope and there is nothing to restore. */
  responseFilter(
    guardrails: GuardrailConfig[],
    ctx: GuardrailContext,
    restore: Map<string, string> | undefined,
  ): ResponseFilter | undefined;
}

// ---- Audit ----

/** One record per request; see extproc/audit/. Never secrets, keys or (unless enabled) bodies. */
export interface AuditRecord {
  time: string;
  requestId: string;
  gateway: string | undefined;
  identity: Omit<Identity, 'claims'> | undefined;
  route: string;
  backend: string;
  requestModel: string;
  responseModel: string;
  status: number;
  error: string | undefined;
  stream: boolean;
  usage: Usage | undefined;
  /** US dollars; undefined when the model has no price. */
  cost: number | undefined;
  latencyMs: number;
  guardrails: FiredCheck[];
  /** Only when the sink was started with bodies enabled. */
  prompt?: unknown;
  completion?: string;
}

export interface AuditSink {
  readonly includeBodies: boolean;
  write(record: AuditRecord): void;
}

export interface Services {
  budgets?: BudgetService;
  guardrails?: GuardrailService;
  audit?: AuditSink;
}

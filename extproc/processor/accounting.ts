// What the router level learns about one request as it flows (caller, route, models, backend,
// status, first-byte time, usage, guardrails that fired) and the single place that turns it into
// metrics, the one log line, the audit record, the cost and the budget settlement, exactly once,
// whether the request completed, was refused, or the client left. A response that started and
// then broke (client gone, upstream reset) is counted with what was produced: tokens the provider
// reported, else our tokenizer's count of the text that went by. Never a silent $0: an unknown
// price is recorded as unpriced.
import { priceFor } from '../budgets/pricing';
import { costOf } from '../budgets/pricing';
import type { AuditRecord, FiredCheck, Identity, Reservation } from '../services';
import { countTokensOffThread } from '../tokens/async';
import { promptText } from '../tokens/count';
import type { Usage } from '../usage';
import type { StreamContext } from './types';

const NO_USAGE: Usage = { input: 0, output: 0, cached: 0, reasoning: 0 };

export class RequestRecord {
  readonly startedAt: number;
  operation = 'unknown';
  route = '';
  backend = '';
  requestModel = '';
  responseModel = '';
  status = 0;
  errorType = '';
  streamed = false;
  requestId = '';
  identity: Identity | undefined;
  reservation: Reservation | undefined;
  /** Guardrail checks that fired, request and response side. */
  readonly fired: FiredCheck[] = [];
  /** The model the client asked for, when a budget degraded it to requestModel. */
  degradedFrom: string | undefined;
  firstChunkAt: number | undefined;
  usage: Usage | undefined;
  /** Prompt fields and completion text, only consulted when the provider reported no usage. */
  requestBody: Record<string, unknown> | undefined;
  completionText = '';
  private done = false;
  /** Usage was counted by our tokenizer, not reported by the provider. */
  private estimated = false;

  get finished(): boolean {
    return this.done;
  }

  constructor(private readonly ctx: StreamContext) {
    this.startedAt = ctx.now();
  }

  /**
   * Records metrics and logs the request; later calls do nothing. When the provider reported
   * no usage, tokens are counted in the tokenizer worker first and recorded when it answers.
   */
  finish(): void {
    if (this.done) return;
    this.done = true;
    const end = this.ctx.now();
    const ok = this.status >= 200 && this.status < 300 && this.errorType === '';
    // Tokens were produced (or may have been) when a response started or the client left mid-way.
    const countable = ok || this.firstChunkAt !== undefined || this.errorType === 'client_disconnected';
    // The log line and histograms (~0.2 ms) wait until the reply in hand has been written:
    // finish() runs inside process(), before the server writes the response Envoy waits for.
    // `end` is taken now so the recorded latency does not include the wait.
    if (this.usage || !this.requestBody || !countable || this.backend === '') {
      setImmediate(() => this.record(end));
      return;
    }
    const texts = [promptText(this.requestBody), this.completionText];
    countTokensOffThread(texts).then(
      ([input = 0, output = 0]) => {
        this.usage = { input, output, cached: 0, reasoning: 0 };
        this.estimated = true;
        this.record(end);
      },
      (err: unknown) => {
        this.ctx.logger.warn({ err }, 'token count failed');
        this.record(end);
      },
    );
  }

  private record(end: number): void {
    const ok = this.status >= 200 && this.status < 300 && this.errorType === '';
    const ttftMs = this.firstChunkAt === undefined ? undefined : this.firstChunkAt - this.startedAt;
    const outputTokens = this.usage?.output ?? 0;
    const tpotMs =
      this.streamed && this.firstChunkAt !== undefined && outputTokens > 1
        ? (end - this.firstChunkAt) / (outputTokens - 1)
        : undefined;
    const errorType = this.errorType || (ok || this.status === 0 ? '' : String(this.status));
    const cost = this.charge();
    this.ctx.metrics.recordRequest(
      {
        operation: this.operation,
        route: this.route,
        backend: this.backend,
        requestModel: this.requestModel,
        responseModel: this.responseModel || this.requestModel,
        errorType,
      },
      this.usage,
      {
        durationSeconds: (end - this.startedAt) / 1000,
        ttftSeconds: ttftMs === undefined ? undefined : ttftMs / 1000,
        timePerOutputTokenSeconds: tpotMs === undefined ? undefined : tpotMs / 1000,
      },
    );
    this.ctx.logger.info(
      {
        gateway: this.ctx.gateway,
        route: this.route || undefined,
        backend: this.backend || undefined,
        model: this.requestModel || undefined,
        responseModel: this.responseModel || undefined,
        status: this.status,
        error: errorType || undefined,
        stream: this.streamed,
        tokens: this.usage,
        estimated: this.estimated || undefined,
        latencyMs: round(end - this.startedAt),
        ttftMs: ttftMs === undefined ? undefined : round(ttftMs),
        requestId: this.requestId || undefined,
        caller: this.caller(),
        cost,
        degradedFrom: this.degradedFrom,
        guardrails: this.fired.length > 0 ? this.fired : undefined,
      },
      'request',
    );
    this.audit(end, errorType, cost);
    this.requestBody = undefined;
    this.completionText = '';
  }

  /**
   * The cost of what was used, with the serving backend's price; settles the reservation with it.
   * Undefined when nothing reached a backend or the model has no price (counted as unpriced).
   */
  private charge(): number | undefined {
    const config = this.ctx.config;
    const model = this.responseModel || this.requestModel;
    const price = config && this.backend ? priceFor(config, this.backend, model) : undefined;
    const usage = this.usage ?? NO_USAGE;
    if (this.reservation) {
      const reservation = this.reservation;
      this.reservation = undefined;
      // No backend answered (refused, Envoy found no upstream, client gone first): not a request.
      if (!this.backend && !this.usage) void this.ctx.services.budgets?.release(reservation);
      else void this.ctx.services.budgets?.settle(reservation, usage, price);
    }
    if (!this.backend || !this.usage) return undefined;
    const cost = price ? costOf(usage, price) : undefined;
    this.ctx.metrics.recordCost(this.route, this.backend, model, cost);
    return cost;
  }

  /** Releases the reservation of a request that never went upstream. */
  settleIfNeeded(): void {
    if (!this.reservation) return;
    const reservation = this.reservation;
    this.reservation = undefined;
    void this.ctx.services.budgets?.release(reservation);
  }

  private caller(): Omit<Identity, 'claims'> | undefined {
    if (!this.identity) return undefined;
    const { claims: _claims, ...rest } = this.identity;
    return rest;
  }

  private audit(end: number, errorType: string, cost: number | undefined): void {
    const sink = this.ctx.services.audit;
    if (!sink) return;
    const record: AuditRecord = {
      time: new Date().toISOString(),
      requestId: this.requestId,
      gateway: this.ctx.gateway,
      identity: this.caller(),
      route: this.route,
      backend: this.backend,
      requestModel: this.requestModel,
      responseModel: this.responseModel || this.requestModel,
      status: this.status,
      error: errorType || undefined,
      stream: this.streamed,
      usage: this.usage,
      cost,
      latencyMs: round(end - this.startedAt),
      guardrails: this.fired,
    };
    if (sink.includeBodies) {
      record.prompt = this.requestBody;
      record.completion = this.completionText;
    }
    sink.write(record);
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

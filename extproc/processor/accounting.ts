// What the router level learns about one request as it flows (route, models, backend, status,
// first-byte time, usage) and the single place that turns it into metrics and the one log line
// per request, exactly once, whether the request completed, was refused, or the client left.
import { countTokensOffThread } from '../tokens/async';
import { promptText } from '../tokens/count';
import type { Usage } from '../usage';
import type { StreamContext } from './types';

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
    const countable = ok || this.errorType === 'client_disconnected';
    // The log line and histograms (~0.2 ms) wait until the reply in hand has been written:
    // finish() runs inside process(), before the server writes the response Envoy waits for.
    // `end` is taken now so the recorded latency does not include the wait.
    if (this.usage || !this.requestBody || !countable) {
      setImmediate(() => this.record(end));
      return;
    }
    const texts = [promptText(this.requestBody), this.completionText];
    this.requestBody = undefined;
    this.completionText = '';
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
      },
      'request',
    );
    this.requestBody = undefined;
    this.completionText = '';
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

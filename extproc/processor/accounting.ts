// What the router level learns about one request as it flows (route, models, backend, status,
// first-byte time, usage) and the single place that turns it into metrics and the one log line
// per request, exactly once, whether the request completed, was refused, or the client left.
import { countTokens, promptText } from '../tokens/count';
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

  constructor(private readonly ctx: StreamContext) {
    this.startedAt = ctx.now();
  }

  /** Records metrics and logs the request; later calls do nothing. */
  finish(): void {
    if (this.done) return;
    this.done = true;
    const end = this.ctx.now();
    const ok = this.status >= 200 && this.status < 300 && this.errorType === '';
    if (!this.usage && ok && this.requestBody) this.usage = this.estimateUsage();
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
        latencyMs: round(end - this.startedAt),
        ttftMs: ttftMs === undefined ? undefined : round(ttftMs),
      },
      'request',
    );
    this.requestBody = undefined;
    this.completionText = '';
  }

  private estimateUsage(): Usage {
    const body = this.requestBody ?? {};
    return {
      input: countTokens(promptText(body)),
      output: countTokens(this.completionText),
      cached: 0,
      reasoning: 0,
    };
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

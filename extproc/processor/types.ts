// What a per-stream processor is: one object per ext_proc gRPC stream (one HTTP request at the
// router level, one attempt at the upstream level) that answers each message and
// is told once when the stream ends, however it ends. Answers are synchronous where they can be
// (no allocation of a promise on the hot path) and asynchronous where the work is (budgets,
// guardrail webhooks, the tokenizer worker).
import type { Logger } from '../../lib/log';
import type { ProcessorConfig } from '../config/schema';
import type { ProcessingRequest, Reply } from '../messages';
import type { ExtprocMetrics } from '../metrics';
import type { Services } from '../services';

export interface StreamContext {
  /** The config this stream started with; kept for the stream's whole life. */
  config: ProcessorConfig | undefined;
  metrics: ExtprocMetrics;
  logger: Logger;
  /** Budgets, guardrails and audit; absent services are simply not applied. */
  services: Services;
  /** Gateway key from the gRPC metadata (router level). */
  gateway: string | undefined;
  /** Milliseconds on a monotonic clock. */
  now(): number;
}

export type EndReason = 'complete' | 'cancelled' | 'error';

export interface StreamProcessor {
  /**
   * Answers one message. A promise means "later": the server answers messages of one stream in
   * order and never calls process() again before the previous answer has been written.
   */
  process(req: ProcessingRequest): Reply;
  /** The gRPC stream ended (normally, or because the client or Envoy went away). Idempotent. */
  end(reason: EndReason): void;
}

// What a per-stream processor is: one object per ext_proc gRPC stream (one HTTP request at the
// router level, one attempt at the upstream level) that answers each message synchronously and
// is told once when the stream ends, however it ends.
import type { Logger } from '../../lib/log';
import type { ProcessorConfig } from '../config/schema';
import type { ProcessingRequest, ProcessingResponse } from '../messages';
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
  process(req: ProcessingRequest): ProcessingResponse;
  /** The gRPC stream ended (normally, or because the client or Envoy went away). Idempotent. */
  end(reason: EndReason): void;
}

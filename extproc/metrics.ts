// extproc's Prometheus metrics, named after the OpenTelemetry GenAI semantic conventions
// (dots become underscores): token usage by type, request duration, time to first token and
// time per output token, plus extproc's own processing time per phase and the config version.
// Labels are route/backend/model names and error types only: never secrets or prompt text.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Usage } from './usage';

const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304];
const DURATION_BUCKETS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];
const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const TPOT_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5];
const PROCESSING_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1];

const LABELS = [
  'gen_ai_operation_name',
  'route',
  'backend',
  'gen_ai_request_model',
  'gen_ai_response_model',
  'error_type',
] as const;

export interface RequestLabels {
  operation: string;
  route: string;
  backend: string;
  requestModel: string;
  responseModel: string;
  /** Empty when the request succeeded; otherwise the HTTP status or our error code. */
  errorType: string;
}

export interface RequestTimings {
  durationSeconds: number;
  ttftSeconds?: number;
  timePerOutputTokenSeconds?: number;
}

export class ExtprocMetrics {
  readonly registry = new Registry();
  private readonly tokens = new Histogram({
    name: 'gen_ai_client_token_usage',
    help: 'Tokens used per request, by token type (input, output, cached, reasoning).',
    labelNames: [...LABELS, 'gen_ai_token_type'],
    buckets: TOKEN_BUCKETS,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'gen_ai_server_request_duration',
    help: 'Seconds from request headers to the end of the response.',
    labelNames: LABELS,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  private readonly ttft = new Histogram({
    name: 'gen_ai_server_time_to_first_token',
    help: 'Seconds from request headers to the first response body chunk.',
    labelNames: LABELS,
    buckets: TTFT_BUCKETS,
    registers: [this.registry],
  });
  private readonly tpot = new Histogram({
    name: 'gen_ai_server_time_per_output_token',
    help: 'Seconds per output token after the first, for streamed responses.',
    labelNames: LABELS,
    buckets: TPOT_BUCKETS,
    registers: [this.registry],
  });
  private readonly processing = new Histogram({
    name: 'tollgate_extproc_processing_seconds',
    help: "extproc's own time handling one ext_proc message, by level and phase.",
    labelNames: ['level', 'phase'],
    buckets: PROCESSING_BUCKETS,
    registers: [this.registry],
  });
  private readonly cost = new Counter({
    name: 'tollgate_cost_usd_total',
    help: 'US dollars spent, priced with the serving backend price (or the default catalog).',
    labelNames: ['route', 'backend', 'gen_ai_response_model'],
    registers: [this.registry],
  });
  private readonly unpriced = new Counter({
    name: 'tollgate_unpriced_requests_total',
    help: 'Requests that used tokens on a model without a known price (their cost is unknown, not 0).',
    labelNames: ['route', 'backend', 'gen_ai_response_model'],
    registers: [this.registry],
  });
  private readonly configInfo = new Gauge({
    name: 'tollgate_extproc_config_info',
    help: 'The ProcessorConfig version in use (value 1).',
    labelNames: ['version'],
    registers: [this.registry],
  });

  recordRequest(labels: RequestLabels, usage: Usage | undefined, timings: RequestTimings): void {
    const l = {
      gen_ai_operation_name: labels.operation,
      route: labels.route,
      backend: labels.backend,
      gen_ai_request_model: labels.requestModel,
      gen_ai_response_model: labels.responseModel,
      error_type: labels.errorType,
    };
    this.duration.observe(l, timings.durationSeconds);
    if (timings.ttftSeconds !== undefined) this.ttft.observe(l, timings.ttftSeconds);
    if (timings.timePerOutputTokenSeconds !== undefined)
      this.tpot.observe(l, timings.timePerOutputTokenSeconds);
    if (!usage) return;
    this.tokens.observe({ ...l, gen_ai_token_type: 'input' }, usage.input);
    this.tokens.observe({ ...l, gen_ai_token_type: 'output' }, usage.output);
    if (usage.cached > 0) this.tokens.observe({ ...l, gen_ai_token_type: 'cached' }, usage.cached);
    if (usage.reasoning > 0) this.tokens.observe({ ...l, gen_ai_token_type: 'reasoning' }, usage.reasoning);
  }

  /** cost undefined: the model has no price; counted as unpriced, never as $0. */
  recordCost(route: string, backend: string, model: string, cost: number | undefined): void {
    const l = { route, backend, gen_ai_response_model: model };
    if (cost === undefined) this.unpriced.inc(l);
    else this.cost.inc(l, cost);
  }

  recordProcessing(level: string, phase: string, seconds: number): void {
    this.processing.observe({ level, phase }, seconds);
  }

  setConfigVersion(version: string): void {
    this.configInfo.reset();
    this.configInfo.set({ version }, 1);
  }
}

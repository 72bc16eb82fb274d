// Helpers for driving a processor directly (no gRPC) in unit and property tests.
import pino from 'pino';
import type { ProcessorConfig } from '../config/schema';
import type { ProcessingRequest, ProcessingResponse, Reply } from '../messages';
import { ExtprocMetrics } from '../metrics';
import type { StreamContext } from './types';

export function testContext(config: ProcessorConfig | undefined, gateway = 'default/gw'): StreamContext {
  let clock = 0;
  return {
    config,
    metrics: new ExtprocMetrics(),
    logger: pino({ level: 'silent' }),
    services: {},
    gateway,
    now: () => (clock += 1),
  };
}

export function requestHeaders(headers: Record<string, string>, endOfStream = false): ProcessingRequest {
  return {
    request_headers: {
      headers: {
        headers: Object.entries(headers).map(([key, v]) => ({ key, value: '', raw_value: Buffer.from(v) })),
      },
      end_of_stream: endOfStream,
      attributes: {},
    },
    request: 'request_headers',
  };
}

export function requestBody(body: Buffer | string, endOfStream = true): ProcessingRequest {
  return { request_body: { body: Buffer.from(body), end_of_stream: endOfStream }, request: 'request_body' };
}

/** An answer that must be synchronous (no budgets, guardrails or webhooks in play). */
export function sync(reply: Reply): ProcessingResponse {
  if (reply instanceof Promise) throw new Error('expected a synchronous answer');
  return reply;
}

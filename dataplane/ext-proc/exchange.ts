// The request/response conversation on one Process stream, with Envoy's rules for when it goes
// wrong: each message must be answered within message_timeout (override_message_timeout may
// extend it once per message, up to max_message_timeout); a timeout or gRPC error fails the
// request (504 / 500) unless failure_mode_allow, in which case processing continues without the
// processor; a clean close by the processor, or a spurious message, also ends processing and
// the request goes on unmodified. Once "complete", nothing more is sent.
import * as grpc from '@grpc/grpc-js';
import type { CommonResponse__Output } from '../../gen/protos/envoy/service/ext_proc/v3/CommonResponse';
import type { ProcessingRequest } from '../../gen/protos/envoy/service/ext_proc/v3/ProcessingRequest';
import type { ProcessingResponse__Output } from '../../gen/protos/envoy/service/ext_proc/v3/ProcessingResponse';
import { durationMs, type ExtProcSettings } from './config';
import { ProcessorStream } from './grpc-stream';
import { grpcErrorReply, immediateReply, timeoutReply } from './immediate';
import type { Decision } from './types';

export type Phase = 'request_headers' | 'response_headers' | 'request_body' | 'response_body';

export type CallResult =
  | { kind: 'common'; common: CommonResponse__Output }
  /** Go on as if the processor had not been asked. */
  | { kind: 'unmodified' }
  | { kind: 'reply'; decision: Decision };

type Outcome =
  | { kind: 'response'; response: ProcessingResponse__Output }
  | { kind: 'timeout' }
  | { kind: 'end'; code: number };

interface Waiter {
  resolve(outcome: Outcome): void;
  timer: NodeJS.Timeout;
  timeoutOverridden: boolean;
}

export class ProcessorExchange {
  /** Envoy's processing_complete_: the processor is not consulted any more. */
  complete = false;
  private closed = false;
  private stream?: ProcessorStream;
  private waiter?: Waiter;
  /** A reply decided while no message was outstanding, for the next phase the core asks about. */
  private pendingReply?: Decision;

  constructor(
    private readonly settings: ExtProcSettings,
    private readonly resolveCluster: (clusterName: string) => string,
  ) {}

  /**
   * Sends one message and waits for its answer. `beforeHandling` sees a headers response first,
   * so a mode_override takes effect before the response is applied, as in Envoy.
   */
  async call(
    phase: Phase,
    request: ProcessingRequest,
    beforeHandling?: (response: ProcessingResponse__Output) => void,
  ): Promise<CallResult> {
    const outcome = await this.send(request);
    if (this.closed) return { kind: 'unmodified' };
    if (outcome.kind === 'timeout') {
      this.finish();
      return this.settings.failureModeAllow
        ? { kind: 'unmodified' }
        : { kind: 'reply', decision: timeoutReply() };
    }
    if (outcome.kind === 'end') {
      this.finish();
      if (outcome.code === grpc.status.OK || this.settings.failureModeAllow) return { kind: 'unmodified' };
      return { kind: 'reply', decision: grpcErrorReply(outcome.code) };
    }
    const response = outcome.response;
    if (phase === 'request_headers' || phase === 'response_headers') beforeHandling?.(response);
    if (response.response === 'immediate_response' && response.immediate_response) {
      this.finish();
      // disable_immediate_response turns it into a spurious message: continue without the processor.
      if (this.settings.disableImmediateResponse) return { kind: 'unmodified' };
      return { kind: 'reply', decision: immediateReply(response.immediate_response) };
    }
    const common = commonResponseFor(phase, response);
    if (!common) {
      // A response for another phase is spurious: Envoy stops talking to the processor.
      this.finish();
      return { kind: 'unmodified' };
    }
    return { kind: 'common', common };
  }

  takePendingReply(): Decision | undefined {
    const reply = this.pendingReply;
    this.pendingReply = undefined;
    return reply;
  }

  /** Stops consulting the processor and ends the stream (cancelled unless `graceful`). */
  finish(graceful = false): void {
    this.complete = true;
    this.stream?.close(!graceful);
    this.stream = undefined;
  }

  /**
   * The core's close(): idempotent; a call in flight resolves as unmodified and its stream is
   * cancelled. With nothing in flight the conversation is over: the stream is half-closed and
   * the processor ends it.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.finish(this.waiter === undefined);
    this.settle({ kind: 'end', code: grpc.status.CANCELLED });
  }

  private send(request: ProcessingRequest): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      if (!this.stream) {
        try {
          const target = this.resolveCluster(this.settings.clusterName);
          this.stream = new ProcessorStream(target, this.settings.initialMetadata, {
            onResponse: (r) => this.onResponse(r),
            onEnd: (code) => this.onEnd(code),
          });
        } catch {
          // An unknown cluster or unusable target is a failed stream, subject to failure_mode_allow.
          resolve({ kind: 'end', code: grpc.status.UNAVAILABLE });
          return;
        }
      }
      this.waiter = {
        resolve,
        timer: this.startTimer(this.settings.messageTimeoutMs),
        timeoutOverridden: false,
      };
      this.stream.send(request);
    });
  }

  private startTimer(ms: number): NodeJS.Timeout {
    return setTimeout(() => this.settle({ kind: 'timeout' }), ms);
  }

  private settle(outcome: Outcome): void {
    const waiter = this.waiter;
    if (!waiter) return;
    this.waiter = undefined;
    clearTimeout(waiter.timer);
    waiter.resolve(outcome);
  }

  private onResponse(response: ProcessingResponse__Output): void {
    if (this.complete) return;
    if (response.override_message_timeout) {
      this.overrideTimeout(response.override_message_timeout);
      return;
    }
    if (this.waiter) {
      this.settle({ kind: 'response', response });
      return;
    }
    // Nothing was asked: an immediate response still ends the stream with that reply (Envoy sends
    // it at once); anything else is spurious.
    this.finish();
    if (response.response === 'immediate_response' && response.immediate_response) {
      if (!this.settings.disableImmediateResponse)
        this.pendingReply = immediateReply(response.immediate_response);
    }
  }

  private onEnd(code: number): void {
    if (this.complete) return;
    if (this.waiter) {
      // call() finishes (and closes our side of) the stream when it sees this outcome.
      this.settle({ kind: 'end', code });
      return;
    }
    this.finish();
    if (code !== grpc.status.OK && !this.settings.failureModeAllow) this.pendingReply = grpcErrorReply(code);
  }

  private overrideTimeout(duration: unknown): void {
    const waiter = this.waiter;
    if (!waiter || waiter.timeoutOverridden) return;
    let ms: number | undefined;
    try {
      ms = durationMs(duration, 'override_message_timeout');
    } catch {
      return;
    }
    if (ms === undefined || ms < 1 || ms > this.settings.maxMessageTimeoutMs) return;
    clearTimeout(waiter.timer);
    waiter.timer = this.startTimer(ms);
    waiter.timeoutOverridden = true;
  }
}

function commonResponseFor(
  phase: Phase,
  response: ProcessingResponse__Output,
): CommonResponse__Output | undefined {
  if (response.response !== phase) return undefined;
  return response[phase]?.response ?? {};
}

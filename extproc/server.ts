// The gRPC server Envoy calls: envoy.service.ext_proc.v3.ExternalProcessor/Process. Each
// stream gets a processor for its level (initial metadata x-tollgate-phase) and the config that
// is current when the stream opens; the processor answers every message, in order, now or later. However
// the stream ends (normal close, client disconnect, error), the processor is told exactly once.
import * as grpc from '@grpc/grpc-js';
import fs from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../lib/log';
import { GATEWAY_METADATA, PHASE_METADATA } from '../lib/headers';
import { grpcService, loadGrpcPackage } from '../lib/protos';
import type { ConfigStore } from './config/store';
import { messageKind, type ProcessingRequest, type ProcessingResponse } from './messages';
import { ExtprocMetrics } from './metrics';
import { RouterProcessor } from './processor/router';
import type { Services } from './services';
import type { EndReason, StreamContext, StreamProcessor } from './processor/types';
import { UpstreamProcessor } from './processor/upstream';

const SERVICE = 'envoy.service.ext_proc.v3.ExternalProcessor';

/**
 * Envoy ends every ext_proc stream with a half-close and then RST_STREAM(CANCEL). nghttp2 (>=1.57,
 * the CVE-2023-44487 "rapid reset" fix) rate-limits RST_STREAMs a server session receives: a
 * bucket of 1000, refilled at 33/s; when it is empty the session is torn down with GOAWAY
 * INTERNAL_ERROR and every stream in flight on it fails (status 13). Node 20 does not expose
 * nghttp2_option_set_stream_reset_rate_limit and grpc-js forwards no option for it (Node's
 * maxSessionInvalidFrames / maxSessionRejectedStreams are unrelated: raising them changes
 * nothing). So we retire a connection gracefully well before its bucket can run dry: after this
 * many streams the client is told to reconnect, and a fresh session starts with a full bucket.
 */
export const STREAMS_PER_CONNECTION = 500;

export interface ExtprocServerOptions {
  store: ConfigStore;
  logger: Logger;
  metrics?: ExtprocMetrics;
  services?: Services;
}

/** "tcp:HOST:PORT", "unix:/path", or plain "HOST:PORT" -> a grpc-js bind address. */
export function bindAddress(listen: string): string {
  if (listen.startsWith('tcp:')) return listen.slice(4);
  if (listen.startsWith('unix:')) {
    if (listen.length <= 5) throw new Error(`invalid listen address ${listen}: empty socket path`);
    return listen;
  }
  if (/^[^:]+:\d+$/.test(listen) || /^\[[^\]]+\]:\d+$/.test(listen)) return listen;
  throw new Error(`invalid listen address ${listen}: use tcp:HOST:PORT or unix:/path`);
}

export class ExtprocServer {
  readonly metrics: ExtprocMetrics;
  private readonly server = new grpc.Server({
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    // Nothing reads channelz, and grpc-js's per-stream tracking for it costs ~0.1 ms a stream.
    'grpc.enable_channelz': 0,
    interceptors: [retireBusyConnections(STREAMS_PER_CONNECTION)],
  });
  private readonly streams = new Set<grpc.ServerDuplexStream<ProcessingRequest, ProcessingResponse>>();

  constructor(private readonly options: ExtprocServerOptions) {
    this.metrics = options.metrics ?? new ExtprocMetrics();
    const service = grpcService(
      loadGrpcPackage('envoy/service/ext_proc/v3/external_processor.proto'),
      SERVICE,
    );
    this.server.addService(service.service, { Process: this.handle.bind(this) });
  }

  /** Binds and serves; resolves to the bound address ("127.0.0.1:PORT" or "unix:/path"). */
  async listen(listen: string): Promise<string> {
    const address = bindAddress(listen);
    if (address.startsWith('unix:')) await removeStaleSocket(address.slice(5));
    return new Promise((resolve, reject) => {
      this.server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, port) => {
        if (err) return reject(err);
        resolve(address.startsWith('unix:') ? address : address.replace(/:\d+$/, `:${port}`));
      });
    });
  }

  /** Number of open ext_proc streams (for tests and shutdown logs). */
  get activeStreams(): number {
    return this.streams.size;
  }

  /** Stops accepting streams, lets open ones finish for up to graceMs, then cuts them. */
  close(graceMs = 5000): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      timer.unref();
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private handle(call: grpc.ServerDuplexStream<ProcessingRequest, ProcessingResponse>): void {
    const phase = call.metadata.get(PHASE_METADATA)[0];
    const gateway = call.metadata.get(GATEWAY_METADATA)[0];
    const ctx: StreamContext = {
      config: this.options.store.current(),
      metrics: this.metrics,
      logger: this.options.logger,
      services: this.options.services ?? {},
      gateway: typeof gateway === 'string' ? gateway : undefined,
      now: () => performance.now(),
    };
    let processor: StreamProcessor;
    if (phase === 'router') processor = new RouterProcessor(ctx);
    else if (phase === 'upstream') processor = new UpstreamProcessor(ctx);
    else {
      call.emit('error', {
        code: grpc.status.INVALID_ARGUMENT,
        details: `${PHASE_METADATA} metadata must be "router" or "upstream"`,
      });
      return;
    }
    this.streams.add(call);
    let ended = false;
    const finish = (reason: EndReason): void => {
      if (ended) return;
      ended = true;
      this.streams.delete(call);
      processor.end(reason);
    };
    const respond = (req: ProcessingRequest, response: ProcessingResponse, started: number): void => {
      if (ended) return;
      // Reply first: Envoy is waiting on this message, the histogram is not.
      call.write(response);
      const seconds = (performance.now() - started) / 1000;
      this.metrics.recordProcessing(phase, messageKind(req) ?? 'unknown', seconds);
      if (response.immediate_response) {
        // Envoy stops sending after an immediate response; close our side too.
        finish('complete');
        call.end();
      }
    };
    const run = (req: ProcessingRequest): Promise<void> | undefined => {
      if (ended) return undefined;
      const started = performance.now();
      const reply = processor.process(req);
      if (!(reply instanceof Promise)) {
        respond(req, reply, started);
        return undefined;
      }
      return reply.then((response) => respond(req, response, started));
    };
    // Messages of one stream are answered in order: while an answer is pending (a budget
    // reservation, a webhook), later messages wait behind it. Synchronous answers never queue.
    let pending: Promise<void> | undefined;
    const enqueue = (work: () => Promise<void> | undefined): void => {
      const next = pending ? pending.then(work) : work();
      if (!next) return;
      const settled: Promise<void> = next.then(
        () => {
          if (pending === settled) pending = undefined;
        },
        (err: unknown) => {
          this.options.logger.error({ err }, 'ext_proc message failed');
          finish('error');
          call.destroy();
        },
      );
      pending = settled;
    };
    call.on('data', (req: ProcessingRequest) => enqueue(() => run(req)));
    call.on('end', () =>
      enqueue(() => {
        finish('complete');
        call.end();
        return undefined;
      }),
    );
    call.on('cancelled', () => finish('cancelled'));
    call.on('error', () => finish('error'));
    call.on('close', () => finish('cancelled'));
  }
}

/**
 * Counts streams per HTTP/2 session and drains a session once it has carried `limit` of them.
 * grpc-js has no public handle on the session; its base call keeps the http2 stream in `stream`.
 * If a grpc-js upgrade drops that field this degrades to doing nothing (the old behaviour).
 */
function retireBusyConnections(limit: number): grpc.ServerInterceptor {
  const counts = new WeakMap<http2.Http2Session, number>();
  return (_method, call) => {
    const session = (call as unknown as { stream?: http2.ServerHttp2Stream }).stream?.session;
    if (session) {
      const count = (counts.get(session) ?? 0) + 1;
      counts.set(session, count);
      if (count === limit) drain(session);
    }
    return new grpc.ServerInterceptingCall(call);
  };
}

/**
 * Graceful HTTP/2 drain, as grpc-js does for max_connection_age: a first GOAWAY with the highest
 * stream id refuses nothing already on the wire; once a PING round trip proves the client has
 * seen it, close() sends the final GOAWAY and lets open streams finish.
 */
function drain(session: http2.Http2Session): void {
  if (session.closed || session.destroyed) return;
  const close = (): void => {
    if (!session.closed && !session.destroyed) session.close();
  };
  session.goaway(http2.constants.NGHTTP2_NO_ERROR, 2 ** 31 - 1);
  if (!session.ping(close)) close();
}

/**
 * A process killed without cleanup (SIGKILL, OOM) leaves its socket file behind, and binding
 * then fails with EADDRINUSE. Remove the file only if it is a socket nobody answers on.
 */
async function removeStaleSocket(path: string): Promise<void> {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(path);
  } catch {
    return; // nothing there
  }
  if (!stat.isSocket()) return; // not ours to delete; bind will report the conflict
  const alive = await new Promise<boolean>((resolve) => {
    const probe = net.connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (!alive) fs.unlinkSync(path);
}

// The gRPC server Envoy calls: envoy.service.ext_proc.v3.ExternalProcessor/Process. Each
// stream gets a processor for its level (initial metadata x-tollgate-phase) and the config that
// is current when the stream opens; the processor answers every message synchronously. However
// the stream ends (normal close, client disconnect, error), the processor is told exactly once.
import * as grpc from '@grpc/grpc-js';
import fs from 'node:fs';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../lib/log';
import { GATEWAY_METADATA, PHASE_METADATA } from '../lib/headers';
import { grpcService, loadGrpcPackage } from '../lib/protos';
import type { ConfigStore } from './config/store';
import { messageKind, type ProcessingRequest, type ProcessingResponse } from './messages';
import { ExtprocMetrics } from './metrics';
import { RouterProcessor } from './processor/router';
import type { EndReason, StreamContext, StreamProcessor } from './processor/types';
import { UpstreamProcessor } from './processor/upstream';

const SERVICE = 'envoy.service.ext_proc.v3.ExternalProcessor';

export interface ExtprocServerOptions {
  store: ConfigStore;
  logger: Logger;
  metrics?: ExtprocMetrics;
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
  private readonly server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
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
    call.on('data', (req: ProcessingRequest) => {
      if (ended) return;
      const started = performance.now();
      const response = processor.process(req);
      this.metrics.recordProcessing(
        phase,
        messageKind(req) ?? 'unknown',
        (performance.now() - started) / 1000,
      );
      call.write(response);
      if (response.immediate_response) {
        // Envoy stops sending after an immediate response; close our side too.
        finish('complete');
        call.end();
      }
    });
    call.on('end', () => {
      finish('complete');
      call.end();
    });
    call.on('cancelled', () => finish('cancelled'));
    call.on('error', () => finish('error'));
    call.on('close', () => finish('cancelled'));
  }
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

// The gRPC side of the filter: one shared ExternalProcessor client (one channel) per target, as
// Envoy shares its async client per cluster, and a thin wrapper over one bidi Process stream
// that reports each response and the stream's end (status code) to its owner.
import * as grpc from '@grpc/grpc-js';
import type { ExternalProcessorClient } from '../../gen/protos/envoy/service/ext_proc/v3/ExternalProcessor';
import type { ProcessingRequest } from '../../gen/protos/envoy/service/ext_proc/v3/ProcessingRequest';
import type { ProcessingResponse__Output } from '../../gen/protos/envoy/service/ext_proc/v3/ProcessingResponse';
import { grpcService, loadGrpcPackage } from '../../lib/protos';

const PROTO_FILE = 'envoy/service/ext_proc/v3/external_processor.proto';
const SERVICE = 'envoy.service.ext_proc.v3.ExternalProcessor';

const clients = new Map<string, ExternalProcessorClient>();

/** The shared client for "host:port" or "unix:/path". */
export function processorClient(target: string): ExternalProcessorClient {
  let client = clients.get(target);
  if (!client) {
    const Client = grpcService(loadGrpcPackage(PROTO_FILE), SERVICE);
    // Channelz off: nothing reads it, and grpc-js tracks every call for it (one per request
    // and level here), ~0.1 ms each.
    client = new Client(target, grpc.credentials.createInsecure(), {
      'grpc.enable_channelz': 0,
    }) as unknown as ExternalProcessorClient;
    clients.set(target, client);
  }
  return client;
}

/** Closes every shared channel (process shutdown, tests). Sessions still open see UNAVAILABLE. */
export function closeExtProcClients(): void {
  for (const client of clients.values()) client.close();
  clients.clear();
}

export interface StreamEvents {
  onResponse(response: ProcessingResponse__Output): void;
  /** The stream ended on its own: code 0 is a clean close by the processor, anything else an error. */
  onEnd(code: number): void;
}

/** How long a processor gets to end a stream we half-closed before it is cancelled. */
const HALF_CLOSE_GRACE_MS = 5_000;

/** One Process call. The end is reported once, and never after close(). */
export class ProcessorStream {
  private readonly call: grpc.ClientDuplexStream<ProcessingRequest, ProcessingResponse__Output>;
  private ended = false;
  private closed = false;
  private graceTimer: NodeJS.Timeout | undefined;

  constructor(target: string, metadata: Array<[string, string]>, events: StreamEvents) {
    const md = new grpc.Metadata();
    for (const [key, value] of metadata) md.add(key, value);
    this.call = processorClient(target).Process(md);
    this.call.on('data', (response: ProcessingResponse__Output) => {
      if (!this.ended && !this.closed) events.onResponse(response);
    });
    // 'error' always comes with a 'status' event; listening keeps it from being thrown.
    this.call.on('error', () => undefined);
    this.call.on('status', (status: grpc.StatusObject) => {
      clearTimeout(this.graceTimer);
      if (this.ended) return;
      this.ended = true;
      if (!this.closed) events.onEnd(status.code);
    });
  }

  send(request: ProcessingRequest): void {
    if (!this.ended && !this.closed) this.call.write(request);
  }

  /**
   * Half-closes. `cancel` also resets the stream at once (a message in flight, a timeout, a
   * failure); otherwise the processor ends its side in its own time and is only cancelled if it
   * does not within HALF_CLOSE_GRACE_MS. An immediate RST_STREAM after every finished
   * conversation races the processor's own end of the stream, and a grpc-js (Node http2) server
   * then answers with GOAWAY INTERNAL_ERROR after about a thousand streams, failing every stream
   * in flight on the connection (seen at 100 req/s in bench/e2e.ts).
   */
  close(cancel = true): void {
    if (this.closed) return;
    this.closed = true;
    if (this.ended) return;
    this.call.end();
    if (cancel) {
      this.call.cancel();
      return;
    }
    this.graceTimer = setTimeout(() => {
      if (!this.ended) this.call.cancel();
    }, HALF_CLOSE_GRACE_MS).unref();
  }
}

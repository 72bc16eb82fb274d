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
    client = new Client(target, grpc.credentials.createInsecure()) as unknown as ExternalProcessorClient;
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

/** One Process call. The end is reported once, and never after close(). */
export class ProcessorStream {
  private readonly call: grpc.ClientDuplexStream<ProcessingRequest, ProcessingResponse__Output>;
  private ended = false;
  private closed = false;

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
      if (this.ended) return;
      this.ended = true;
      if (!this.closed) events.onEnd(status.code);
    });
  }

  send(request: ProcessingRequest): void {
    if (!this.ended && !this.closed) this.call.write(request);
  }

  /** Half-closes then cancels, as Envoy's closeStream() does, also after the server ended it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.call.end();
    this.call.cancel();
  }
}

// An Envoy-like ext_proc client for tests and benchmarks: it opens Process streams with the
// initial metadata Tollgate renders, sends the messages Envoy would send for the configured
// processing modes, and applies the answers the way Envoy does (header mutations: removes, then
// sets; body mutations; clear_route_cache; immediate responses; mode_override of the response
// phases). `exchange` drives one whole request: router level, upstream level, fake upstream,
// and the response back through both levels.
import * as grpc from '@grpc/grpc-js';
import {
  FILTER,
  GATEWAY_METADATA,
  PHASE_METADATA,
  UPSTREAM_HOST_METADATA_ATTRIBUTE,
} from '../../lib/headers';
import { grpcService, loadGrpcPackage } from '../../lib/protos';
import type { ProcessingRequest } from '../../gen/protos/envoy/service/ext_proc/v3/ProcessingRequest';
import type { ProcessingResponse__Output } from '../../gen/protos/envoy/service/ext_proc/v3/ProcessingResponse';
import type { HeaderMutation__Output } from '../../gen/protos/envoy/service/ext_proc/v3/HeaderMutation';

export type HeaderMap = Map<string, string>;
type Duplex = grpc.ClientDuplexStream<ProcessingRequest, ProcessingResponse__Output>;

/** One Process stream; `send` writes a message and resolves with the next answer. */
export class ExtProcStream {
  private readonly queue: ProcessingResponse__Output[] = [];
  private waiters: Array<{ resolve: (r: ProcessingResponse__Output) => void; reject: (e: Error) => void }> =
    [];
  private failure: Error | undefined;
  readonly done: Promise<grpc.StatusObject>;

  constructor(readonly call: Duplex) {
    call.on('data', (r: ProcessingResponse__Output) => {
      const waiter = this.waiters.shift();
      if (waiter) waiter.resolve(r);
      else this.queue.push(r);
    });
    const fail = (err: Error): void => {
      this.failure = err;
      for (const w of this.waiters.splice(0)) w.reject(err);
    };
    call.on('error', fail);
    call.on('end', () => fail(new Error('ext_proc stream ended')));
    this.done = new Promise((resolve) => call.on('status', resolve));
  }

  send(req: ProcessingRequest): Promise<ProcessingResponse__Output> {
    this.call.write(req);
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Half-closes like Envoy at the end of an HTTP stream. */
  end(): void {
    this.call.end();
  }

  /** Resets like Envoy when the downstream client disconnects. */
  cancel(): void {
    this.call.cancel();
  }
}

export class ExtProcClient {
  private readonly client: grpc.Client & { Process(md: grpc.Metadata): Duplex };

  constructor(address: string) {
    const Ctor = grpcService(
      loadGrpcPackage('envoy/service/ext_proc/v3/external_processor.proto'),
      'envoy.service.ext_proc.v3.ExternalProcessor',
    );
    this.client = new Ctor(address, grpc.credentials.createInsecure()) as unknown as typeof this.client;
  }

  open(phase: string, gateway?: string): ExtProcStream {
    const md = new grpc.Metadata();
    md.set(PHASE_METADATA, phase);
    if (gateway) md.set(GATEWAY_METADATA, gateway);
    return new ExtProcStream(this.client.Process(md));
  }

  close(): void {
    this.client.close();
  }
}

export function headerMap(headers: HeaderMap): ProcessingRequest['request_headers'] {
  return { headers: { headers: [...headers].map(([key, v]) => ({ key, raw_value: Buffer.from(v) })) } };
}

/** Envoy applies remove_headers, then set_headers. */
export function applyHeaderMutation(headers: HeaderMap, m: HeaderMutation__Output | undefined | null): void {
  if (!m) return;
  for (const name of m.remove_headers ?? []) headers.delete(name.toLowerCase());
  for (const opt of m.set_headers ?? []) {
    const h = opt.header;
    if (!h) continue;
    const value = h.raw_value && h.raw_value.length > 0 ? h.raw_value.toString() : h.value;
    headers.set((h.key ?? '').toLowerCase(), value ?? '');
  }
}

/**
 * Endpoint metadata as Envoy sends it: the Metadata message in protobuf text format. (Struct
 * values are camelCase here: proto-loader uses protobufjs's built-in google.protobuf types.)
 */
export function upstreamHostAttributes(
  backend: string,
  shape: 'text' | 'struct' = 'text',
): ProcessingRequest['attributes'] {
  const value =
    shape === 'text'
      ? {
          stringValue: `filter_metadata {\n  key: "tollgate"\n  value {\n    fields {\n      key: "backend"\n      value {\n        string_value: "${backend}"\n      }\n    }\n  }\n}\n`,
        }
      : {
          structValue: {
            fields: {
              filter_metadata: {
                structValue: {
                  fields: { tollgate: { structValue: { fields: { backend: { stringValue: backend } } } } },
                },
              },
            },
          },
        };
  return { [FILTER.extProc]: { fields: { [UPSTREAM_HOST_METADATA_ATTRIBUTE]: value } } };
}

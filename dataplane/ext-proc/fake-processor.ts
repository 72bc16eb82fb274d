// Test helper: a real @grpc/grpc-js ExternalProcessor server on 127.0.0.1 (ephemeral port) whose
// answers each test scripts per received message. It records every request and the initial
// metadata of every stream, and tells when all streams it served have closed.
import * as grpc from '@grpc/grpc-js';
import type { HeaderValueOption } from '../../gen/protos/envoy/config/core/v3/HeaderValueOption';
import type { ProcessingRequest__Output } from '../../gen/protos/envoy/service/ext_proc/v3/ProcessingRequest';
import type { ProcessingResponse } from '../../gen/protos/envoy/service/ext_proc/v3/ProcessingResponse';
import { grpcService, loadGrpcPackage } from '../../lib/protos';
import type { HeaderList } from './types';

/** What the processor does with one message: answer, answer several times, stay silent, or end. */
export type ScriptAction =
  | ProcessingResponse
  | { silent: true }
  | { endStream: true }
  | { fail: grpc.status }
  | { after: number; then: ScriptAction }
  | ScriptAction[];

export type Script = (request: ProcessingRequest__Output, index: number) => ScriptAction;

type Call = grpc.ServerDuplexStream<ProcessingRequest__Output, ProcessingResponse>;

export interface FakeProcessor {
  target: string;
  requests: ProcessingRequest__Output[];
  metadata: grpc.Metadata[];
  peers: string[];
  /** Streams not yet closed (ended, cancelled or failed). */
  openStreams(): number;
  /** Resolves once every stream served so far has closed. */
  allClosed(): Promise<void>;
  close(): Promise<void>;
}

/** Listens on `address`: loopback with an ephemeral port, or "unix:/path". */
export async function startFakeProcessor(script: Script, address = '127.0.0.1:0'): Promise<FakeProcessor> {
  const requests: ProcessingRequest__Output[] = [];
  const metadata: grpc.Metadata[] = [];
  const peers: string[] = [];
  let open = 0;
  let waiters: Array<() => void> = [];
  const streamClosed = (): void => {
    open--;
    if (open === 0) {
      for (const resolve of waiters) resolve();
      waiters = [];
    }
  };

  const handle = (call: Call): void => {
    open++;
    metadata.push(call.metadata);
    peers.push(call.getPeer());
    let closed = false;
    const markClosed = (): void => {
      if (!closed) {
        closed = true;
        streamClosed();
      }
    };
    call.on('cancelled', markClosed);
    call.on('close', markClosed);
    call.on('error', () => undefined);
    call.on('end', () => call.end());
    call.on('data', (request: ProcessingRequest__Output) => {
      requests.push(request);
      perform(call, script(request, requests.length - 1));
    });
  };

  const server = new grpc.Server();
  const service = grpcService(
    loadGrpcPackage('envoy/service/ext_proc/v3/external_processor.proto'),
    'envoy.service.ext_proc.v3.ExternalProcessor',
  );
  server.addService(service.service, { Process: handle });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    );
  });

  return {
    target: address.startsWith('unix:') ? address : `127.0.0.1:${port}`,
    requests,
    metadata,
    peers,
    openStreams: () => open,
    allClosed: () => (open === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        // Streams a test left open would hold tryShutdown forever.
        setImmediate(() => server.forceShutdown());
      }),
  };
}

function perform(call: Call, action: ScriptAction): void {
  if (Array.isArray(action)) {
    for (const each of action) perform(call, each);
  } else if ('silent' in action) {
    return;
  } else if ('endStream' in action) {
    call.end();
  } else if ('fail' in action) {
    call.emit('error', { code: action.fail, details: 'scripted failure' });
  } else if ('after' in action) {
    setTimeout(() => perform(call, action.then), action.after);
  } else {
    call.write(action);
  }
}

/** Reads a request's HeaderMap back into a HeaderList (values from raw_value bytes). */
export function headersOf(request: ProcessingRequest__Output): HeaderList {
  const map = request.request_headers?.headers ?? request.response_headers?.headers;
  return (map?.headers ?? []).map((h) => [h.key ?? '', (h.raw_value ?? Buffer.alloc(0)).toString('latin1')]);
}

/** A header mutation that sets (overwrites) each pair, values as raw_value as Envoy expects. */
export function setHeaders(pairs: HeaderList, append = false): HeaderValueOption[] {
  return pairs.map(([key, value]) => ({
    header: { key, raw_value: Buffer.from(value, 'latin1') },
    ...(append ? { append: { value: true } } : {}),
  }));
}

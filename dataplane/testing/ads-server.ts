// A tiny in-test ADS server (State of the World) on the real AggregatedDiscoveryService, so the
// data plane's tests speak the same protocol as with the controller: it answers each
// subscription with the current resources of that type, records every request (ACKs, NACKs)
// and pushes to open streams when a test changes the resources.
import * as grpc from '@grpc/grpc-js';
import { encodeMessage, grpcService, loadGrpcPackage, type ProtoObject } from '../../lib/protos';

export interface RecordedRequest {
  version_info?: string;
  node?: { id?: string; cluster?: string };
  resource_names?: string[];
  type_url?: string;
  response_nonce?: string;
  error_detail?: { code?: number; message?: string };
}

type Stream = grpc.ServerDuplexStream<RecordedRequest, unknown>;

export class FakeAdsServer {
  readonly requests: RecordedRequest[] = [];
  private readonly server = new grpc.Server();
  private readonly resources = new Map<string, { version: string; items: ProtoObject[] }>();
  private readonly streams = new Map<Stream, Map<string, { names: string[]; sent?: string }>>();
  private nonce = 0;
  private waiters: { test: (r: RecordedRequest) => boolean; resolve: (r: RecordedRequest) => void }[] = [];

  async start(): Promise<string> {
    const Service = grpcService(
      loadGrpcPackage('envoy/service/discovery/v3/ads.proto'),
      'envoy.service.discovery.v3.AggregatedDiscoveryService',
    );
    this.server.addService(Service.service, {
      StreamAggregatedResources: (stream: Stream) => this.onStream(stream),
      DeltaAggregatedResources: (stream: Stream) => stream.end(),
    });
    const port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    return `127.0.0.1:${port}`;
  }

  /** Replaces the resources of one type (objects carry their name fields) and pushes them. */
  set(typeUrl: string, items: ProtoObject[], version: string): void {
    this.resources.set(typeUrl, { version, items });
    for (const [stream, subs] of this.streams) {
      const sub = subs.get(typeUrl);
      if (sub) this.push(stream, typeUrl, sub);
    }
  }

  /** Resolves with the first request (already received or future) that satisfies `test`. */
  waitFor(test: (r: RecordedRequest) => boolean): Promise<RecordedRequest> {
    const found = this.requests.find(test);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  /** Ends every open stream (the client must reconnect). */
  dropStreams(): void {
    // Ending the call (status OK) is what a restarting server looks like to the client.
    for (const stream of this.streams.keys()) stream.end();
    this.streams.clear();
  }

  close(): Promise<void> {
    this.dropStreams();
    return new Promise((resolve) => this.server.tryShutdown(() => resolve()));
  }

  private onStream(stream: Stream): void {
    const subs = new Map<string, { names: string[]; sent?: string }>();
    this.streams.set(stream, subs);
    stream.on('data', (req: RecordedRequest) => {
      this.requests.push(req);
      this.waiters = this.waiters.filter((w) => (w.test(req) ? (w.resolve(req), false) : true));
      const typeUrl = req.type_url ?? '';
      const names = req.resource_names ?? [];
      const prev = subs.get(typeUrl);
      const sub = { names, sent: prev?.sent };
      subs.set(typeUrl, sub);
      const changed = !prev || prev.names.join() !== names.join();
      // ACKs and NACKs of what was sent get no answer; new subscriptions and changes do.
      if (
        changed ||
        (!req.error_detail &&
          req.version_info !== this.resources.get(typeUrl)?.version &&
          !req.response_nonce)
      )
        this.push(stream, typeUrl, sub);
    });
    stream.on('error', () => this.streams.delete(stream));
    stream.on('end', () => {
      this.streams.delete(stream);
      stream.end();
    });
  }

  private push(stream: Stream, typeUrl: string, sub: { names: string[]; sent?: string }): void {
    const current = this.resources.get(typeUrl);
    if (!current) return;
    const wanted = (item: ProtoObject): boolean =>
      sub.names.length === 0 || sub.names.includes(resourceName(item));
    sub.sent = current.version;
    stream.write({
      version_info: current.version,
      type_url: typeUrl,
      nonce: String(++this.nonce),
      resources: current.items
        .filter(wanted)
        .map((item) => ({ type_url: typeUrl, value: Buffer.from(encodeMessage(typeUrl, item)) })),
    });
  }
}

function resourceName(item: ProtoObject): string {
  return String(item.name ?? item.cluster_name ?? '');
}

// A hand-written ADS client for tests: opens a SotW or delta stream to an AdsServer, sends
// requests verbatim and hands responses back one at a time, so tests can check the protocol
// message by message (what is sent, in what order, and that nothing extra was sent).
import * as grpc from '@grpc/grpc-js';
import { grpcService, loadGrpcPackage, XDS_CHANNEL_OPTIONS } from '../../lib/protos';
import type { AggregatedDiscoveryServiceClient } from '../../gen/protos/envoy/service/discovery/v3/AggregatedDiscoveryService';
import type { DiscoveryRequest } from '../../gen/protos/envoy/service/discovery/v3/DiscoveryRequest';
import type { DiscoveryResponse__Output } from '../../gen/protos/envoy/service/discovery/v3/DiscoveryResponse';
import type { DeltaDiscoveryRequest } from '../../gen/protos/envoy/service/discovery/v3/DeltaDiscoveryRequest';
import type { DeltaDiscoveryResponse__Output } from '../../gen/protos/envoy/service/discovery/v3/DeltaDiscoveryResponse';

export class TestStream<Req, Res> {
  private readonly queue: Res[] = [];
  private readonly waiters: { resolve(r: Res): void; reject(e: Error): void }[] = [];
  private ended: Error | undefined;

  constructor(private readonly call: grpc.ClientDuplexStream<Req, Res>) {
    call.on('data', (res: Res) => {
      const waiter = this.waiters.shift();
      if (waiter) waiter.resolve(res);
      else this.queue.push(res);
    });
    call.on('error', () => undefined);
    call.on('status', (status: grpc.StatusObject) => {
      this.ended = new Error(`stream ended: ${status.code} ${status.details}`);
      for (const w of this.waiters.splice(0)) w.reject(this.ended);
    });
  }

  send(request: Req): void {
    this.call.write(request);
  }

  /** The next response; rejects after timeoutMs or when the stream ends. */
  next(timeoutMs = 3000): Promise<Res> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no response within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  pending(): number {
    return this.queue.length;
  }

  close(): void {
    this.call.cancel();
  }
}

export function adsClient(target: string): AggregatedDiscoveryServiceClient {
  const Client = grpcService(
    loadGrpcPackage('envoy/service/discovery/v3/ads.proto'),
    'envoy.service.discovery.v3.AggregatedDiscoveryService',
  );
  return new Client(
    target,
    grpc.credentials.createInsecure(),
    XDS_CHANNEL_OPTIONS,
  ) as unknown as AggregatedDiscoveryServiceClient;
}

export function openSotw(
  client: AggregatedDiscoveryServiceClient,
): TestStream<DiscoveryRequest, DiscoveryResponse__Output> {
  return new TestStream(client.StreamAggregatedResources());
}

export function openDelta(
  client: AggregatedDiscoveryServiceClient,
): TestStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse__Output> {
  return new TestStream(client.DeltaAggregatedResources());
}

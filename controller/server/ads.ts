// The controller's ADS server: envoy.service.discovery.v3.AggregatedDiscoveryService over
// gRPC, state-of-the-world and incremental, serving SnapshotCache snapshots by node.cluster
// to Envoy, the data plane and extproc. It records NACKs (the client keeps its last good
// version; so does the cache, which never rolls back) and emits 'ack'/'nack' events.
import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../lib/log';
import { grpcService, loadGrpcPackage } from '../../lib/protos';
import type { SnapshotCache } from './snapshot';
import { SotwStream, type SotwCall } from './sotw-stream';
import { DeltaStream, type DeltaCall } from './delta-stream';
import type { AckRecord, NackRecord, StreamHooks } from './resource-types';

export type { AckRecord, NackRecord } from './resource-types';

export interface AdsServerOptions {
  cache: SnapshotCache;
  logger: Logger;
  /** Defaults to insecure; pass mTLS credentials in production (the extproc config carries secrets). */
  credentials?: grpc.ServerCredentials;
  /** How many NACK records nacks() keeps (oldest dropped first). */
  maxNackRecords?: number;
}

interface AdsEvents {
  ack: [AckRecord];
  nack: [NackRecord];
}

export class AdsServer {
  // Channelz off: nothing reads it, and grpc-js tracks every stream for it.
  private readonly server = new grpc.Server({ 'grpc.enable_channelz': 0 });
  private readonly events = new EventEmitter<AdsEvents>();
  private readonly nackRecords: NackRecord[] = [];
  private readonly streams = new Set<{ close(): void; end(): void }>();
  private listening = false;

  constructor(private readonly options: AdsServerOptions) {
    const service = grpcService(
      loadGrpcPackage('envoy/service/discovery/v3/ads.proto'),
      'envoy.service.discovery.v3.AggregatedDiscoveryService',
    ).service;
    const hooks: StreamHooks = {
      ack: (record) => this.events.emit('ack', record),
      nack: (record) => this.recordNack(record),
    };
    const { cache, logger } = options;
    this.server.addService(service, {
      StreamAggregatedResources: (call: SotwCall) => {
        this.track(call, new SotwStream(call, cache, hooks, logger.child({ stream: 'sotw' })));
      },
      DeltaAggregatedResources: (call: DeltaCall) => {
        this.track(call, new DeltaStream(call, cache, hooks, logger.child({ stream: 'delta' })));
      },
    });
  }

  /** Binds 'host:port' (port 0 picks one) or 'unix:/path'; resolves to the bound port. */
  listen(address: string): Promise<number> {
    if (this.listening) return Promise.reject(new Error('ADS server is already listening'));
    const credentials = this.options.credentials ?? grpc.ServerCredentials.createInsecure();
    return new Promise((resolve, reject) => {
      this.server.bindAsync(address, credentials, (err, port) => {
        if (err)
          return reject(new Error(`ADS server cannot listen on ${address}: ${err.message}`, { cause: err }));
        this.listening = true;
        resolve(port);
      });
    });
  }

  /** Ends every stream (clients see a clean end and reconnect elsewhere) and stops serving. */
  close(): Promise<void> {
    for (const stream of this.streams) stream.end();
    this.streams.clear();
    return new Promise((resolve) => {
      const force = setTimeout(() => this.server.forceShutdown(), 2000);
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }

  /** ADS streams open now (Envoys, data planes and extproc replicas connected). */
  connectedStreams(): number {
    return this.streams.size;
  }

  /** NACKs seen so far, oldest first. */
  nacks(): NackRecord[] {
    return [...this.nackRecords];
  }

  on<E extends keyof AdsEvents>(event: E, listener: (...args: AdsEvents[E]) => void): this {
    this.events.on(event, listener as never);
    return this;
  }

  off<E extends keyof AdsEvents>(event: E, listener: (...args: AdsEvents[E]) => void): this {
    this.events.off(event, listener as never);
    return this;
  }

  private recordNack(record: NackRecord): void {
    this.nackRecords.push(record);
    const max = this.options.maxNackRecords ?? 100;
    if (this.nackRecords.length > max) this.nackRecords.splice(0, this.nackRecords.length - max);
    this.events.emit('nack', record);
  }

  private track(call: SotwCall | DeltaCall, stream: SotwStream | DeltaStream): void {
    const entry = {
      close: () => stream.close(),
      end: () => {
        stream.close();
        call.end();
      },
    };
    this.streams.add(entry);
    const forget = (): void => {
      this.streams.delete(entry);
    };
    call.on('close', forget);
    call.on('cancelled', forget);
    call.on('error', forget);
  }
}

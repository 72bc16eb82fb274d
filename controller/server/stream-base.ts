// What state-of-the-world and delta ADS streams share: the gRPC call's lifecycle, binding the
// stream to the node of its first request (which picks the snapshot), and re-pushing when that
// node's snapshot changes. The protocols differ only in onRequest and push.
import type * as grpc from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import type { Logger } from '../../lib/log';
import type { Node__Output } from '../../gen/protos/envoy/config/core/v3/Node';
import type { SnapshotCache } from './snapshot';
import type { StreamHooks } from './resource-types';
import { nodeOf, rejectStream, type StreamNode } from './node';

interface AdsRequest {
  node?: Node__Output | null;
  type_url?: string;
}

export abstract class AdsStream<Req extends AdsRequest, Res> {
  protected node: StreamNode | undefined;
  protected nonceCounter = 0;
  private unsubscribe: (() => void) | undefined;

  constructor(
    protected readonly call: grpc.ServerDuplexStream<Req, Res>,
    protected readonly cache: SnapshotCache,
    protected readonly hooks: StreamHooks,
    protected readonly logger: Logger,
  ) {
    call.on('data', (request: Req) => this.receive(request));
    call.on('end', () => {
      this.close();
      call.end();
    });
    call.on('error', () => this.close());
    call.on('cancelled', () => this.close());
  }

  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Handles one request whose node is bound and whose type_url is set. */
  protected abstract onRequest(request: Req, typeUrl: string): void;

  /** Sends whatever the client's subscriptions lack from the node's current snapshot. */
  protected abstract push(): void;

  private receive(request: Req): void {
    if (!this.node) {
      const node = nodeOf(request.node ?? undefined);
      if ('error' in node) return rejectStream(this.call, status.INVALID_ARGUMENT, node.error);
      this.node = node;
      this.unsubscribe = this.cache.onChange((cluster) => {
        if (cluster === node.cluster) this.push();
      });
    }
    const typeUrl = request.type_url ?? '';
    if (!typeUrl) return rejectStream(this.call, status.INVALID_ARGUMENT, 'ADS requests must set type_url');
    this.onRequest(request, typeUrl);
  }
}

// Who is on the other end of an ADS stream: Envoy's node.id and node.cluster, taken from the
// first request (later requests may omit node). The cluster selects the snapshot.
import type * as grpc from '@grpc/grpc-js';
import type { Node__Output } from '../../gen/protos/envoy/config/core/v3/Node';

export interface StreamNode {
  id: string;
  cluster: string;
}

/** The node of a first request, or an error a client can act on. */
export function nodeOf(node: Node__Output | undefined): StreamNode | { error: string } {
  if (!node?.cluster) return { error: 'the first request on an ADS stream must set node.cluster' };
  return { id: node.id ?? '', cluster: node.cluster };
}

/** Ends a stream with a gRPC status and a message, without throwing if it already ended. */
export function rejectStream(
  call: grpc.ServerDuplexStream<unknown, unknown>,
  code: grpc.status,
  message: string,
): void {
  try {
    call.emit('error', { code, details: message });
  } catch {
    // The stream already closed; nothing to tell.
  }
}

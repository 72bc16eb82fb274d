// The upstream codec filter: the terminal upstream HTTP filter of a cluster, which hands the
// request to the connection pool. Envoy requires it last when a cluster has upstream filters.
import { FILTER } from '../../../lib/headers';
import type { ProtoObject } from '../../../lib/protos';
import { anyOf, TYPED } from '../proto-values';

export function upstreamCodecFilter(): ProtoObject {
  return { name: FILTER.upstreamCodec, typed_config: anyOf(TYPED.upstreamCodec) };
}

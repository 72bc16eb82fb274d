// The router filter: always the last HTTP filter of the HCM, it forwards to the chosen cluster.
import { FILTER } from '../../../lib/headers';
import type { ProtoObject } from '../../../lib/protos';
import { anyOf, TYPED } from '../proto-values';

export function routerFilter(): ProtoObject {
  return { name: FILTER.router, typed_config: anyOf(TYPED.router) };
}

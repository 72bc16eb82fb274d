// The ext_proc HTTP filter at both levels of the chain (docs/architecture.md "How a request
// finds its backend"): router level in the HCM, upstream level in each AI cluster's upstream
// filters, and the per-route config that switches it off for plain HTTPRoute traffic.
import {
  FILTER,
  GATEWAY_METADATA,
  JWT_METADATA_NAMESPACE,
  PHASE_METADATA,
  ROUTER_REQUEST_ATTRIBUTES,
  UPSTREAM_HOST_METADATA_ATTRIBUTE,
  type Phase,
} from '../../../lib/headers';
import type { ProtoObject } from '../../../lib/protos';
import { EXTPROC_CLUSTER, type ExtprocTarget } from '../../ir/types';
import { anyOf, duration, TYPED } from '../proto-values';

/**
 * Headers are sent so extproc can identify the caller and route; the request body is buffered
 * because the model lives in the JSON body; the response body is streamed so SSE reaches the
 * client as it is produced. allow_mode_override lets extproc skip what it does not need.
 */
const PROCESSING_MODE: ProtoObject = {
  request_header_mode: 'SEND',
  response_header_mode: 'SEND',
  request_body_mode: 'BUFFERED',
  response_body_mode: 'STREAMED',
};

function externalProcessor(phase: Phase, gatewayKey: string, extproc: ExtprocTarget): ProtoObject {
  const config: ProtoObject = {
    grpc_service: {
      envoy_grpc: { cluster_name: EXTPROC_CLUSTER },
      initial_metadata: [
        { key: PHASE_METADATA, value: phase },
        { key: GATEWAY_METADATA, value: gatewayKey },
      ],
    },
    // Fail closed: a dead extproc must not become a way around budgets and guardrails.
    failure_mode_allow: false,
    processing_mode: PROCESSING_MODE,
    message_timeout: duration(extproc.messageTimeoutMs),
    allow_mode_override: true,
  };
  // The upstream level learns which backend the load balancer picked from the host metadata.
  if (phase === 'upstream') {
    config.request_attributes = [UPSTREAM_HOST_METADATA_ATTRIBUTE];
    // Each backend has its own host: extproc rewrites :authority/host per attempt, which Envoy's
    // default mutation rules forbid (host, :authority, :scheme, :method); x-envoy-* stays locked.
    config.mutation_rules = { allow_all_routing: { value: true } };
  } else {
    // The router level identifies the caller: the peer address (trusted hops) and the verified
    // client certificate come as attributes, jwt_authn's result as forwarded dynamic metadata.
    config.request_attributes = [...ROUTER_REQUEST_ATTRIBUTES];
    config.metadata_options = { forwarding_namespaces: { untyped: [JWT_METADATA_NAMESPACE] } };
  }
  return anyOf(TYPED.extProc, config);
}

/** The router-level filter of a listener's HCM. */
export function routerExtProcFilter(gatewayKey: string, extproc: ExtprocTarget): ProtoObject {
  return { name: FILTER.extProc, typed_config: externalProcessor('router', gatewayKey, extproc) };
}

/** The upstream-level filter of an AI cluster, run on every attempt (retries included). */
export function upstreamExtProcFilter(gatewayKey: string, extproc: ExtprocTarget): ProtoObject {
  return { name: FILTER.extProc, typed_config: externalProcessor('upstream', gatewayKey, extproc) };
}

/** typed_per_filter_config entry that turns the router-level ext_proc off for one route. */
export function extProcDisabledPerRoute(): Record<string, ProtoObject> {
  return { [FILTER.extProc]: anyOf(TYPED.extProcPerRoute, { disabled: true }) };
}

// Reads the ext_proc filter's ExternalProcessor config (and the matched route's ExtProcPerRoute)
// into the plain settings a session runs on, with Envoy's defaults filled in. Anything this data
// plane cannot do faithfully is rejected here with a clear message, so the core can NACK the
// listener instead of failing requests later.
import type { ProtoObject } from '../../lib/protos';
import { HeaderMutationChecker, stringMatches } from './mutation-rules';
import type { BodyMode } from './types';

/** Which parts of the HTTP stream go to the processor (ProcessingMode; trailers are never sent). */
export interface ProcessingModes {
  requestHeaders: boolean;
  responseHeaders: boolean;
  requestBody: BodyMode;
  responseBody: BodyMode;
}

export type RouteCacheAction = 'DEFAULT' | 'CLEAR' | 'RETAIN';

export interface ExtProcSettings {
  clusterName: string;
  initialMetadata: Array<[string, string]>;
  failureModeAllow: boolean;
  modes: ProcessingModes;
  messageTimeoutMs: number;
  /** 0 disables override_message_timeout, as in Envoy. */
  maxMessageTimeoutMs: number;
  allowModeOverride: boolean;
  disableImmediateResponse: boolean;
  requestAttributes: string[];
  responseAttributes: string[];
  /** metadata_options.forwarding_namespaces.untyped: dynamic metadata sent as metadata_context. */
  forwardingNamespaces: string[];
  mutationRules: ProtoObject;
  routeCacheAction: RouteCacheAction;
  forwardRules: { allowed: ProtoObject[]; disallowed: ProtoObject[] };
}

export class ExtProcConfigError extends Error {}

/** Envoy's default message_timeout. */
export const DEFAULT_MESSAGE_TIMEOUT_MS = 200;

const BODY_MODES: readonly BodyMode[] = ['NONE', 'STREAMED', 'BUFFERED', 'BUFFERED_PARTIAL'];
const HEADER_MODES = ['DEFAULT', 'SEND', 'SKIP'] as const;
const ROUTE_CACHE_ACTIONS: readonly RouteCacheAction[] = ['DEFAULT', 'CLEAR', 'RETAIN'];

/** Validates the filter config and the route's override; throws ExtProcConfigError when unusable. */
export function parseExtProcConfig(config: ProtoObject, perRoute?: ProtoObject): ExtProcSettings {
  const grpcService = asObject(config.grpc_service, 'grpc_service');
  if (!grpcService) throw new ExtProcConfigError('ext_proc: grpc_service is required');
  const settings: ExtProcSettings = {
    ...grpcTarget(grpcService),
    failureModeAllow: config.failure_mode_allow === true,
    modes: parseProcessingMode(config.processing_mode, 'processing_mode', false),
    messageTimeoutMs: durationMs(config.message_timeout, 'message_timeout') ?? DEFAULT_MESSAGE_TIMEOUT_MS,
    maxMessageTimeoutMs: durationMs(config.max_message_timeout, 'max_message_timeout') ?? 0,
    allowModeOverride: config.allow_mode_override === true,
    disableImmediateResponse: config.disable_immediate_response === true,
    requestAttributes: stringList(config.request_attributes, 'request_attributes'),
    responseAttributes: stringList(config.response_attributes, 'response_attributes'),
    forwardingNamespaces: forwardingNamespaces(config.metadata_options),
    mutationRules: asObject(config.mutation_rules, 'mutation_rules') ?? {},
    routeCacheAction: enumValue(
      config.route_cache_action ?? 'DEFAULT',
      ROUTE_CACHE_ACTIONS,
      'route_cache_action',
    ),
    forwardRules: {
      allowed: patterns(config.forward_rules, 'allowed_headers'),
      disallowed: patterns(config.forward_rules, 'disallowed_headers'),
    },
  };
  if (config.observability_mode === true) {
    throw new ExtProcConfigError('ext_proc: observability_mode is not supported by the Tollgate data plane');
  }
  if (config.disable_clear_route_cache === true) {
    // Envoy refuses both at once; alone, disable_clear_route_cache means RETAIN.
    if (settings.routeCacheAction !== 'DEFAULT') {
      throw new ExtProcConfigError(
        'ext_proc: disable_clear_route_cache and route_cache_action cannot both be set',
      );
    }
    settings.routeCacheAction = 'RETAIN';
  }
  checkRegexes(settings);
  if (perRoute) applyPerRoute(settings, perRoute);
  return settings;
}

/** Compiles every regex once so a bad one is a config error, not a failure on some request. */
function checkRegexes(settings: ExtProcSettings): void {
  try {
    new HeaderMutationChecker(settings.mutationRules);
    for (const matcher of [...settings.forwardRules.allowed, ...settings.forwardRules.disallowed]) {
      stringMatches(matcher, '');
    }
  } catch (err) {
    throw new ExtProcConfigError(`ext_proc: invalid regex: ${(err as Error).message}`);
  }
}

function applyPerRoute(settings: ExtProcSettings, perRoute: ProtoObject): void {
  if (perRoute.disabled === true) {
    settings.modes = {
      requestHeaders: false,
      responseHeaders: false,
      requestBody: 'NONE',
      responseBody: 'NONE',
    };
    return;
  }
  const overrides = asObject(perRoute.overrides, 'ExtProcPerRoute.overrides');
  if (!overrides) throw new ExtProcConfigError('ext_proc: ExtProcPerRoute needs disabled: true or overrides');
  if (overrides.processing_mode !== undefined) {
    settings.modes = parseProcessingMode(overrides.processing_mode, 'overrides.processing_mode', false);
  }
  const service = asObject(overrides.grpc_service, 'overrides.grpc_service');
  if (service) Object.assign(settings, grpcTarget(service));
  // Route metadata replaces entries of the same key and adds the rest, as Envoy merges it.
  for (const [key, value] of headerValues(
    overrides.grpc_initial_metadata,
    'overrides.grpc_initial_metadata',
  )) {
    const existing = settings.initialMetadata.filter(([k]) => k === key);
    if (existing.length) for (const entry of existing) entry[1] = value;
    else settings.initialMetadata.push([key, value]);
  }
}

/**
 * A ProcessingMode message as modes. Unset header modes mean SEND, unset body modes NONE.
 * BUFFERED_PARTIAL is rejected in config; in a mode_override (lenient) it becomes BUFFERED, which
 * is what it does for any body under the buffer limit, and Tollgate always buffers whole bodies.
 */
export function parseProcessingMode(value: unknown, where: string, lenient: boolean): ProcessingModes {
  const mode = asObject(value, where) ?? {};
  const body = (field: string): BodyMode => {
    const parsed = enumValue(mode[field] ?? 'NONE', BODY_MODES, `${where}.${field}`);
    if (parsed !== 'BUFFERED_PARTIAL') return parsed;
    if (lenient) return 'BUFFERED';
    throw new ExtProcConfigError(
      `ext_proc: ${where}.${field} BUFFERED_PARTIAL is not supported; use BUFFERED`,
    );
  };
  const header = (field: string): boolean =>
    enumValue(mode[field] ?? 'DEFAULT', HEADER_MODES, `${where}.${field}`) !== 'SKIP';
  return {
    requestHeaders: header('request_header_mode'),
    responseHeaders: header('response_header_mode'),
    requestBody: body('request_body_mode'),
    responseBody: body('response_body_mode'),
  };
}

function grpcTarget(service: ProtoObject): { clusterName: string; initialMetadata: Array<[string, string]> } {
  const envoyGrpc = asObject(service.envoy_grpc, 'grpc_service.envoy_grpc');
  const clusterName = envoyGrpc?.cluster_name;
  if (typeof clusterName !== 'string' || clusterName === '') {
    throw new ExtProcConfigError(
      'ext_proc: grpc_service.envoy_grpc.cluster_name is required (google_grpc is not supported)',
    );
  }
  return {
    clusterName,
    initialMetadata: headerValues(service.initial_metadata, 'grpc_service.initial_metadata'),
  };
}

function headerValues(value: unknown, where: string): Array<[string, string]> {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ExtProcConfigError(`ext_proc: ${where} must be a list`);
  return value.map((entry, i) => {
    const header = asObject(entry, `${where}[${i}]`) ?? {};
    if (typeof header.key !== 'string' || header.key === '') {
      throw new ExtProcConfigError(`ext_proc: ${where}[${i}].key is required`);
    }
    const raw = header.raw_value;
    const text =
      typeof raw === 'string' && !header.value ? Buffer.from(raw, 'base64').toString('latin1') : header.value;
    return [header.key.toLowerCase(), typeof text === 'string' ? text : ''];
  });
}

/** Duration as { seconds, nanos } (numbers or strings) or JSON "1.5s"; undefined when unset. */
export function durationMs(value: unknown, where: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') {
    const m = /^(\d+(?:\.\d+)?)s$/.exec(value);
    if (!m) throw new ExtProcConfigError(`ext_proc: ${where} is not a duration: ${value}`);
    return Math.round(Number(m[1]) * 1000);
  }
  const d = asObject(value, where) ?? {};
  const seconds = Number(d.seconds ?? 0);
  const nanos = Number(d.nanos ?? 0);
  if (!Number.isFinite(seconds) || !Number.isFinite(nanos) || seconds < 0 || nanos < 0) {
    throw new ExtProcConfigError(`ext_proc: ${where} must be a non-negative duration`);
  }
  return seconds * 1000 + Math.floor(nanos / 1_000_000);
}

function enumValue<T extends string>(value: unknown, names: readonly T[], where: string): T {
  const name = typeof value === 'number' ? names[value] : value;
  if (typeof name === 'string' && (names as readonly string[]).includes(name)) return name as T;
  throw new ExtProcConfigError(`ext_proc: ${where} has unknown value ${String(value)}`);
}

/**
 * Untyped forwarding namespaces only: the data plane's filters write untyped (Struct) metadata,
 * and nothing here reads metadata the processor returns, so receiving_namespaces is refused.
 */
function forwardingNamespaces(value: unknown): string[] {
  const options = asObject(value, 'metadata_options');
  if (!options) return [];
  for (const key of Object.keys(options)) {
    if (key !== 'forwarding_namespaces')
      throw new ExtProcConfigError(
        `ext_proc: metadata_options.${key} is not supported by the Tollgate data plane`,
      );
  }
  const forwarding = asObject(options.forwarding_namespaces, 'metadata_options.forwarding_namespaces') ?? {};
  for (const key of Object.keys(forwarding)) {
    if (key !== 'untyped')
      throw new ExtProcConfigError(
        `ext_proc: metadata_options.forwarding_namespaces.${key} is not supported by the Tollgate data plane`,
      );
  }
  return stringList(forwarding.untyped, 'metadata_options.forwarding_namespaces.untyped');
}

function stringList(value: unknown, where: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new ExtProcConfigError(`ext_proc: ${where} must be a list of strings`);
  }
  return value as string[];
}

function patterns(rules: unknown, field: string): ProtoObject[] {
  const list = asObject(asObject(rules, 'forward_rules')?.[field], `forward_rules.${field}`);
  const items = list?.patterns ?? [];
  if (!Array.isArray(items))
    throw new ExtProcConfigError(`ext_proc: forward_rules.${field}.patterns must be a list`);
  return items.map((p, i) => asObject(p, `forward_rules.${field}.patterns[${i}]`) ?? {});
}

function asObject(value: unknown, where: string): ProtoObject | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ExtProcConfigError(`ext_proc: ${where} must be a message`);
  }
  return value as ProtoObject;
}

// Building and serializing audit records. The serialized form is assembled field by field from
// an allow-list rather than by spreading the record, so whatever else an object handed to the
// sink happens to carry (headers, JWT claims, a key) can never reach the log: the only identity
// fields written are source, tenant, team, user and the API key's *name*. Prompt and completion
// are written only when the sink was started with bodies enabled.
import type { AuditRecord, FiredCheck, Identity } from '../services';
import type { Usage } from '../usage';

/** Marks audit lines so they can be told apart from the JSON log lines sharing stdout. */
export const AUDIT_LINE_TYPE = 'audit';

export interface AuditFields {
  requestId: string;
  gateway?: string;
  identity?: Identity;
  route?: string;
  backend?: string;
  requestModel?: string;
  responseModel?: string;
  status: number;
  error?: string;
  stream?: boolean;
  usage?: Usage;
  cost?: number;
  /** Epoch ms when the request headers arrived, and now: the record's time and latency. */
  startedMs: number;
  nowMs: number;
  guardrails?: FiredCheck[];
  prompt?: unknown;
  completion?: string;
}

/** An AuditRecord from what the router level knows at the end of a request. */
export function auditRecordFrom(f: AuditFields): AuditRecord {
  const record: AuditRecord = {
    time: new Date(f.startedMs).toISOString(),
    requestId: f.requestId,
    gateway: f.gateway,
    identity: f.identity ? identityFields(f.identity) : undefined,
    route: f.route ?? '',
    backend: f.backend ?? '',
    requestModel: f.requestModel ?? '',
    responseModel: f.responseModel ?? '',
    status: f.status,
    error: f.error,
    stream: f.stream ?? false,
    usage: f.usage,
    cost: f.cost,
    latencyMs: Math.max(0, f.nowMs - f.startedMs),
    guardrails: f.guardrails ?? [],
  };
  if (f.prompt !== undefined) record.prompt = f.prompt;
  if (f.completion !== undefined) record.completion = f.completion;
  return record;
}

function identityFields(identity: Omit<Identity, 'claims'>): Omit<Identity, 'claims'> {
  const out: Omit<Identity, 'claims'> = { source: identity.source };
  if (typeof identity.tenant === 'string') out.tenant = identity.tenant;
  if (typeof identity.team === 'string') out.team = identity.team;
  if (typeof identity.user === 'string') out.user = identity.user;
  if (typeof identity.apiKey === 'string') out.apiKey = identity.apiKey;
  return out;
}

function usageFields(usage: Usage): Usage {
  return { input: usage.input, output: usage.output, cached: usage.cached, reasoning: usage.reasoning };
}

function firedFields(check: FiredCheck): FiredCheck {
  const out: FiredCheck = { guardrail: check.guardrail, check: check.check, action: check.action };
  if (typeof check.detail === 'string') out.detail = check.detail;
  return out;
}

/** One JSON line (with the trailing newline) for a record. */
export function auditLine(record: AuditRecord, includeBodies: boolean): string {
  const out: Record<string, unknown> = {
    type: AUDIT_LINE_TYPE,
    time: record.time,
    requestId: record.requestId,
    gateway: record.gateway,
    identity: record.identity ? identityFields(record.identity) : undefined,
    route: record.route,
    backend: record.backend,
    requestModel: record.requestModel,
    responseModel: record.responseModel,
    status: record.status,
    error: record.error,
    stream: record.stream,
    usage: record.usage ? usageFields(record.usage) : undefined,
    cost: record.cost,
    latencyMs: record.latencyMs,
    guardrails: (record.guardrails ?? []).map(firedFields),
  };
  if (includeBodies) {
    if (record.prompt !== undefined) out.prompt = record.prompt;
    if (record.completion !== undefined) out.completion = record.completion;
  }
  return `${JSON.stringify(out)}\n`;
}

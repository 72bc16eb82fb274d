// Local replies the filter sends, as Envoy's ext_proc does: the processor's ImmediateResponse
// (status defaults to 200 and must be >= 200, text/plain when there is a body, header mutations
// under a permissive rule set) and the filter's own errors (gRPC failure, message timeout,
// rejected mutation) with Envoy's status codes and response-code details.
import type { ImmediateResponse__Output } from '../../gen/protos/envoy/service/ext_proc/v3/ImmediateResponse';
import { loadGrpcPackage } from '../../lib/protos';
import { applyHeaderMutation, MutationError } from './header-mutation';
import { HeaderMutationChecker } from './mutation-rules';
import type { Decision, HeaderList } from './types';

type Immediate = Extract<Decision, { kind: 'immediate' }>;

const ERROR_PREFIX = 'ext_proc_error';
const DEFAULT_IMMEDIATE_STATUS = 200;

/** Envoy's failure reply when the stream fails and failure_mode_allow is false. */
export function grpcErrorReply(code: number): Immediate {
  return localReply(500, `${ERROR_PREFIX}_gRPC_error_${code}`);
}

/** Envoy answers a message timeout with 504 (runtime guard ext_proc_timeout_error, on by default). */
export function timeoutReply(): Immediate {
  return localReply(504, `${ERROR_PREFIX}_per-message_timeout_exceeded`);
}

/** A rejected mutation (disallow_is_error, invalid header, content-length mismatch). */
export function mutationErrorReply(message: string): Immediate {
  return localReply(500, message);
}

function localReply(status: number, details: string): Immediate {
  return { kind: 'immediate', status, headers: [], body: Buffer.alloc(0), details: detailsOf(details) };
}

/** The reply a processor asked for with an ImmediateResponse. */
export function immediateReply(response: ImmediateResponse__Output): Immediate {
  let status = statusCode(response.status?.code);
  if (status < 200) status = DEFAULT_IMMEDIATE_STATUS;
  const body = response.body ?? Buffer.alloc(0);
  let headers: HeaderList = body.length > 0 ? [['content-type', 'text/plain']] : [];
  if (response.headers) {
    try {
      headers = applyHeaderMutation(headers, response.headers, {
        checker: HeaderMutationChecker.permissive(),
        replacingMessage: false,
        skipContentLength: false,
      });
    } catch (err) {
      // Envoy logs a failed mutation of a local reply and still sends the reply.
      if (!(err instanceof MutationError)) throw err;
    }
  }
  headers = headers.filter(([name]) => !name.startsWith(':'));
  return { kind: 'immediate', status, headers, body, details: detailsOf(response.details ?? '') };
}

/** Envoy replaces whitespace in response-code details (they go into access logs). */
function detailsOf(details: string): string {
  return details.replace(/\s/g, '_');
}

let statusByName: Map<string, number> | undefined;

/** envoy.type.v3.StatusCode arrives as its enum name (proto-loader enums: String). */
function statusCode(code: string | number | undefined): number {
  if (code === undefined) return DEFAULT_IMMEDIATE_STATUS;
  if (typeof code === 'number') return code;
  if (!statusByName) {
    const pkg = loadGrpcPackage('envoy/service/ext_proc/v3/external_processor.proto');
    statusByName = new Map(enumValues(pkg));
  }
  return statusByName.get(code) ?? DEFAULT_IMMEDIATE_STATUS;
}

function enumValues(pkg: ReturnType<typeof loadGrpcPackage>): Array<[string, number]> {
  const envoy = pkg.envoy as Record<string, Record<string, Record<string, unknown>>> | undefined;
  const def = envoy?.type?.v3?.StatusCode as { type?: { value?: Array<{ name: string; number: number }> } };
  return (def?.type?.value ?? []).map((v) => [v.name, v.number]);
}

// The one way a translator reports a parameter its backend cannot honour (README "Unsupported
// parameters"). The route's policy decides: Reject (the default) throws a 400 GatewayError that
// names the parameter; Drop records it, the translator leaves it out, and the upstream level
// lists every dropped parameter in the `tollgate-warning` response header. Nothing is dropped
// silently. Parameter names come from the client's JSON (any top-level key), so the header
// value is reduced to safe characters and bounded in length and count.
import { GatewayError } from '../../lib/errors';

export type UnsupportedPolicy = 'Reject' | 'Drop';

/** The default when a route says nothing. */
export const DEFAULT_UNSUPPORTED_POLICY: UnsupportedPolicy = 'Reject';

/** At most this many parameters are named in the warning header; the rest are counted. */
const MAX_LISTED = 16;
/** Longest parameter name put in a header (longer names are cut and marked with "..."). */
const MAX_NAME = 64;

/** A client-chosen name reduced to what is safe in a header value and its comma-separated list. */
export function headerSafeName(param: string): string {
  const safe = param.replace(/[^A-Za-z0-9_.[\]$-]/g, '?');
  return safe.length > MAX_NAME ? `${safe.slice(0, MAX_NAME)}...` : safe;
}

export class UnsupportedParameters {
  private readonly dropped: Array<{ param: string; reason: string }> = [];

  constructor(readonly policy: UnsupportedPolicy = DEFAULT_UNSUPPORTED_POLICY) {}

  /**
   * Reports `param` (a top-level name or a path such as "messages[2].name") that the backend
   * cannot honour; `reason` completes "not supported by Bedrock". Throws under Reject; under
   * Drop, records it and returns: the caller then leaves the parameter out of the request.
   */
  unsupported(param: string, reason: string): void {
    if (this.policy === 'Reject')
      throw new GatewayError(
        'invalid_request',
        `Parameter '${param}' is ${reason}. Remove it, or set unsupportedParameters: Drop on the route to drop it.`,
        param,
      );
    if (!this.dropped.some((d) => d.param === param)) this.dropped.push({ param, reason });
  }

  /** The parameters dropped so far, in the order they were reported. */
  droppedParameters(): string[] {
    return this.dropped.map((d) => d.param);
  }

  /** The `tollgate-warning` value for the dropped parameters, or undefined when none was dropped. */
  warning(): string | undefined {
    if (this.dropped.length === 0) return undefined;
    const listed = this.dropped
      .slice(0, MAX_LISTED)
      .map((d) => `dropped parameter ${headerSafeName(d.param)} (${d.reason})`);
    const more = this.dropped.length - MAX_LISTED;
    if (more > 0) listed.push(`dropped ${more} more parameters`);
    return listed.join(', ');
  }
}

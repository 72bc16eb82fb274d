// A response on its way to the client, from an upstream or made locally, as the filters see it:
// headers (with :status) and a body pulled chunk by chunk, so backpressure reaches the source.
// Local replies use Envoy's texts and statuses (plain text, as Envoy's router sends them):
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/local_reply
import type { HeaderList } from '../ext-proc/types';

export interface ResponseSource {
  headers: HeaderList;
  body: AsyncIterable<Buffer> | Iterable<Buffer>;
  /** True when it is known that no body follows the headers. */
  endOfStream: boolean;
  /**
   * Asked right after a chunk was taken from `body`: true when that chunk is the last one. The
   * ext_proc filter then sends it with end_of_stream, as Envoy does when its codec hands over
   * the last data with end_stream, instead of one more round trip with an empty body.
   */
  bodyComplete?: () => boolean;
  /** Stops the producer (upstream request, ext_proc sessions). Idempotent. */
  abort(): void;
  /** Why a local reply was made (Envoy's response code details), for logs. */
  details?: string;
}

export function localReply(
  status: number,
  body: string | Buffer,
  details: string,
  headers: HeaderList = [],
): ResponseSource {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const extra: HeaderList =
    bytes.length > 0 && !headers.some(([n]) => n === 'content-type') ? [['content-type', 'text/plain']] : [];
  return {
    headers: [
      [':status', String(status)],
      ...headers.filter(([n]) => n !== ':status' && n !== 'content-length'),
      ...extra,
      ['content-length', String(bytes.length)],
    ],
    body: bytes.length > 0 ? [bytes] : [],
    endOfStream: bytes.length === 0,
    bodyComplete: () => true,
    abort: () => undefined,
    details,
  };
}

const RESET_BEFORE_HEADERS = 'upstream connect error or disconnect/reset before headers.';

/** Envoy's router local replies. */
export const LOCAL_REPLY = {
  noRoute: () => localReply(404, '', 'route_not_found'),
  clusterNotFound: () => localReply(503, '', 'cluster_not_found'),
  noHealthyUpstream: () => localReply(503, 'no healthy upstream', 'no_healthy_upstream'),
  connectFailure: (retried: boolean) =>
    localReply(
      503,
      `${RESET_BEFORE_HEADERS} ${retried ? 'retried and the latest ' : ''}reset reason: connection failure`,
      'upstream_reset_before_response_started{connection_failure}',
    ),
  reset: (retried: boolean) =>
    localReply(
      503,
      `${RESET_BEFORE_HEADERS} ${retried ? 'retried and the latest ' : ''}reset reason: connection termination`,
      'upstream_reset_before_response_started{connection_termination}',
    ),
  upstreamTimeout: () => localReply(504, 'upstream request timeout', 'upstream_response_timeout'),
  perTryTimeout: () => localReply(504, 'upstream request timeout', 'upstream_per_try_timeout'),
  streamIdleTimeout: () => localReply(408, 'stream timeout', 'stream_idle_timeout'),
  bodyTooLarge: () => localReply(413, 'Payload Too Large', 'request_payload_too_large'),
  badPath: () => localReply(400, '', 'path_normalization_failed'),
  filterError: () => localReply(500, '', 'ext_proc_error'),
} as const;

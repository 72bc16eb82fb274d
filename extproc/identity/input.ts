// What the data plane tells the router level about the caller besides the headers, gathered
// from the request_headers message into an IdentityInput:
// - request attributes (ProcessingRequest.attributes["envoy.filters.http.ext_proc"], a Struct
//   keyed by attribute name, ROUTER_REQUEST_ATTRIBUTES): Envoy prints each value as a string —
//   source.address as "ip:port" ("[v6]:port" for IPv6), the peer certificate subject in RFC 2253
//   form, the first URI / DNS SAN. An empty string means "no certificate".
// - dynamic metadata forwarded from jwt_authn (metadata_context.filter_metadata[
//   JWT_METADATA_NAMESPACE]): JWT_PAYLOAD_KEY is the verified payload as a Struct;
//   JWT_FAILURE_KEY is the Struct { code, message } jwt_authn writes with
//   failed_status_in_metadata (a plain string value is accepted too). jwt_verify's JwtMissed
//   (code 1, "Jwt is missing") is no failure: a request without a token simply has no JWT
//   identity and the next source is tried.
import { FILTER, JWT_FAILURE_KEY, JWT_METADATA_NAMESPACE, JWT_PAYLOAD_KEY } from '../../lib/headers';
import type { Headers, ProcessingRequest } from '../messages';
import type { IdentityInput } from '../services';
import { structToObject } from './struct';

const ATTRIBUTE = {
  source: 'source.address',
  subject: 'connection.subject_peer_certificate',
  uriSan: 'connection.uri_san_peer_certificate',
  dnsSan: 'connection.dns_san_peer_certificate',
} as const;

/** jwt_authn's failure messages are short; a cap keeps a hostile value out of error bodies. */
const MAX_FAILURE_MESSAGE = 200;
/** google::jwt_verify::Status::JwtMissed. */
const JWT_MISSED_CODE = 1;

export function identityInputOf(req: ProcessingRequest, headers: Headers): IdentityInput {
  const input: IdentityInput = { headers };
  const attrs = structToObject(req.attributes?.[FILTER.extProc]) ?? {};
  const text = (name: string): string | undefined => {
    const v = attrs[name];
    if (typeof v === 'string') return v === '' ? undefined : v;
    return undefined;
  };
  const source = text(ATTRIBUTE.source);
  if (source !== undefined) input.sourceAddress = source;
  const peer = {
    subject: text(ATTRIBUTE.subject),
    uriSan: text(ATTRIBUTE.uriSan),
    dnsSan: text(ATTRIBUTE.dnsSan),
  };
  if (peer.subject !== undefined || peer.uriSan !== undefined || peer.dnsSan !== undefined) {
    input.peer = Object.fromEntries(Object.entries(peer).filter(([, v]) => v !== undefined));
  }

  const jwt = structToObject(req.metadata_context?.filter_metadata?.[JWT_METADATA_NAMESPACE]);
  if (jwt) {
    const payload = jwt[JWT_PAYLOAD_KEY];
    if (typeof payload === 'object' && payload !== null && !Array.isArray(payload)) {
      input.jwtPayload = payload as Record<string, unknown>;
    }
    const failure = failureMessage(jwt[JWT_FAILURE_KEY]);
    if (failure !== undefined) input.jwtFailure = failure;
  }
  return input;
}

function failureMessage(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  let message: string;
  if (typeof value === 'string') message = value;
  else if (typeof value === 'object' && !Array.isArray(value)) {
    const { code, message: m } = value as { code?: unknown; message?: unknown };
    if (code === JWT_MISSED_CODE) return undefined;
    if (typeof m === 'string' && m !== '') message = m;
    else if (typeof code === 'number' || typeof code === 'string') message = `status code ${code}`;
    else message = 'JWT verification failed';
  } else return undefined;
  if (/^jwt is missing$/i.test(message.trim())) return undefined;
  message = message.replace(/[\r\n]+/g, ' ').trim() || 'JWT verification failed';
  return message.length > MAX_FAILURE_MESSAGE ? `${message.slice(0, MAX_FAILURE_MESSAGE)}...` : message;
}

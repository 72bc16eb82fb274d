// One HTTP/1.1 request to one upstream host: connect (bounded by the cluster's connect_timeout),
// send the buffered request body, and hand back the response with its body still streaming.
// Failures are classified the way Envoy's retry policy needs them: a connection that never came
// up is "connection failure", anything after that is a reset.
// https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto#envoy-v3-api-field-config-cluster-v3-cluster-connect-timeout
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { HeaderList } from '../ext-proc/types';
import { fromRawHeaders, toOutgoing } from '../http/headers';
import type { ResponseSource } from '../http/response';
import type { Host } from './cluster';
import { unverifiedChainProblem } from './tls-verify';

export type AttemptResult =
  | { kind: 'response'; source: ResponseSource }
  | { kind: 'failure'; reason: 'connect_failure' | 'reset' | 'aborted'; message: string };

export function sendUpstream(
  host: Host,
  connectTimeoutMs: number,
  headers: HeaderList,
  body: Buffer,
  signal: AbortSignal,
): Promise<AttemptResult> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve({ kind: 'failure', reason: 'aborted', message: 'aborted' });
    const { pseudo, headers: out } = toOutgoing(headers);
    if (body.length > 0 || out['content-length'] !== undefined) out['content-length'] = String(body.length);
    const target =
      host.address.kind === 'pipe'
        ? { socketPath: host.address.path }
        : { host: host.address.host, port: host.address.port };
    const request = (host.tls ? https.request : http.request)({
      ...target,
      method: pseudo[':method'] ?? 'GET',
      path: pseudo[':path'] ?? '/',
      headers: out,
      agent: host.agent,
      ...(host.tls ? { servername: host.tls.sni ?? '' } : {}),
    });
    let connected = false;
    let settled = false;
    let connectTimer: NodeJS.Timeout | undefined;
    const settle = (result: AttemptResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      signal.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const onAbort = (): void => {
      request.destroy();
      settle({ kind: 'failure', reason: 'aborted', message: 'aborted' });
    };
    signal.addEventListener('abort', onAbort, { once: true });
    request.on('socket', (socket: Socket) => {
      if (!socket.connecting) {
        connected = true;
        return;
      }
      connectTimer = setTimeout(() => request.destroy(new Error('connect timeout')), connectTimeoutMs);
      socket.once(host.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(connectTimer);
        // A handshake whose certificate we refuse is a connection failure, as in Envoy.
        const refused = host.tls && unverifiedChainProblem(host.tls, socket as TLSSocket);
        if (refused) {
          request.destroy(refused);
          return;
        }
        connected = true;
      });
    });
    request.on('error', (err) => {
      settle({ kind: 'failure', reason: connected ? 'reset' : 'connect_failure', message: err.message });
    });
    request.on('response', (res) => {
      // Once the response is handed over, an abort ends the body instead of the attempt.
      signal.removeEventListener('abort', onAbort);
      const status = res.statusCode ?? 502;
      const noBody =
        pseudo[':method'] === 'HEAD' ||
        status === 204 ||
        status === 304 ||
        res.headers['content-length'] === '0';
      settle({
        kind: 'response',
        source: {
          headers: [[':status', String(status)], ...fromRawHeaders(res.rawHeaders)],
          body: readBody(res),
          endOfStream: noBody,
          // The parser marks the message complete while its last bytes are still unread.
          bodyComplete: () => res.complete && res.readableLength === 0,
          abort: () => {
            if (!res.complete) request.destroy();
          },
        },
      });
    });
    request.end(body);
  });
}

async function* readBody(res: http.IncomingMessage): AsyncGenerator<Buffer> {
  for await (const chunk of res) yield chunk as Buffer;
  if (!res.complete) throw new Error('upstream reset the response mid-body');
}

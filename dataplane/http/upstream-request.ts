// One attempt of the router: the cluster's upstream HTTP filters [ext_proc, upstream_codec]
// around one upstream request. A fresh upstream ext_proc session per attempt, so every retry
// is translated again for the host the load balancer chose; the session learns that host from
// the request attribute xds.upstream_host_metadata (the endpoint's Metadata).
// https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/upstreams/http/v3/http_protocol_options.proto#envoy-v3-api-field-extensions-upstreams-http-v3-httpprotocoloptions-http-filters
import { UPSTREAM_HOST_METADATA_ATTRIBUTE } from '../../lib/headers';
import type { ExtProcSessionFactory, HeaderList } from '../ext-proc/types';
import { sendUpstream, type AttemptResult } from '../upstream/attempt';
import type { Host, UpstreamCluster } from '../upstream/cluster';
import { filterRequest, filterResponse } from './ext-proc-filter';
import { LOCAL_REPLY } from './response';

export interface AttemptContext {
  extProcFactory: ExtProcSessionFactory;
  resolveCluster(name: string): string;
}

export async function runAttempt(
  ctx: AttemptContext,
  cluster: UpstreamCluster,
  host: Host,
  requestHeaders: HeaderList,
  requestBody: Buffer,
  signal: AbortSignal,
): Promise<AttemptResult> {
  const connectTimeout = cluster.config.connectTimeoutMs;
  const config = cluster.config.upstreamExtProc;
  if (!config) return sendUpstream(host, connectTimeout, requestHeaders, requestBody, signal);
  const session = ctx.extProcFactory({
    config,
    resolveCluster: (name) => ctx.resolveCluster(name),
    attributes: { [UPSTREAM_HOST_METADATA_ATTRIBUTE]: host.metadata ?? {} },
  });
  const onAbort = (): void => session.close();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const outcome = await filterRequest(
      session,
      requestHeaders,
      requestBody,
      cluster.config.bufferLimitBytes,
    );
    if (outcome.kind === 'immediate') {
      // An upstream filter's local reply is this attempt's response (retry policy applies).
      session.close();
      return { kind: 'response', source: outcome.reply };
    }
    const { headers, body } = outcome;
    const result = await sendUpstream(host, connectTimeout, headers, body, signal);
    if (result.kind === 'failure') {
      session.close();
      return result;
    }
    return { kind: 'response', source: await filterResponse(session, result.source) };
  } catch {
    // A session failure (fail-closed ext_proc) answers like Envoy: 500 from the filter.
    session.close();
    if (signal.aborted) return { kind: 'failure', reason: 'aborted', message: 'aborted' };
    return { kind: 'response', source: LOCAL_REPLY.filterError() };
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

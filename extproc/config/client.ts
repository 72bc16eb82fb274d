// extproc's subscription to its configuration: a state-of-the-world ADS stream to the
// controller for the ProcessorConfig resource. Each version is validated (zod) and handed to
// onConfig before it is ACKed; a version that fails either is NACKed with the reason and the
// last good one stays in use. When the controller is away, extproc keeps serving with what it
// has and reconnects with capped exponential backoff, telling the server the version it holds
// so an unchanged config is not sent again.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../lib/log';
import { decodeMessage, grpcService, loadGrpcPackage, XDS_CHANNEL_OPTIONS } from '../../lib/protos';
import type { AggregatedDiscoveryServiceClient } from '../../gen/protos/envoy/service/discovery/v3/AggregatedDiscoveryService';
import type { DiscoveryRequest } from '../../gen/protos/envoy/service/discovery/v3/DiscoveryRequest';
import type { DiscoveryResponse__Output } from '../../gen/protos/envoy/service/discovery/v3/DiscoveryResponse';
import {
  EXTPROC_NODE_CLUSTER,
  PROCESSOR_CONFIG_NAME,
  PROCESSOR_CONFIG_TYPE_URL,
  type ProcessorConfig,
} from './schema';
import { parseProcessorConfigJson } from './load';

export { loadProcessorConfigFile } from './load';

export interface SubscribeOptions {
  /** The controller's ADS server: 'host:port' or 'unix:/path'. */
  target: string;
  nodeId: string;
  /** Applies a validated config; throw to reject (NACK) it. */
  onConfig(config: ProcessorConfig): void;
  logger: Logger;
  /** Defaults to insecure; use mTLS in production (the config carries credentials). */
  credentials?: grpc.ChannelCredentials;
  /** The name the server certificate must carry when it differs from the target's host. */
  serverName?: string;
  backoff?: { initialMs?: number; maxMs?: number };
}

export interface ProcessorConfigSubscription {
  close(): void;
  current(): ProcessorConfig | undefined;
}

const INVALID_ARGUMENT = 3;

export function subscribeProcessorConfig(options: SubscribeOptions): ProcessorConfigSubscription {
  const { logger } = options;
  const initialMs = options.backoff?.initialMs ?? 200;
  const maxMs = options.backoff?.maxMs ?? 10_000;
  const Client = grpcService(
    loadGrpcPackage('envoy/service/discovery/v3/ads.proto'),
    'envoy.service.discovery.v3.AggregatedDiscoveryService',
  );
  const client = new Client(
    options.target,
    options.credentials ?? grpc.credentials.createInsecure(),
    options.serverName
      ? { ...XDS_CHANNEL_OPTIONS, 'grpc.ssl_target_name_override': options.serverName }
      : XDS_CHANNEL_OPTIONS,
  ) as unknown as AggregatedDiscoveryServiceClient;

  let current: ProcessorConfig | undefined;
  /** The server's version_info of the last accepted response (what we hold, in xDS terms). */
  let ackedVersionInfo = '';
  let call: grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse__Output> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let failures = 0;
  let closed = false;

  const request = (fields: Partial<DiscoveryRequest>): DiscoveryRequest => ({
    type_url: PROCESSOR_CONFIG_TYPE_URL,
    resource_names: [PROCESSOR_CONFIG_NAME],
    version_info: ackedVersionInfo,
    ...fields,
  });

  const apply = (response: DiscoveryResponse__Output): ProcessorConfig | undefined => {
    const any = response.resources?.find((r) => r.type_url === PROCESSOR_CONFIG_TYPE_URL);
    if (!any) return undefined;
    const resource = decodeMessage(PROCESSOR_CONFIG_TYPE_URL, any.value ?? Buffer.alloc(0));
    const json = typeof resource.json === 'string' ? resource.json : '';
    const version =
      typeof resource.version === 'string' && resource.version ? resource.version : response.version_info;
    const config = parseProcessorConfigJson(json, version ?? '');
    options.onConfig(config);
    return config;
  };

  const onResponse = (stream: typeof call, response: DiscoveryResponse__Output): void => {
    if (stream !== call || !stream) return;
    failures = 0;
    if (response.type_url !== PROCESSOR_CONFIG_TYPE_URL) return;
    const nonce = response.nonce ?? '';
    try {
      const config = apply(response);
      ackedVersionInfo = response.version_info ?? '';
      if (config) {
        current = config;
        logger.info({ version: config.version }, 'processor config applied');
      } else {
        logger.warn(
          { versionInfo: ackedVersionInfo },
          'controller has no processor config for us; keeping the current one',
        );
      }
      stream.write(request({ response_nonce: nonce }));
    } catch (err) {
      const message = (err as Error).message;
      logger.warn(
        { versionInfo: response.version_info, reason: message },
        'processor config rejected (NACK)',
      );
      stream.write(request({ response_nonce: nonce, error_detail: { code: INVALID_ARGUMENT, message } }));
    }
  };

  const connect = (): void => {
    retryTimer = undefined;
    if (closed) return;
    const stream = client.StreamAggregatedResources();
    call = stream;
    stream.on('data', (response: DiscoveryResponse__Output) => onResponse(stream, response));
    stream.on('error', () => {
      // Reported through 'status', which always follows.
    });
    stream.on('status', (status: grpc.StatusObject) => {
      if (stream !== call) return;
      call = undefined;
      if (closed) return;
      const delay = Math.min(maxMs, initialMs * 2 ** failures);
      failures += 1;
      const wait = Math.round(delay / 2 + (Math.random() * delay) / 2);
      logger.warn(
        { code: status.code, details: status.details, retryInMs: wait },
        'config stream ended; reconnecting',
      );
      retryTimer = setTimeout(connect, wait);
    });
    stream.write(request({ node: { id: options.nodeId, cluster: EXTPROC_NODE_CLUSTER } }));
  };

  connect();
  return {
    current: () => current,
    close: () => {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      const stream = call;
      call = undefined;
      stream?.cancel();
      client.close();
    },
  };
}

// The data plane's ADS subscription, State of the World over one gRPC stream, the way Envoy
// does it (https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol): LDS and CDS
// wildcard, RDS/EDS/SDS by the names the accepted listeners and clusters need. Every response
// is ACKed with its version and nonce, or NACKed (error_detail) with the reason while the last
// good resources stay in force; a broken stream reconnects with jittered exponential backoff.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../lib/log';
import { decodeMessage, grpcService, loadGrpcPackage, XDS_CHANNEL_OPTIONS } from '../lib/protos';
import {
  TYPE_URL,
  convertResource,
  dependencies,
  emptySnapshot,
  kindOfTypeUrl,
  type ResourceKind,
  type Snapshot,
} from './config/snapshot';

export interface AdsClientOptions {
  /** "host:port" or "unix:/path". */
  target: string;
  nodeId: string;
  /** node.cluster: the Gateway key ("namespace/name"). */
  cluster: string;
  logger: Logger;
  /** Called after every accepted response with the current accepted resources. */
  onUpdate(snapshot: Snapshot): void;
  backoff?: { baseMs: number; maxMs: number };
  /** mTLS to the controller (see controller/certs/grpc-tls.ts); default insecure. */
  credentials?: grpc.ChannelCredentials;
  /** The name the server certificate must carry when it differs from the target's host. */
  serverName?: string;
}

interface WireAny {
  type_url?: string;
  value?: Buffer;
}
interface WireResponse {
  version_info?: string;
  resources?: WireAny[];
  type_url?: string;
  nonce?: string;
}

interface TypeState {
  version: string;
  nonce: string;
  /** By-name types: the subscribed names. Wildcard types: unused. */
  names: string[];
  /** A request for this type went out on the current stream. */
  requested: boolean;
  /** A response of this type was accepted at least once. */
  accepted: boolean;
}

const WILDCARD: ReadonlySet<ResourceKind> = new Set(['listener', 'cluster']);
/** Envoy's order: clusters (and their endpoints) before listeners (and their routes). */
const ORDER: readonly ResourceKind[] = ['cluster', 'endpoint', 'listener', 'route', 'secret'];
const INVALID_ARGUMENT = 3;

export class AdsClient {
  private readonly client: grpc.Client & Record<string, unknown>;
  private stream: grpc.ClientDuplexStream<unknown, WireResponse> | undefined;
  private readonly state = new Map<ResourceKind, TypeState>();
  private current: Snapshot = emptySnapshot();
  private closed = false;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: AdsClientOptions) {
    const Service = grpcService(
      loadGrpcPackage('envoy/service/discovery/v3/ads.proto'),
      'envoy.service.discovery.v3.AggregatedDiscoveryService',
    );
    this.client = new Service(
      options.target,
      options.credentials ?? grpc.credentials.createInsecure(),
      options.serverName
        ? { ...XDS_CHANNEL_OPTIONS, 'grpc.ssl_target_name_override': options.serverName }
        : XDS_CHANNEL_OPTIONS,
    ) as grpc.Client & Record<string, unknown>;
    for (const kind of ORDER)
      this.state.set(kind, { version: '', nonce: '', names: [], requested: false, accepted: false });
  }

  start(): void {
    this.connect();
  }

  snapshot(): Snapshot {
    return this.current;
  }

  /** Both wildcard subscriptions (LDS and CDS) have delivered a first accepted response. */
  initialized(): boolean {
    return [...WILDCARD].every((kind) => this.must(kind).accepted);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.stream?.cancel();
    this.client.close();
  }

  private connect(): void {
    if (this.closed) return;
    const open = this.client.StreamAggregatedResources as () => grpc.ClientDuplexStream<
      unknown,
      WireResponse
    >;
    const stream = open.call(this.client);
    this.stream = stream;
    for (const s of this.state.values()) {
      s.nonce = '';
      s.requested = false;
    }
    stream.on('data', (response: WireResponse) => {
      this.failures = 0;
      this.onResponse(response);
    });
    stream.on('error', (err: Error) => {
      if (!this.closed) this.options.logger.warn({ err: err.message }, 'ADS stream failed');
    });
    stream.on('close', () => this.reconnect(stream));
    stream.on('end', () => this.reconnect(stream));
    // After a reconnect, the last accepted versions tell the server what we already have.
    for (const kind of ORDER) if (WILDCARD.has(kind) || this.must(kind).names.length > 0) this.send(kind);
  }

  private reconnect(stream: grpc.ClientDuplexStream<unknown, WireResponse>): void {
    if (this.closed || this.stream !== stream) return;
    this.stream = undefined;
    const { baseMs, maxMs } = this.options.backoff ?? { baseMs: 500, maxMs: 30_000 };
    const delay = Math.random() * Math.min(maxMs, baseMs * 2 ** this.failures);
    this.failures++;
    this.timer = setTimeout(() => this.connect(), delay);
  }

  private must(kind: ResourceKind): TypeState {
    const s = this.state.get(kind);
    if (!s) throw new Error(`no state for ${kind}`);
    return s;
  }

  private send(kind: ResourceKind, errorDetail?: string): void {
    const s = this.must(kind);
    s.requested = true;
    this.stream?.write({
      version_info: s.version,
      node: { id: this.options.nodeId, cluster: this.options.cluster },
      resource_names: WILDCARD.has(kind) ? [] : s.names,
      type_url: TYPE_URL[kind],
      response_nonce: s.nonce,
      ...(errorDetail ? { error_detail: { code: INVALID_ARGUMENT, message: errorDetail } } : {}),
    });
  }

  private onResponse(response: WireResponse): void {
    const kind = kindOfTypeUrl(response.type_url ?? '');
    if (!kind) {
      this.options.logger.warn({ typeUrl: response.type_url }, 'ADS response of a type we did not ask for');
      return;
    }
    const s = this.must(kind);
    s.nonce = response.nonce ?? '';
    let next: Map<string, unknown>;
    try {
      next = this.convertAll(kind, response);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.options.logger.warn(
        { type: kind, version: response.version_info, reason },
        'NACK: keeping the last good config',
      );
      this.send(kind, reason);
      return;
    }
    s.version = response.version_info ?? '';
    s.accepted = true;
    this.current = { ...this.current, [kind]: next };
    this.send(kind);
    this.options.logger.debug({ type: kind, version: s.version, count: next.size }, 'ACK');
    this.updateSubscriptions();
    this.options.onUpdate(this.current);
  }

  private convertAll(kind: ResourceKind, response: WireResponse): Map<string, unknown> {
    const s = this.must(kind);
    const wanted = new Set(s.names);
    // SotW: wildcard responses carry the whole set; by-name responses update what they carry.
    const next = new Map<string, unknown>(WILDCARD.has(kind) ? [] : this.current[kind]);
    const seen = new Set<string>();
    for (const any of response.resources ?? []) {
      if (any.type_url !== TYPE_URL[kind])
        throw new Error(`resource of type ${String(any.type_url)} in a ${kind} response`);
      const { name, value } = convertResource(
        kind,
        decodeMessage(TYPE_URL[kind], any.value ?? Buffer.alloc(0)),
      );
      if (seen.has(name)) throw new Error(`duplicate ${kind} resource ${name}`);
      seen.add(name);
      if (WILDCARD.has(kind) || wanted.has(name)) next.set(name, value);
    }
    return next;
  }

  /** Subscribes RDS/EDS/SDS to exactly the names the accepted listeners and clusters need. */
  private updateSubscriptions(): void {
    const deps = dependencies(this.current);
    for (const kind of ['endpoint', 'route', 'secret'] as const) {
      const s = this.must(kind);
      const names = deps[kind];
      if (names.join('\n') === s.names.join('\n')) continue;
      s.names = names;
      const entries: [string, unknown][] = [...this.current[kind]];
      const kept = new Map(entries.filter(([n]) => names.includes(n)));
      this.current = { ...this.current, [kind]: kept };
      // An empty list would mean wildcard to a legacy server: only send it to unsubscribe.
      if (names.length > 0 || s.requested) this.send(kind);
    }
  }
}

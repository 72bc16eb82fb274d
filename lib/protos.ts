// One place that knows where Envoy's v3 protos live (the npm package @grpc/grpc-js-xds ships
// them under deps/) and how we load them: protobufjs for encoding xDS resources and for
// reflection (PGV rules), @grpc/proto-loader for gRPC services. Field names stay snake_case
// (keepCase) so our objects read like Envoy's own YAML.
import fs from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import * as protoLoader from '@grpc/proto-loader';
import * as grpc from '@grpc/grpc-js';

const repoRoot = findRepoRoot(__dirname);
const depsDir = path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');

export const PROTO_INCLUDE_DIRS: readonly string[] = [
  path.join(depsDir, 'envoy-api'),
  path.join(depsDir, 'xds'),
  path.join(depsDir, 'googleapis'),
  path.join(depsDir, 'protoc-gen-validate'),
  path.dirname(require.resolve('protobufjs/package.json')),
  path.join(repoRoot, 'proto'),
];

/** Every proto file whose messages the controller renders or the data plane reads. */
export const XDS_PROTO_FILES: readonly string[] = [
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/ext_proc/v3/ext_proc.proto',
  'envoy/extensions/filters/http/jwt_authn/v3/config.proto',
  'envoy/extensions/filters/http/upstream_codec/v3/upstream_codec.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/retry/priority/previous_priorities/v3/previous_priorities_config.proto',
  'envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.proto',
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/service/discovery/v3/discovery.proto',
  'envoy/service/ext_proc/v3/external_processor.proto',
  'tollgate/config/v1/processor_config.proto',
];

let rootCache: protobuf.Root | undefined;

/** The protobufjs root with all xDS messages we use, loaded once (about 150 ms). */
export function xdsRoot(): protobuf.Root {
  if (rootCache) return rootCache;
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    for (const dir of PROTO_INCLUDE_DIRS) {
      const candidate = path.join(dir, target);
      if (fs.existsSync(candidate)) return candidate;
    }
    return target;
  };
  root.loadSync([...XDS_PROTO_FILES], { keepCase: true });
  root.resolveAll();
  rootCache = root;
  return root;
}

export const TYPE_URL_PREFIX = 'type.googleapis.com/';

export function typeUrlOf(fullName: string): string {
  return TYPE_URL_PREFIX + fullName;
}

/** A message in object form (snake_case fields, Any as `{ '@type': url, ...fields }`). */
export type ProtoObject = Record<string, unknown>;

/** Encodes an object of the type named by its type URL; unknown fields are dropped by protobufjs. */
export function encodeMessage(typeUrl: string, object: ProtoObject): Uint8Array {
  const type = xdsRoot().lookupType(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
  return type.encode(type.fromObject(object)).finish();
}

/** Decodes bytes into the same object form encodeMessage takes. */
export function decodeMessage(typeUrl: string, bytes: Uint8Array): ProtoObject {
  const type = xdsRoot().lookupType(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
  return type.toObject(type.decode(bytes), TO_OBJECT_OPTIONS) as ProtoObject;
}

export const TO_OBJECT_OPTIONS: protobuf.IConversionOptions = {
  json: true,
  enums: String,
  longs: Number,
  bytes: String,
  defaults: false,
  oneofs: false,
};

/** Options shared by every @grpc/proto-loader call, matching the generated types in gen/protos. */
export const GRPC_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: false,
  oneofs: true,
  includeDirs: [...PROTO_INCLUDE_DIRS],
};

const grpcCache = new Map<string, grpc.GrpcObject>();

/** Loads a proto file as a gRPC package object (cached per file). */
export function loadGrpcPackage(file: string): grpc.GrpcObject {
  let pkg = grpcCache.get(file);
  if (!pkg) {
    pkg = grpc.loadPackageDefinition(protoLoader.loadSync(file, GRPC_LOADER_OPTIONS));
    grpcCache.set(file, pkg);
  }
  return pkg;
}

/** Resolves a dotted name (e.g. envoy.service.ext_proc.v3.ExternalProcessor) in a gRPC package. */
export function grpcService(pkg: grpc.GrpcObject, dotted: string): grpc.ServiceClientConstructor {
  let node: unknown = pkg;
  for (const part of dotted.split('.')) node = (node as Record<string, unknown>)[part];
  if (typeof node !== 'function') throw new Error(`no gRPC service ${dotted}`);
  return node as grpc.ServiceClientConstructor;
}

function findRepoRoot(start: string): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return start;
    dir = parent;
  }
  return dir;
}

/**
 * Channel options for every xDS client (data plane, extproc, tests): a RouteConfiguration for
 * 10,000 AIRoutes is ~6 MiB, over gRPC's 4 MiB default receive limit; Envoy sets none.
 * Channelz is off because nothing here reads it and grpc-js pays for its per-call tracking.
 */
export const XDS_CHANNEL_OPTIONS: Record<string, number> = {
  'grpc.max_receive_message_length': -1,
  'grpc.enable_channelz': 0,
};

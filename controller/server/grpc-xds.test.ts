// Our ADS server against a real xDS client nobody here wrote: @grpc/grpc-js-xds (proxyless
// gRPC). It resolves xds:///<listener> through LDS -> RDS -> CDS -> EDS from our server, calls a
// local gRPC server, follows an endpoint change, and NACKs a cluster it cannot use while our
// server records the NACK and the client keeps the last good version. grpc-js-xds keeps its
// xDS client and bootstrap process-global, so this file is the only one that registers it
// (node --test runs each file in its own process).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { AdsServer, type NackRecord } from './ads';
import { SnapshotCache } from './snapshot';
import { TYPE_URL } from './resource-types';
import { fixtureSnapshot } from './test-fixtures';
import { createLogger } from '../../lib/log';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const xds = require('@grpc/grpc-js-xds') as { register(): void };

const METHOD = '/tollgate.test.Echo/Who';
const bytes = {
  serialize: (b: Buffer): Buffer => b,
  deserialize: (b: Buffer): Buffer => b,
};

/** A gRPC server on an ephemeral loopback port whose one method answers with its name. */
async function startBackend(name: string): Promise<{ port: number; server: grpc.Server }> {
  const server = new grpc.Server();
  server.addService(
    {
      Who: {
        path: METHOD,
        requestStream: false,
        responseStream: false,
        requestSerialize: bytes.serialize,
        requestDeserialize: bytes.deserialize,
        responseSerialize: bytes.serialize,
        responseDeserialize: bytes.deserialize,
      },
    },
    { Who: (_call: unknown, callback: grpc.sendUnaryData<Buffer>) => callback(null, Buffer.from(name)) },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return { port, server };
}

function who(client: grpc.Client): Promise<string> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      METHOD,
      bytes.serialize,
      bytes.deserialize,
      Buffer.alloc(0),
      new grpc.Metadata(),
      { deadline: Date.now() + 5000 },
      (err, value) =>
        err || !value ? reject(err ?? new Error('empty response')) : resolve(value.toString()),
    );
  });
}

/** Calls until the answer is `expected` (config propagation is asynchronous); bounded. */
async function eventually(client: grpc.Client, expected: string, attempts = 100): Promise<void> {
  let last = '';
  for (let i = 0; i < attempts; i++) {
    last = await who(client).catch((err: Error) => `error: ${err.message}`);
    if (last === expected) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`calls never reached ${expected}; last answer: ${last}`);
}

const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

void test('grpc-js-xds resolves, follows an endpoint change, and NACKs a bad cluster', async () => {
  const cache = new SnapshotCache();
  const ads = new AdsServer({ cache, logger: createLogger('test', 'silent') });
  const adsPort = await ads.listen('127.0.0.1:0');
  cleanups.push(() => ads.close());
  const a = await startBackend('backend-a');
  const b = await startBackend('backend-b');
  cleanups.push(
    () => a.server.forceShutdown(),
    () => b.server.forceShutdown(),
  );

  process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
    xds_servers: [
      {
        server_uri: `127.0.0.1:${adsPort}`,
        channel_creds: [{ type: 'insecure' }],
        server_features: ['xds_v3'],
      },
    ],
    node: { id: 'grpc-xds-test', cluster: 'ns/echo', locality: {} },
  });
  xds.register();

  cache.setSnapshot('ns/echo', fixtureSnapshot({ listener: 'echo', ports: [a.port] }));
  const client = new grpc.Client('xds:///echo', grpc.credentials.createInsecure());
  cleanups.push(() => client.close());
  assert.equal(await who(client), 'backend-a');

  cache.setSnapshot('ns/echo', fixtureSnapshot({ listener: 'echo', ports: [b.port] }));
  await eventually(client, 'backend-b');

  const nacked = new Promise<NackRecord>((resolve) => ads.on('nack', resolve));
  const goodClusterVersion = cache.getSnapshot('ns/echo')?.ofType(TYPE_URL.cluster).version;
  cache.setSnapshot('ns/echo', fixtureSnapshot({ listener: 'echo', ports: [b.port], lbPolicy: 'MAGLEV' }));
  const nack = await nacked;
  assert.equal(nack.typeUrl, TYPE_URL.cluster);
  assert.equal(nack.nodeCluster, 'ns/echo');
  assert.notEqual(nack.rejectedVersion, goodClusterVersion);
  assert.match(nack.message, /lb_policy/i);
  assert.deepEqual(ads.nacks(), [nack]);
  // The client keeps the last good cluster: calls still work and still reach backend-b.
  assert.equal(await who(client), 'backend-b');
  assert.equal(await who(client), 'backend-b');
});

// The ADS server over mTLS: a client with a certificate from the Tollgate CA gets its
// configuration (raw ADS and extproc's config subscription, from PEM files); a client with a
// certificate from another CA, or with none, is refused at the handshake; after a rotation new
// connections see the new server certificate while the open stream keeps working.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { after, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { AdsServer } from '../server/ads';
import { SnapshotCache } from '../server/snapshot';
import { fixtureSnapshot } from '../server/test-fixtures';
import { TestStream } from '../server/ads-test-client';
import { TYPE_URL } from '../server/resource-types';
import { processorConfigResource } from '../server/processor-config';
import { subscribeProcessorConfig } from '../../extproc/config/client';
import {
  EXTPROC_NODE_CLUSTER,
  PROCESSOR_CONFIG_NAME,
  PROCESSOR_CONFIG_TYPE_URL,
} from '../../extproc/config/schema';
import type { ProcessorConfig, ProcessorConfigDocument } from '../../extproc/config/schema';
import { createLogger } from '../../lib/log';
import { grpcService, loadGrpcPackage, XDS_CHANNEL_OPTIONS } from '../../lib/protos';
import type { DiscoveryRequest } from '../../gen/protos/envoy/service/discovery/v3/DiscoveryRequest';
import type { DiscoveryResponse__Output } from '../../gen/protos/envoy/service/discovery/v3/DiscoveryResponse';
import { createCa, issueLeaf, type KeyPairPem } from './issue';
import { clientCredentialsFromFiles, ReloadableServerCredentials } from './grpc-tls';

const logger = createLogger('test', 'silent');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-mtls-'));
const ca = createCa();
const otherCa = createCa({ commonName: 'someone-else' });
const serverSans = ['localhost', '127.0.0.1'];
const serverCert = issueLeaf(ca, { commonName: 'tollgate-controller', usage: 'server', sans: serverSans });
const goodClient = issueLeaf(ca, { commonName: 'tollgate-proxy', usage: 'client' });
const foreignClient = issueLeaf(otherCa, { commonName: 'intruder', usage: 'client' });

const cache = new SnapshotCache();
cache.setSnapshot('ns/gw', fixtureSnapshot({ listener: 'ns/gw/80', ports: [9] }));
const credentials = new ReloadableServerCredentials({ ca: ca.cert, ...serverCert });
const ads = new AdsServer({ cache, logger, credentials });
const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await ads.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function client(port: number, creds: grpc.ChannelCredentials) {
  const Client = grpcService(
    loadGrpcPackage('envoy/service/discovery/v3/ads.proto'),
    'envoy.service.discovery.v3.AggregatedDiscoveryService',
  );
  const c = new Client(`127.0.0.1:${port}`, creds, XDS_CHANNEL_OPTIONS);
  cleanups.push(() => c.close());
  const open = (
    c as unknown as Record<string, () => grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse__Output>>
  ).StreamAggregatedResources;
  const stream = new TestStream<DiscoveryRequest, DiscoveryResponse__Output>(open!.call(c));
  cleanups.push(() => stream.close());
  stream.send({ node: { id: 'test', cluster: 'ns/gw' }, type_url: TYPE_URL.listener, resource_names: [] });
  return stream;
}

const ssl = (pair: KeyPairPem | undefined, root = ca.cert): grpc.ChannelCredentials =>
  grpc.credentials.createSsl(
    Buffer.from(root),
    pair ? Buffer.from(pair.key) : null,
    pair ? Buffer.from(pair.cert) : null,
  );

function writePair(name: string, pair: KeyPairPem): { ca: string; cert: string; key: string } {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'ca.crt'), ca.cert);
  fs.writeFileSync(path.join(dir, 'tls.crt'), pair.cert);
  fs.writeFileSync(path.join(dir, 'tls.key'), pair.key);
  return { ca: path.join(dir, 'ca.crt'), cert: path.join(dir, 'tls.crt'), key: path.join(dir, 'tls.key') };
}

function peerSerial(port: number, pair: KeyPairPem): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(
      {
        port,
        host: '127.0.0.1',
        ca: ca.cert,
        cert: pair.cert,
        key: pair.key,
        servername: 'localhost',
        ALPNProtocols: ['h2'],
      },
      () => {
        const serial = socket.getPeerCertificate().serialNumber;
        socket.destroy();
        resolve(serial);
      },
    );
    socket.on('error', reject);
  });
}

void describe('ADS over mTLS', async () => {
  const port = await ads.listen('127.0.0.1:0');

  await test('a client certificate from our CA gets its listeners', async () => {
    const response = await client(port, ssl(goodClient)).next(5000);
    assert.equal(response.type_url, TYPE_URL.listener);
    assert.equal(response.resources?.length, 1);
  });

  await test('a client certificate from another CA is refused', async () => {
    await assert.rejects(client(port, ssl(foreignClient)).next(5000), /stream ended: 14/);
  });

  await test('a client without a certificate is refused', async () => {
    await assert.rejects(client(port, ssl(undefined)).next(5000), /stream ended: 14/);
  });

  await test('a client that does not trust our CA refuses the server', async () => {
    await assert.rejects(client(port, ssl(goodClient, otherCa.cert)).next(5000), /stream ended: 14/);
  });

  await test('extproc subscribes over mTLS with credentials from PEM files', async () => {
    const doc: ProcessorConfigDocument = JSON.parse(
      JSON.stringify({
        gateways: {},
        routes: {},
        backends: {},
        clientPolicies: {},
        budgets: {},
        guardrails: {},
        limits: { maxRequestBodyBytes: 1024 },
      }),
    ) as ProcessorConfigDocument;
    const resource = processorConfigResource(doc);
    cache.setSnapshot(
      EXTPROC_NODE_CLUSTER,
      new Map([[PROCESSOR_CONFIG_TYPE_URL, new Map([[PROCESSOR_CONFIG_NAME, resource.resource]])]]),
    );
    const got = await new Promise<ProcessorConfig>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no config over mTLS')), 8000);
      const sub = subscribeProcessorConfig({
        target: `127.0.0.1:${port}`,
        nodeId: 'extproc-mtls',
        logger,
        credentials: clientCredentialsFromFiles(writePair('extproc', goodClient)),
        serverName: 'localhost',
        backoff: { initialMs: 20, maxMs: 200 },
        onConfig: (config) => {
          clearTimeout(timer);
          resolve(config);
        },
      });
      cleanups.push(() => sub.close());
    });
    assert.equal(got.version.length > 0, true);
  });

  await test('rotation: new connections get the new certificate, the open stream keeps going', async () => {
    const stream = client(port, ssl(goodClient));
    const first = await stream.next(5000);
    stream.send({
      type_url: TYPE_URL.listener,
      version_info: first.version_info,
      response_nonce: first.nonce,
      resource_names: [],
    });
    const before = await peerSerial(port, goodClient);
    const rotated = issueLeaf(ca, { commonName: 'tollgate-controller', usage: 'server', sans: serverSans });
    assert.equal(credentials.update({ ca: ca.cert, ...rotated }), true);
    assert.equal(credentials.update({ ca: ca.cert, ...rotated }), false, 'same material is a no-op');
    const afterRotation = await peerSerial(port, goodClient);
    assert.notEqual(afterRotation, before);
    const expected = new X509Certificate(rotated.cert).serialNumber;
    assert.equal(afterRotation.toUpperCase(), expected.toUpperCase());
    // The stream opened before the rotation still receives pushes.
    cache.setSnapshot('ns/gw', fixtureSnapshot({ listener: 'ns/gw/80', ports: [9], tag: 'v2' }));
    const response = await stream.next(5000);
    assert.equal(response.type_url, TYPE_URL.listener);
  });
});

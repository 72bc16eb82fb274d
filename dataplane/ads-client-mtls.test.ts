// The data plane's ADS client over mTLS (`tollgate dataplane --xds-ca/--xds-cert/--xds-key`):
// with a client certificate from the Tollgate CA it receives and accepts a Gateway's listeners
// and clusters; with one from another CA it never initializes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { AdsServer } from '../controller/server/ads';
import { SnapshotCache } from '../controller/server/snapshot';
import { goldenInputs } from '../controller/xds/golden-render';
import { toXds, xdsSnapshotFor } from '../controller/xds';
import { createCa, issueLeaf } from '../controller/certs/issue';
import { clientCredentialsFromFiles, ReloadableServerCredentials } from '../controller/certs/grpc-tls';
import { until } from '../test/fake-apiserver/testing';
import { sourceDir } from '../test/golden';
import { createLogger } from '../lib/log';
import { AdsClient } from './ads-client';

const logger = createLogger('test', 'silent');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-dp-mtls-'));
const ca = createCa();
const server = issueLeaf(ca, { commonName: 'ctl', usage: 'server', sans: ['localhost'] });
const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
  fs.rmSync(tmp, { recursive: true, force: true });
});

void test('the data plane gets its Gateway over mTLS, and not with a foreign certificate', async () => {
  const ir = goldenInputs(path.join(sourceDir(__dirname), '..', 'controller', 'xds', 'testdata')).get(
    'tcp-extproc',
  );
  assert.ok(ir, 'golden input tcp-extproc');
  const cache = new SnapshotCache();
  const [gatewayKey, resources] = [...toXds(ir)][0]!;
  cache.setSnapshot(gatewayKey, xdsSnapshotFor(resources));
  const ads = new AdsServer({
    cache,
    logger,
    credentials: new ReloadableServerCredentials({ ca: ca.cert, ...server }),
  });
  cleanups.push(() => ads.close());
  const port = await ads.listen('127.0.0.1:0');

  const clientFor = (name: string, issuer: typeof ca): AdsClient => {
    const pair = issueLeaf(issuer, { commonName: name, usage: 'client' });
    const dir = path.join(tmp, name);
    fs.mkdirSync(dir);
    const files = {
      ca: path.join(dir, 'ca.crt'),
      cert: path.join(dir, 'tls.crt'),
      key: path.join(dir, 'tls.key'),
    };
    fs.writeFileSync(files.ca, ca.cert);
    fs.writeFileSync(files.cert, pair.cert);
    fs.writeFileSync(files.key, pair.key);
    const client = new AdsClient({
      target: `127.0.0.1:${port}`,
      nodeId: name,
      cluster: gatewayKey,
      logger,
      onUpdate: () => undefined,
      credentials: clientCredentialsFromFiles(files),
      serverName: 'localhost',
      backoff: { baseMs: 20, maxMs: 100 },
    });
    cleanups.push(() => client.close());
    client.start();
    return client;
  };

  const foreign = clientFor('intruder', createCa());
  const good = clientFor('proxy', ca);
  await until(() => good.initialized(), 'accepted LDS and CDS over mTLS');
  assert.ok(good.snapshot().listener.size > 0);
  assert.equal(foreign.initialized(), false);
  assert.equal(foreign.snapshot().listener.size, 0);
});

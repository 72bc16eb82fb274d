// extproc's config subscription against the real ADS server: a good document is delivered
// and ACKed, a bad one (schema or onConfig) is NACKed with the reason while the last good one
// stays, and after a server restart the client reconnects and resubscribes. Also the file loader.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import YAML from 'yaml';
import {
  subscribeProcessorConfig,
  loadProcessorConfigFile,
  type ProcessorConfigSubscription,
} from './client';
import { EXTPROC_NODE_CLUSTER, PROCESSOR_CONFIG_NAME, PROCESSOR_CONFIG_TYPE_URL } from './schema';
import type { ProcessorConfig, ProcessorConfigDocument } from './schema';
import { AdsServer, type AckRecord, type NackRecord } from '../../controller/server/ads';
import { SnapshotCache } from '../../controller/server/snapshot';
import { processorConfigResource } from '../../controller/server/processor-config';
import { createLogger } from '../../lib/log';
import type { ProtoObject } from '../../lib/protos';

const logger = createLogger('test', 'silent');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-config-'));
const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function doc(model: string): ProcessorConfigDocument {
  return {
    gateways: { 'ns/gw': { routes: ['ns/r/0'] } },
    routes: {
      'ns/r/0': {
        key: 'ns/r/0',
        hostnames: [],
        matches: [{ model: { type: 'Exact', value: model }, headers: [] }],
        backends: [{ backend: 'ns/b', weight: 1, priority: 0 }],
        budgets: [],
        guardrails: [],
      },
    },
    backends: {
      'ns/b': { key: 'ns/b', schema: 'OpenAI', host: '127.0.0.1:9', pathPrefix: '/v1', models: [] },
    },
    clientPolicies: {},
    budgets: {},
    guardrails: {},
    limits: { maxRequestBodyBytes: 1024 },
  };
}

function setProcessor(cache: SnapshotCache, resource: ProtoObject): void {
  cache.setSnapshot(
    EXTPROC_NODE_CLUSTER,
    new Map([[PROCESSOR_CONFIG_TYPE_URL, new Map([[PROCESSOR_CONFIG_NAME, resource]])]]),
  );
}

/** Waits (bounded) for the next value pushed through `push`. */
function channel<T>(): { push(v: T): void; next(timeoutMs?: number): Promise<T> } {
  const queue: T[] = [];
  const waiters: ((v: T) => void)[] = [];
  return {
    push: (v) => {
      const w = waiters.shift();
      if (w) w(v);
      else queue.push(v);
    },
    next: (timeoutMs = 5000) => {
      const v = queue.shift();
      if (v !== undefined) return Promise.resolve(v);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`nothing within ${timeoutMs} ms`)), timeoutMs);
        waiters.push((x) => {
          clearTimeout(timer);
          resolve(x);
        });
      });
    },
  };
}

async function startServer(address: string) {
  const cache = new SnapshotCache();
  const ads = new AdsServer({ cache, logger });
  const acks = channel<AckRecord>();
  const nacks = channel<NackRecord>();
  ads.on('ack', (r) => acks.push(r)).on('nack', (r) => nacks.push(r));
  const port = await ads.listen(address);
  return { cache, ads, acks, nacks, port };
}

function subscribe(target: string, reject?: (c: ProcessorConfig) => string | undefined) {
  const configs = channel<ProcessorConfig>();
  const sub: ProcessorConfigSubscription = subscribeProcessorConfig({
    target,
    nodeId: 'extproc-test',
    logger,
    backoff: { initialMs: 20, maxMs: 200 },
    onConfig: (config) => {
      const reason = reject?.(config);
      if (reason) throw new Error(reason);
      configs.push(config);
    },
  });
  cleanups.push(() => sub.close());
  return { sub, configs };
}

void test('a good config is delivered and ACKed; a bad one is NACKed with the reason and the old one kept', async (t) => {
  const server = await startServer('127.0.0.1:0');
  cleanups.push(() => server.ads.close());
  const { sub, configs } = subscribe(`127.0.0.1:${server.port}`, (c) =>
    c.routes['ns/r/0']?.matches[0]?.model?.value === 'refused-by-extproc'
      ? 'model refused-by-extproc is not allowed'
      : undefined,
  );

  const started = performance.now();
  const good = processorConfigResource(doc('gpt-4o'));
  setProcessor(server.cache, good.resource);
  const config = await configs.next();
  t.diagnostic(`setSnapshot -> onConfig: ${(performance.now() - started).toFixed(1)} ms`);
  assert.equal(config.version, good.resource.version);
  assert.equal(config.routes['ns/r/0']?.matches[0]?.model?.value, 'gpt-4o');
  assert.equal(sub.current(), config);
  const ack = await server.acks.next();
  assert.equal(ack.typeUrl, PROCESSOR_CONFIG_TYPE_URL);
  assert.equal(ack.nodeId, 'extproc-test');

  // Fails the schema: a route needs at least one backend.
  const bad = doc('x');
  const route = bad.routes['ns/r/0'];
  assert.ok(route);
  route.backends = [];
  setProcessor(server.cache, { version: 'bad', json: JSON.stringify(bad) });
  const nack = await server.nacks.next();
  assert.equal(nack.typeUrl, PROCESSOR_CONFIG_TYPE_URL);
  assert.match(nack.message, /routes\.ns\/r\/0\.backends/);
  assert.equal(sub.current(), config, 'the last good config stays');

  // Valid JSON for the schema, but onConfig refuses it.
  setProcessor(server.cache, processorConfigResource(doc('refused-by-extproc')).resource);
  assert.match((await server.nacks.next()).message, /model refused-by-extproc is not allowed/);
  setProcessor(server.cache, { version: 'x', json: '{not json' });
  assert.match((await server.nacks.next()).message, /not JSON/);
  assert.equal(sub.current(), config);

  const warm = performance.now();
  const next = processorConfigResource(doc('gpt-5'));
  setProcessor(server.cache, next.resource);
  assert.equal((await configs.next()).version, next.resource.version);
  t.diagnostic(`setSnapshot -> onConfig (warm): ${(performance.now() - warm).toFixed(1)} ms`);
});

void test('after a server restart the client reconnects, resubscribes and gets the new config', async () => {
  const socket = path.join(tmp, 'ads.sock');
  const first = await startServer(`unix:${socket}`);
  const { sub, configs } = subscribe(`unix:${socket}`);
  setProcessor(first.cache, processorConfigResource(doc('before')).resource);
  const before = await configs.next();
  await first.ads.close();
  assert.equal(sub.current(), before, 'kept while the controller is away');

  const second = await startServer(`unix:${socket}`);
  cleanups.push(() => second.ads.close());
  // The same document: the reconnecting client says it holds this version, so nothing is sent
  // (were it re-sent, the next config below would be 'before').
  setProcessor(second.cache, processorConfigResource(doc('before')).resource);
  for (let i = 0; i < 200 && second.ads.connectedStreams() === 0; i++) await delay(20);
  assert.equal(second.ads.connectedStreams(), 1, 'the client reconnected');
  await delay(50);
  setProcessor(second.cache, processorConfigResource(doc('after')).resource);
  const afterRestart = await configs.next();
  assert.equal(afterRestart.routes['ns/r/0']?.matches[0]?.model?.value, 'after');
  assert.equal(sub.current(), afterRestart);
});

void test('loadProcessorConfigFile reads JSON or YAML, validates, and versions by content', () => {
  const jsonFile = path.join(tmp, 'config.json');
  const yamlFile = path.join(tmp, 'config.yaml');
  fs.writeFileSync(jsonFile, JSON.stringify(doc('m')));
  fs.writeFileSync(yamlFile, YAML.stringify(doc('m')));
  const fromJson = loadProcessorConfigFile(jsonFile);
  const fromYaml = loadProcessorConfigFile(yamlFile);
  assert.equal(fromJson.version, fromYaml.version);
  assert.equal(fromJson.version, processorConfigResource(doc('m')).resource.version);
  assert.deepEqual(fromJson.backends, doc('m').backends);

  const badFile = path.join(tmp, 'bad.yaml');
  fs.writeFileSync(badFile, 'gateways: {}\nroutes: {}\nbackends: { b: { key: b } }\n');
  assert.throws(
    () => loadProcessorConfigFile(badFile),
    /bad\.yaml: invalid ProcessorConfig: backends\.b\.schema/,
  );
  assert.throws(() => loadProcessorConfigFile(path.join(tmp, 'missing.json')), /missing\.json: ENOENT/);
});

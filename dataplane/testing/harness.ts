// Wiring for the data plane's end-to-end tests: a fake ADS server holding the given resources,
// a data plane subscribed to it with ephemeral listener ports, and scripted fake ext_proc
// sessions (the real ones live in dataplane/ext-proc/ and are tested there).
import { createLogger } from '../../lib/log';
import type { ProtoObject } from '../../lib/protos';
import { TYPE_URL } from '../config/snapshot';
import type {
  BodyMode,
  Decision,
  ExtProcSession,
  ExtProcSessionFactory,
  ExtProcSessionOptions,
  HeaderList,
} from '../ext-proc/types';
import { startDataplane, type Dataplane, type DataplaneOptions } from '../index';
import { FakeAdsServer } from './ads-server';

export interface Resources {
  listeners?: ProtoObject[];
  routes?: ProtoObject[];
  clusters?: ProtoObject[];
  endpoints?: ProtoObject[];
  secrets?: ProtoObject[];
}

export interface Harness {
  ads: FakeAdsServer;
  dataplane: Dataplane;
  port(listener?: string): number;
  close(): Promise<void>;
}

export function setResources(ads: FakeAdsServer, r: Resources, version: string): void {
  if (r.clusters) ads.set(TYPE_URL.cluster, r.clusters, version);
  if (r.endpoints) ads.set(TYPE_URL.endpoint, r.endpoints, version);
  if (r.listeners) ads.set(TYPE_URL.listener, r.listeners, version);
  if (r.routes) ads.set(TYPE_URL.route, r.routes, version);
  if (r.secrets) ads.set(TYPE_URL.secret, r.secrets, version);
}

export async function startHarness(
  resources: Resources,
  extProcFactory: ExtProcSessionFactory = noExtProc,
  options: Partial<DataplaneOptions> = {},
): Promise<Harness> {
  const ads = new FakeAdsServer();
  const target = await ads.start();
  setResources(ads, { listeners: [], clusters: [], ...resources }, 'v1');
  const dataplane = await startDataplane({
    ads: target,
    nodeId: 'test-node',
    gatewayKey: 'default/gw',
    bindAddress: '127.0.0.1',
    portOverride: () => 0,
    extProcFactory,
    logger: createLogger('dataplane-test', 'silent'),
    initialFetchTimeoutMs: 2000,
    ...options,
  });
  await dataplane.ready;
  return {
    ads,
    dataplane,
    port: (name) => {
      const found = dataplane.listeners().find((l) => name === undefined || l.name === name);
      if (!found) throw new Error(`no listener ${name ?? ''}`);
      return found.port;
    },
    close: async () => {
      await dataplane.close();
      await ads.close();
    },
  };
}

const noExtProc: ExtProcSessionFactory = () => {
  throw new Error('no ext_proc in this test');
};

/** What a scripted session does at each phase; unset phases continue unchanged. */
export interface SessionScript {
  requestHeaders?(headers: HeaderList, endOfStream: boolean): Decision | Promise<Decision>;
  requestBody?(body: Buffer): Decision | Promise<Decision>;
  responseHeaders?(headers: HeaderList, endOfStream: boolean): Decision | Promise<Decision>;
  responseChunk?(chunk: Buffer, endOfStream: boolean): Decision | Promise<Decision>;
  requestBodyMode?: BodyMode;
  responseBodyMode?: BodyMode;
}

export interface FakeSessions {
  factory: ExtProcSessionFactory;
  sessions: { options: ExtProcSessionOptions; closed: boolean }[];
}

export function fakeExtProc(script: (options: ExtProcSessionOptions) => SessionScript): FakeSessions {
  const sessions: FakeSessions['sessions'] = [];
  const factory: ExtProcSessionFactory = (options) => {
    const record = { options, closed: false };
    sessions.push(record);
    const s = script(options);
    const pass = (headers: HeaderList): Decision => ({ kind: 'continue', headers, clearRouteCache: false });
    const session: ExtProcSession = {
      requestHeaders: async (h, eos) => (s.requestHeaders ? s.requestHeaders(h, eos) : pass(h)),
      requestBodyMode: () => s.requestBodyMode ?? 'BUFFERED',
      requestBody: async (b) =>
        s.requestBody ? s.requestBody(b) : { kind: 'continue', headers: [], clearRouteCache: false },
      responseHeaders: async (h, eos) => (s.responseHeaders ? s.responseHeaders(h, eos) : pass(h)),
      responseBodyMode: () => s.responseBodyMode ?? 'NONE',
      responseChunk: async (c, eos) =>
        s.responseChunk ? s.responseChunk(c, eos) : { kind: 'continue', headers: [], clearRouteCache: false },
      close: () => {
        record.closed = true;
      },
    };
    return session;
  };
  return { factory, sessions };
}

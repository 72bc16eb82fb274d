// The controller's rendered ext_proc configs, through the wire and the data plane's cluster and
// listener converters, into real sessions: the upstream level (mutation_rules allow_all_routing)
// may rewrite :authority and host for the chosen backend; the router level keeps Envoy's default
// rules, under which the same mutation is ignored.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ProcessingRequest__Output } from '../../gen/protos/envoy/service/ext_proc/v3/ProcessingRequest';
import type { ProcessingResponse } from '../../gen/protos/envoy/service/ext_proc/v3/ProcessingResponse';
import { decodeMessage, encodeMessage, type ProtoObject } from '../../lib/protos';
import type { ExtprocTarget, GatewayIR } from '../../controller/ir/types';
import { CLUSTER_TYPE_URL, LISTENER_TYPE_URL, toXds } from '../../controller/xds';
import { convertCluster } from '../config/cluster';
import { convertListener } from '../config/listener';
import { type FakeProcessor, setHeaders, startFakeProcessor } from './fake-processor';
import { closeExtProcClients } from './grpc-stream';
import { createExtProcSession } from './session';
import type { ExtProcSession, HeaderList } from './types';

// Far above Envoy's 200 ms default so a loaded machine cannot turn the test into a timeout.
const EXTPROC: ExtprocTarget = { kind: 'tcp', address: '127.0.0.1', port: 9002, messageTimeoutMs: 30_000 };

const GATEWAY: GatewayIR = {
  key: 'ns/gw',
  listeners: [
    {
      name: 'ns/gw/8080',
      address: '0.0.0.0',
      port: 8080,
      protocol: 'HTTP',
      tlsSecrets: [],
      extProc: true,
      virtualHosts: [
        {
          name: 'ns/gw/8080/*',
          domains: ['*'],
          routes: [
            {
              name: 'airoute/ns/r/0',
              match: { path: { kind: 'prefix', value: '/' }, headers: [] },
              action: { kind: 'ai', cluster: 'ai/ns/r/0', timeoutMs: 1000 },
              extProc: true,
            },
          ],
        },
      ],
    },
  ],
  clusters: [
    {
      name: 'ai/ns/r/0',
      kind: 'ai',
      connectTimeoutMs: 1000,
      discovery: 'eds',
      endpoints: [{ address: '127.0.0.1', port: 9101, priority: 0, weight: 1, backend: 'ns/b' }],
    },
  ],
  secrets: [],
};

const REQUEST: HeaderList = [
  [':method', 'POST'],
  [':path', '/v1/chat/completions'],
  [':authority', 'gw.example'],
  ['host', 'gw.example'],
];

/** The rendered resource as the data plane receives it: encoded, decoded. */
function wire(typeUrl: string, resource: ProtoObject): ProtoObject {
  return decodeMessage(typeUrl, encodeMessage(typeUrl, resource));
}

function renderedConfigs(): { router: ProtoObject; upstream: ProtoObject } {
  const xds = toXds({
    gateways: [GATEWAY],
    extproc: EXTPROC,
    processor: {
      gateways: {},
      routes: {},
      backends: {},
      clientPolicies: {},
      budgets: {},
      guardrails: {},
      limits: { maxRequestBodyBytes: 1024 },
    },
  }).get('ns/gw');
  const listener = xds?.listeners[0];
  const cluster = xds?.clusters.find((c) => c.name === 'ai/ns/r/0');
  assert.ok(listener && cluster);
  const router = convertListener(wire(LISTENER_TYPE_URL, listener.resource)).hcm.extProc;
  const upstream = convertCluster(wire(CLUSTER_TYPE_URL, cluster.resource)).upstreamExtProc;
  assert.ok(router && upstream);
  return { router, upstream };
}

/** The processor rewrites the routing headers to the backend's host, as extproc does. */
function rewriteHost(request: ProcessingRequest__Output): ProcessingResponse {
  if (request.request !== 'request_headers') return { [request.request as string]: {} };
  return {
    request_headers: {
      response: {
        header_mutation: {
          set_headers: setHeaders([
            [':authority', 'api.openai.com'],
            ['host', 'api.openai.com'],
            ['x-backend', 'ns/b'],
          ]),
        },
      },
    },
  };
}

void describe('rendered ext_proc mutation rules in the data plane', () => {
  let proc: FakeProcessor;
  const sessions: ExtProcSession[] = [];
  before(async () => {
    proc = await startFakeProcessor((r) => rewriteHost(r));
  });
  after(async () => {
    for (const s of sessions) s.close();
    closeExtProcClients();
    await proc.close();
  });

  async function afterHeaders(config: ProtoObject): Promise<HeaderList> {
    const session = createExtProcSession({
      config,
      resolveCluster: (name) => (name === 'tollgate-extproc' ? proc.target : 'unknown'),
      attributes: {},
    });
    sessions.push(session);
    const decision = await session.requestHeaders(REQUEST, true);
    assert.equal(decision.kind, 'continue');
    return decision.kind === 'continue' && decision.headers.length > 0 ? decision.headers : REQUEST;
  }

  void it('the upstream level may rewrite :authority and host', async () => {
    const headers = await afterHeaders(renderedConfigs().upstream);
    const get = (n: string) => headers.filter(([k]) => k === n).map(([, v]) => v);
    assert.deepEqual(get(':authority'), ['api.openai.com']);
    assert.deepEqual(get('host'), ['api.openai.com']);
    assert.deepEqual(get('x-backend'), ['ns/b']);
  });

  void it("the router level keeps Envoy's defaults: routing headers are not changed", async () => {
    const headers = await afterHeaders(renderedConfigs().router);
    const get = (n: string) => headers.filter(([k]) => k === n).map(([, v]) => v);
    assert.deepEqual(get(':authority'), ['gw.example']);
    assert.deepEqual(get('x-backend'), ['ns/b']);
  });
});

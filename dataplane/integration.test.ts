// The data plane core with the real ext_proc filter (dataplane/ext-proc/session.ts) against a
// scripted ExternalProcessor gRPC server: the router-level call routes the request by setting
// the route header and clearing the route cache, as docs/architecture.md describes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ROUTE_HEADER } from '../lib/headers';
import { startFakeProcessor, setHeaders } from './ext-proc/fake-processor';
import { createExtProcSession } from './ext-proc/session';
import { startHarness } from './testing/harness';
import { request, startUpstream } from './testing/upstream';
import { assignment, edsCluster, listener, routeConfig, routeTo, vhost } from './testing/xds';

describe('core + real ext_proc session', () => {
  it('routes on the header the processor sets after clear_route_cache', async () => {
    const processor = await startFakeProcessor((req) => {
      if (req.request_headers)
        return {
          request_headers: {
            response: {
              header_mutation: { set_headers: setHeaders([[ROUTE_HEADER, 'ns/r/0']]) },
              clear_route_cache: true,
            },
          },
        };
      if (req.request_body) return { request_body: { response: {} } };
      if (req.response_headers)
        return {
          response_headers: {
            response: { header_mutation: { set_headers: setHeaders([['x-processed', 'yes']]) } },
          },
        };
      return { response_body: { response: {} } };
    });
    const up = await startUpstream('ai');
    const [host, port] = processor.target.split(':');
    const h = await startHarness(
      {
        listeners: [listener('l', { extProc: true })],
        routes: [
          routeConfig('l', [
            vhost(
              'any',
              ['*'],
              [
                routeTo('ai', {
                  prefix: '/',
                  headers: [{ name: ROUTE_HEADER, string_match: { exact: 'ns/r/0' } }],
                }),
                {
                  match: { prefix: '/' },
                  direct_response: { status: 404, body: { inline_string: 'no rule' } },
                },
              ],
            ),
          ]),
        ],
        clusters: [
          edsCluster('ai'),
          {
            name: 'tollgate-extproc',
            type: 'STATIC',
            load_assignment: {
              cluster_name: 'tollgate-extproc',
              endpoints: [
                {
                  lb_endpoints: [
                    {
                      endpoint: { address: { socket_address: { address: host, port_value: Number(port) } } },
                    },
                  ],
                },
              ],
            },
          },
        ],
        endpoints: [assignment('ai', [{ port: up.port }])],
      },
      createExtProcSession,
    );
    try {
      const res = await request(h.port(), { path: '/v1/chat/completions', body: '{"model":"m"}' });
      assert.equal(res.body, 'ai');
      assert.equal(res.headers['x-processed'], 'yes');
      assert.equal(up.received[0]?.headers[ROUTE_HEADER], 'ns/r/0');
      assert.equal(up.received[0]?.body, '{"model":"m"}');
    } finally {
      await h.close();
      await up.close();
      await processor.close();
    }
  });
});

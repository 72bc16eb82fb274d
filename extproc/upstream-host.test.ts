// The chosen endpoint's backend key from xds.upstream_host_metadata in each shape it may take.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { upstreamHostAttributes } from '../test/envoy-harness/ext-proc-client';
import type { ProcessingRequest } from './messages';
import { fromTextFormat, upstreamBackendKey } from './upstream-host';

const withAttrs = (attributes: unknown): ProcessingRequest => ({ attributes }) as ProcessingRequest;

describe('upstreamBackendKey', () => {
  it('reads Envoy text format and struct shapes', () => {
    assert.equal(upstreamBackendKey(withAttrs(upstreamHostAttributes('ns/a', 'text'))), 'ns/a');
    assert.equal(upstreamBackendKey(withAttrs(upstreamHostAttributes('ns/b', 'struct'))), 'ns/b');
  });

  it('reads one-line text format with other namespaces around it', () => {
    const text =
      'filter_metadata { key: "envoy.lb" value { fields { key: "backend" value { string_value: "wrong" } } } } ' +
      'filter_metadata { key: "tollgate" value { fields { key: "other" value { number_value: 1 } } fields { key: "backend" value { string_value: "ns/c\\"q" } } } }';
    assert.equal(fromTextFormat(text), 'ns/c"q');
  });

  it('reads a JSON string', () => {
    const attrs = {
      'envoy.filters.http.ext_proc': {
        fields: {
          'xds.upstream_host_metadata': {
            stringValue: '{"filter_metadata":{"tollgate":{"backend":"ns/d"}}}',
          },
        },
      },
    };
    assert.equal(upstreamBackendKey(withAttrs(attrs)), 'ns/d');
  });

  it('reads a JSON string of a Struct in object form (our data plane)', () => {
    const md = { filter_metadata: { tollgate: { fields: { backend: { string_value: 'ns/e' } } } } };
    const attrs = {
      'envoy.filters.http.ext_proc': {
        fields: { 'xds.upstream_host_metadata': { stringValue: JSON.stringify(md) } },
      },
    };
    assert.equal(upstreamBackendKey(withAttrs(attrs)), 'ns/e');
  });

  it('is undefined when absent or malformed', () => {
    assert.equal(upstreamBackendKey(withAttrs(undefined)), undefined);
    assert.equal(fromTextFormat('filter_metadata { key: "tollgate" value {'), undefined);
    assert.equal(fromTextFormat('}}}{{'), undefined);
  });
});

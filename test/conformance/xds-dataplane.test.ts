// Conformance of the controller's xDS with the local data plane: every resource rendered from
// every xDS golden, every translator golden (translate() -> toXds()) and examples/quickstart is
// encoded, decoded (what the ADS client hands over) and must be accepted by the data plane's
// converters. The renderer and the data plane were written apart; this is the test that fails
// when they drift. A case the data plane may reject is listed in EXPECTED_REJECTIONS with why.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import YAML from 'yaml';
import { decodeMessage, encodeMessage } from '../../lib/protos';
import type { ExtprocTarget, IR } from '../../controller/ir/types';
import { loadResources } from '../../controller/provider/files';
import { addObject, emptyResources } from '../../controller/provider/resources';
import { translate } from '../../controller/translate';
import { goldenInputs } from '../../controller/xds/golden-render';
import {
  CLUSTER_TYPE_URL,
  ENDPOINT_TYPE_URL,
  LISTENER_TYPE_URL,
  ROUTE_TYPE_URL,
  SECRET_TYPE_URL,
  connectionBufferLimit,
  toXds,
} from '../../controller/xds';
import { convertCluster } from '../../dataplane/config/cluster';
import { convertLoadAssignment } from '../../dataplane/config/endpoint';
import { convertListener } from '../../dataplane/config/listener';
import { convertRouteTable } from '../../dataplane/config/route';
import { convertSecret } from '../../dataplane/config/secret';
import { parseExtProcConfig } from '../../dataplane/ext-proc/config';
import {
  JWT_FAILURE_KEY,
  JWT_METADATA_NAMESPACE,
  JWT_PAYLOAD_KEY,
  ROUTER_REQUEST_ATTRIBUTES,
} from '../../lib/headers';
import { repoRoot } from '../golden';

/**
 * "<case> <gateway> <resource name>" -> why the data plane may reject it. Empty today: every
 * rendered resource must be accepted. An entry that stops being rejected fails the test too,
 * so the list cannot go stale.
 */
const EXPECTED_REJECTIONS: Record<string, string> = {};

const EXTPROC: ExtprocTarget = { kind: 'tcp', address: '127.0.0.1', port: 9002, messageTimeoutMs: 2000 };
const NOW = '2026-01-01T00:00:00.000Z';

const CONVERTERS: Record<string, (msg: Record<string, unknown>) => unknown> = {
  [LISTENER_TYPE_URL]: convertListener,
  [ROUTE_TYPE_URL]: convertRouteTable,
  [CLUSTER_TYPE_URL]: convertCluster,
  [ENDPOINT_TYPE_URL]: (msg) => convertLoadAssignment(msg),
  [SECRET_TYPE_URL]: convertSecret,
};

/** Every IR the controller can produce from our test inputs, by case label. */
function cases(): Map<string, IR> {
  const root = repoRoot();
  const out = new Map<string, IR>();
  for (const [name, ir] of goldenInputs(path.join(root, 'controller/xds/testdata'))) {
    // invalid-* goldens break invariants on purpose: toXds refuses them, nothing is served.
    if (!name.startsWith('invalid-')) out.set(`xds/${name}`, ir);
  }
  const translateDir = path.join(root, 'controller/translate/testdata');
  for (const file of fs.readdirSync(translateDir).sort()) {
    if (!file.endsWith('.in.yaml')) continue;
    const resources = emptyResources();
    for (const doc of YAML.parseAllDocuments(fs.readFileSync(path.join(translateDir, file), 'utf8'))) {
      const value = doc.toJS() as unknown;
      if (value !== null && value !== undefined) addObject(resources, value);
    }
    out.set(
      `translate/${file.replace(/\.in\.yaml$/, '')}`,
      translate(resources, { extproc: EXTPROC, now: NOW }).ir,
    );
  }
  const quickstart = loadResources(path.join(root, 'examples/quickstart'));
  assert.deepEqual(quickstart.errors, [], 'examples/quickstart loads without errors');
  out.set('examples/quickstart', translate(quickstart.resources, { extproc: EXTPROC, now: NOW }).ir);
  return out;
}

const all = cases();

void test('conformance covers the xds goldens, the translator goldens and the quickstart', () => {
  const labels = [...all.keys()];
  assert.ok(labels.some((l) => l.startsWith('xds/')));
  assert.ok(labels.some((l) => l.startsWith('translate/')));
  assert.ok(labels.includes('examples/quickstart'));
});

const seenExpected = new Set<string>();

for (const [label, ir] of all) {
  void test(`data plane accepts every resource of ${label}`, () => {
    const problems: string[] = [];
    for (const [gateway, resources] of toXds(ir)) {
      for (const list of Object.values(resources)) {
        for (const { name, typeUrl, resource } of list) {
          const convert = CONVERTERS[typeUrl];
          assert.ok(convert, `no data plane converter for ${typeUrl}`);
          // What the data plane receives: the resource after the wire, as the ADS client decodes it.
          const decoded = decodeMessage(typeUrl, encodeMessage(typeUrl, resource));
          const key = `${label} ${gateway} ${name}`;
          const expected = EXPECTED_REJECTIONS[key];
          let error: string | undefined;
          try {
            convert(decoded);
          } catch (err) {
            error = (err as Error).message;
          }
          if (expected !== undefined) {
            seenExpected.add(key);
            if (error === undefined) problems.push(`${key}: listed as rejected (${expected}) but accepted`);
          } else if (error !== undefined) problems.push(`${key}: ${error}`);
        }
      }
    }
    assert.deepEqual(problems, [], 'renderer and data plane disagree');
  });
}

/** Accepting is not enough: the data plane must read the settings the renderer relies on. */
void test('the data plane reads what the quickstart renders it for', () => {
  const ir = all.get('examples/quickstart');
  assert.ok(ir);
  const limit = connectionBufferLimit(ir);
  for (const resources of toXds(ir).values()) {
    const wire = (typeUrl: string, resource: Record<string, unknown>) =>
      decodeMessage(typeUrl, encodeMessage(typeUrl, resource));
    for (const { resource } of resources.listeners) {
      const listener = convertListener(wire(LISTENER_TYPE_URL, resource));
      assert.equal(listener.bufferLimitBytes, limit);
      assert.ok(listener.hcm.normalizePath && listener.hcm.mergeSlashes, 'path normalization');
    }
    for (const { resource } of resources.routes)
      assert.ok(convertRouteTable(wire(ROUTE_TYPE_URL, resource)).ignorePortInHostMatching);
    const ai = resources.clusters
      .map(({ resource }) => convertCluster(wire(CLUSTER_TYPE_URL, resource)))
      .filter((c) => c.upstreamExtProc !== undefined);
    assert.ok(ai.length > 0, 'the quickstart has AI clusters');
    for (const cluster of ai) {
      assert.equal(cluster.bufferLimitBytes, limit);
      for (const m of cluster.transportSocketMatches) {
        assert.ok(m.tls?.trustedCa, `${cluster.name}: upstream TLS verifies the chain`);
        assert.ok(m.tls.subjectAltNames.length > 0, `${cluster.name}: upstream TLS checks the name`);
      }
    }
  }
});

/** Caller authentication: jwt_authn, client certificates, and what ext_proc is told. */
void test('the data plane reads what jwt-mtls renders it for', () => {
  const ir = all.get('xds/jwt-mtls');
  assert.ok(ir);
  const gateway = toXds(ir).get('corp/ai');
  assert.ok(gateway);
  const [strict, optional] = gateway.listeners.map(({ resource }) =>
    convertListener(decodeMessage(LISTENER_TYPE_URL, encodeMessage(LISTENER_TYPE_URL, resource))),
  );
  assert.ok(strict && optional);
  assert.equal(strict.tls?.clientValidation?.required, true);
  assert.match(strict.tls?.clientValidation?.trustedCa ?? '', /BEGIN CERTIFICATE/);
  assert.equal(optional.tls?.clientValidation?.required, false);
  assert.equal(optional.hcm.jwtAuthn, undefined);
  const providers = strict.hcm.jwtAuthn?.providers ?? [];
  assert.deepEqual(
    providers.map((p) => [p.name, p.jwks.kind, p.payloadInMetadata, p.failedStatusInMetadata, p.forward]),
    [
      ['corp/clients/0', 'remote', JWT_PAYLOAD_KEY, JWT_FAILURE_KEY, true],
      ['corp/clients/1', 'local', JWT_PAYLOAD_KEY, JWT_FAILURE_KEY, true],
    ],
  );
  assert.deepEqual(providers[0]?.jwks, {
    kind: 'remote',
    uri: 'https://login.example.com/.well-known/jwks.json',
    cluster: 'jwks/login.example.com/443',
    timeoutMs: 5000,
    cacheMs: 300_000,
    asyncFetch: true,
  });
  assert.deepEqual(providers[0]?.fromHeaders, [{ name: 'authorization', valuePrefix: 'Bearer ' }]);
  assert.deepEqual(providers[1]?.fromHeaders, [{ name: 'x-ci-token', valuePrefix: '' }]);
  assert.ok(strict.hcm.extProc);
  const settings = parseExtProcConfig(strict.hcm.extProc);
  assert.deepEqual(settings.requestAttributes, [...ROUTER_REQUEST_ATTRIBUTES]);
  assert.deepEqual(settings.forwardingNamespaces, [JWT_METADATA_NAMESPACE]);
  const jwks = gateway.clusters
    .map(({ resource }) =>
      convertCluster(decodeMessage(CLUSTER_TYPE_URL, encodeMessage(CLUSTER_TYPE_URL, resource))),
    )
    .find((c) => c.name === 'jwks/login.example.com/443');
  assert.equal(jwks?.discovery, 'strict_dns');
  assert.equal(jwks?.transportSocketMatches[0]?.tls?.sni, 'login.example.com');
});

void test('every expected rejection names a resource that is rendered', () => {
  for (const key of Object.keys(EXPECTED_REJECTIONS))
    assert.ok(seenExpected.has(key), `EXPECTED_REJECTIONS has a stale entry: ${key}`);
});

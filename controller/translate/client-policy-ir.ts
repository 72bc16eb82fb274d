// The listener side of AIClientPolicies: Envoy's jwt_authn providers (remote JWKS through a
// "jwks/host/port" cluster, or an inline JWKS from a Secret) and client certificate validation
// on HTTPS listeners. A listener serves the policies that apply on it: its Gateway's policy and
// the policies of the AIRoute rules routed through it. jwt_authn runs with
// allow_missing_or_failed, so extra providers never refuse a request by themselves: extproc
// decides by the caller's policy. Only a Gateway's own policy may make certificates mandatory
// (mtls.optional: false); route policies cannot refuse TLS connections other routes share.
import { durationToMs, secretValue, type Secret } from '../api';
import type { ClientValidationIR, ClusterIR, GatewayIR, JwtProviderIR } from '../ir/types';
import type { ClientPolicyState } from './aiclientpolicy';
import type { RouteEntry } from './context';
import { ObjectIndex, namespaceOf } from './refs';
import { Reason } from './status';

const JWKS_CONNECT_TIMEOUT_MS = 10_000;

interface ListenerFeatures {
  providers: JwtProviderIR[];
  clusters: ClusterIR[];
  caBundle?: string;
  optional: boolean;
}

export interface ClientPolicyIRInput {
  gateways: GatewayIR[];
  states: readonly ClientPolicyState[];
  /** Rule key -> its clientPolicy (after attachment). */
  ruleClientPolicy: ReadonlyMap<string, string>;
  /** Gateway key -> its own clientPolicy. */
  gatewayClientPolicy: ReadonlyMap<string, string>;
  entries: readonly RouteEntry[];
  secrets: readonly Secret[];
}

export function applyClientPolicyIR(input: ClientPolicyIRInput): void {
  const index = new ObjectIndex(input.secrets);
  const features = new Map<string, ListenerFeatures>();
  for (const state of input.states) features.set(state.key, featuresOf(state, index));
  const mtlsRendered = new Set<string>();
  for (const gateway of input.gateways) {
    const clusters = new Map(gateway.clusters.map((c) => [c.name, c]));
    for (const listener of gateway.listeners) {
      const own = input.gatewayClientPolicy.get(gateway.key);
      const keys = new Set<string>(own === undefined ? [] : [own]);
      for (const e of input.entries)
        if (e.section === 'ai' && e.gatewayKey === gateway.key && e.port === listener.port) {
          const policy = input.ruleClientPolicy.get(e.route.name.replace(/^airoute\//, ''));
          if (policy !== undefined) keys.add(policy);
        }
      const sorted = [...keys].sort();
      const providers = sorted.flatMap((k) => features.get(k)?.providers ?? []);
      if (providers.length > 0) listener.jwt = { providers };
      for (const k of sorted) for (const c of features.get(k)?.clusters ?? []) clusters.set(c.name, c);
      if (listener.protocol !== 'HTTPS') continue;
      const bundles = sorted.flatMap((k) => {
        const f = features.get(k);
        return f?.caBundle === undefined ? [] : [{ key: k, pem: f.caBundle, optional: f.optional }];
      });
      if (bundles.length === 0) continue;
      for (const b of bundles) mtlsRendered.add(b.key);
      const ownBundle = bundles.find((b) => b.key === own);
      const validation: ClientValidationIR = {
        caCertificates: [...new Set(bundles.map((b) => b.pem.trim()))].join('\n') + '\n',
        optional: ownBundle ? ownBundle.optional : true,
      };
      listener.clientValidation = validation;
    }
    gateway.clusters = [...clusters.values()].sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
  }
  for (const state of input.states)
    if (
      state.policy.spec.mtls &&
      features.get(state.key)?.caBundle !== undefined &&
      !mtlsRendered.has(state.key) &&
      state.targets.length > 0
    )
      state.problems.push({
        reason: Reason.NoHTTPSListener,
        message: 'mtls: no HTTPS listener serves this policy, so no client certificate can be verified',
      });
}

function featuresOf(state: ClientPolicyState, secrets: ObjectIndex<Secret>): ListenerFeatures {
  const namespace = namespaceOf(state.policy);
  const out: ListenerFeatures = { providers: [], clusters: [], optional: true };
  const { jwt, mtls } = state.policy.spec;
  (jwt?.providers ?? []).forEach((p, i) => {
    const name = `${state.key}/${i}`;
    const base = { name, issuer: p.issuer, audiences: p.audiences };
    if (p.jwksUri !== undefined) {
      const url = new URL(p.jwksUri);
      const tls = url.protocol === 'https:';
      const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
      const port = url.port ? Number(url.port) : tls ? 443 : 80;
      const cluster: ClusterIR = {
        name: `jwks/${host}/${port}`,
        kind: 'jwks',
        connectTimeoutMs: JWKS_CONNECT_TIMEOUT_MS,
        discovery: 'strict_dns',
        endpoints: [{ address: host, port, priority: 0, weight: 1, ...(tls ? { tls: { sni: host } } : {}) }],
      };
      out.clusters.push(cluster);
      const cacheSeconds = Math.max(1, Math.floor(durationToMs(p.cacheDuration) / 1000));
      out.providers.push({
        ...base,
        jwks: { kind: 'remote', uri: p.jwksUri, cluster: cluster.name, cacheSeconds },
      });
      return;
    }
    const ref = p.jwksSecretRef;
    if (!ref) return;
    const where = `Secret ${namespace}/${ref.name}`;
    const secret = secrets.get(namespace, ref.name);
    const json = secret && secretValue(secret, ref.key);
    if (json === undefined) {
      state.problems.push({
        reason: Reason.SecretNotFound,
        message: `jwt provider ${p.issuer}: ${where} ${secret ? `has no key ${ref.key}` : 'not found'}`,
      });
      return;
    }
    if (!isJwks(json)) {
      state.problems.push({
        reason: Reason.InvalidSecret,
        message: `jwt provider ${p.issuer}: ${where} key ${ref.key} is not a JWKS ({"keys": [...]})`,
      });
      return;
    }
    out.providers.push({ ...base, jwks: { kind: 'inline', json } });
  });
  if (mtls) {
    const pems: string[] = [];
    for (const ref of mtls.caCertificateRefs) {
      const where = `${ref.kind} ${namespace}/${ref.name}`;
      const secret = secrets.get(namespace, ref.name);
      const pem = secret && secretValue(secret, 'ca.crt');
      if (pem === undefined)
        state.problems.push({
          reason: Reason.SecretNotFound,
          message: `mtls: ${where} ${secret ? 'has no key ca.crt' : 'not found'}`,
        });
      else if (!pem.includes('-----BEGIN CERTIFICATE-----'))
        state.problems.push({
          reason: Reason.InvalidSecret,
          message: `mtls: ${where} ca.crt holds no PEM certificate`,
        });
      else pems.push(pem.trim());
    }
    if (pems.length > 0) {
      out.caBundle = pems.join('\n');
      out.optional = mtls.optional;
    }
  }
  return out;
}

function isJwks(text: string): boolean {
  try {
    const parsed = JSON.parse(text) as { keys?: unknown };
    return Array.isArray(parsed.keys);
  } catch {
    return false;
  }
}

// The control plane's certificates as Kubernetes Secrets (Kubernetes mode, `--tls-secret`):
// - `tollgate-ca` (controller namespace): the CA, created once if absent (10 years; replacing
//   it is manual: delete the Secret and every leaf is re-issued from the new CA on the next
//   check, after which the proxies roll).
// - the server Secret (`--tls-secret`, controller namespace): the ADS server's certificate,
//   SANs = the controller Service DNS names.
// - a client Secret (`tollgate-xds-client`) in every Gateway namespace, mounted by the Envoy
//   pods (a pod can only mount Secrets of its own namespace), plus one in the controller
//   namespace for a shared extproc Deployment. One client identity per namespace.
// Leaves are re-issued when less than a third of their 90 days is left, when the CA changed or
// when SANs changed. Writes are create-if-absent and replace-with-resourceVersion, so several
// controller replicas racing converge on whichever write won (a 409 means: re-read, use that).
import type { Logger } from '../../lib/log';
import type { KubeObject } from '../provider/kubernetes/lister';
import type { ObjectClient } from '../provider/kubernetes/objects';
import { statusOf } from '../provider/kubernetes/k8s';
import { createCa, issueLeaf, type KeyPairPem } from './issue';
import { rotationNeeded } from './rotation';
import type { TlsMaterial } from './grpc-tls';

export const CA_SECRET = 'tollgate-ca';
export const CLIENT_SECRET = 'tollgate-xds-client';

export interface ControlPlaneCertsOptions {
  client: ObjectClient;
  /** The controller's namespace. */
  namespace: string;
  serverSecretName: string;
  serverSans: string[];
  clientSecretName?: string;
  logger: Logger;
  now?: () => Date;
}

interface StoredPair extends KeyPairPem {
  ca?: string;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const unb64 = (s: unknown): string | undefined =>
  typeof s === 'string' ? Buffer.from(s, 'base64').toString('utf8') : undefined;

function decode(secret: KubeObject | undefined): StoredPair | undefined {
  const data = (secret?.data ?? {}) as Record<string, unknown>;
  const cert = unb64(data['tls.crt']);
  const key = unb64(data['tls.key']);
  return cert && key ? { cert, key, ca: unb64(data['ca.crt']) } : undefined;
}

export class ControlPlaneCerts {
  private readonly clientSecretName: string;

  constructor(private readonly options: ControlPlaneCertsOptions) {
    this.clientSecretName = options.clientSecretName ?? CLIENT_SECRET;
  }

  get clientSecret(): string {
    return this.clientSecretName;
  }

  /** The CA, created if absent. */
  async ca(): Promise<KeyPairPem> {
    const pair = await this.ensure(this.options.namespace, CA_SECRET, 'ca', (current) =>
      current ? undefined : createCa({ now: this.now() }),
    );
    return pair;
  }

  /** The ADS server's CA bundle, certificate and key (issued or rotated as needed). */
  async serverMaterial(): Promise<TlsMaterial> {
    const ca = await this.ca();
    const sans = this.options.serverSans;
    const pair = await this.ensure(
      this.options.namespace,
      this.options.serverSecretName,
      'server',
      (current) =>
        rotationNeeded(current?.cert, { caPem: ca.cert, sans, now: this.now() }).rotate
          ? issueLeaf(ca, {
              commonName: sans[0] ?? 'tollgate-controller',
              usage: 'server',
              sans,
              now: this.now(),
            })
          : undefined,
      ca.cert,
    );
    return { ca: ca.cert, cert: pair.cert, key: pair.key };
  }

  /** The client certificate PEM in `namespace`'s client Secret (issued or rotated as needed). */
  async clientCert(namespace: string): Promise<string> {
    const ca = await this.ca();
    const pair = await this.ensure(
      namespace,
      this.clientSecretName,
      'client',
      (current) =>
        rotationNeeded(current?.cert, { caPem: ca.cert, now: this.now() }).rotate
          ? issueLeaf(ca, { commonName: `tollgate-proxy.${namespace}`, usage: 'client', now: this.now() })
          : undefined,
      ca.cert,
    );
    return pair.cert;
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /** Reads the Secret; when `reissue` returns a pair, writes it (create or replace). */
  private async ensure(
    namespace: string,
    name: string,
    component: string,
    reissue: (current: StoredPair | undefined) => KeyPairPem | undefined,
    caPem?: string,
    attempt = 1,
  ): Promise<StoredPair> {
    const { client, logger } = this.options;
    const secret = await client.get('Secret', namespace, name);
    const current = decode(secret);
    const next = reissue(current);
    if (!next && current) return current;
    if (!next) throw new Error(`Secret ${namespace}/${name} holds no certificate`);
    const body: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: {
        name,
        namespace,
        labels: {
          'app.kubernetes.io/managed-by': 'tollgate-controller',
          'app.kubernetes.io/component': `xds-${component}`,
        },
        ...(secret ? { resourceVersion: secret.metadata.resourceVersion } : {}),
      },
      data: { 'tls.crt': b64(next.cert), 'tls.key': b64(next.key), 'ca.crt': b64(caPem ?? next.cert) },
    };
    try {
      if (secret) await client.replace('Secret', namespace, body);
      else await client.create('Secret', namespace, body);
      logger.info({ namespace, secret: name, component, rotated: Boolean(secret) }, 'certificate issued');
      return { ...next, ca: caPem ?? next.cert };
    } catch (err) {
      // Another replica won the race: use what it wrote.
      if ((statusOf(err) === 409 || statusOf(err) === 422) && attempt < 3)
        return this.ensure(namespace, name, component, reissue, caPem, attempt + 1);
      throw err;
    }
  }
}

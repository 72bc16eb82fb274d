// Where the Kubernetes API is and how to authenticate: a kubeconfig file (KUBECONFIG, ~/.kube/
// config) or the in-cluster service account. Our own loader rather than @kubernetes/client-node's
// KubeConfig because client-node 2.x needs Node >= 22 (its undici 8 fails to load on Node 20,
// our supported runtime); the method names match client-node's so callers read the same.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';

export interface ClusterConnection {
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
  /** Re-read on use: projected service account tokens rotate. */
  tokenFile?: string;
  insecureSkipTlsVerify: boolean;
  tlsServerName?: string;
  /** The context's default namespace (or the pod's namespace in-cluster). */
  namespace: string;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

type Named<T> = { name: string } & T;
interface KubeconfigFile {
  clusters?: Named<{ cluster?: Record<string, unknown> }>[];
  users?: Named<{ user?: Record<string, unknown> }>[];
  contexts?: Named<{ context?: { cluster?: string; user?: string; namespace?: string } }>[];
  'current-context'?: string;
}

export class KubeConfig {
  private conn: ClusterConnection | undefined;

  /** KUBECONFIG (first file), else ~/.kube/config, else the in-cluster service account. */
  loadFromDefault(): void {
    const fromEnv = process.env.KUBECONFIG?.split(path.delimiter).find(Boolean);
    if (fromEnv) return this.loadFromFile(fromEnv);
    const home = path.join(homedir(), '.kube', 'config');
    try {
      return this.loadFromFile(home);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    this.loadFromCluster();
  }

  loadFromCluster(): void {
    const host = process.env.KUBERNETES_SERVICE_HOST;
    const port = process.env.KUBERNETES_SERVICE_PORT ?? '443';
    if (!host)
      throw new Error('not running in a cluster (KUBERNETES_SERVICE_HOST is unset) and no kubeconfig found');
    this.conn = {
      server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
      ca: readFileSync(path.join(SERVICE_ACCOUNT_DIR, 'ca.crt')),
      tokenFile: path.join(SERVICE_ACCOUNT_DIR, 'token'),
      insecureSkipTlsVerify: false,
      namespace: readFileSync(path.join(SERVICE_ACCOUNT_DIR, 'namespace'), 'utf8').trim(),
    };
  }

  loadFromFile(file: string, contextName?: string): void {
    const doc = parse(readFileSync(file, 'utf8')) as KubeconfigFile | null;
    const base = path.dirname(file);
    const wanted = contextName ?? doc?.['current-context'];
    const context = doc?.contexts?.find((c) => c.name === wanted)?.context;
    if (!context) throw new Error(`kubeconfig ${file}: context ${JSON.stringify(wanted)} not found`);
    const cluster = doc?.clusters?.find((c) => c.name === context.cluster)?.cluster;
    if (!cluster || typeof cluster.server !== 'string')
      throw new Error(`kubeconfig ${file}: cluster ${JSON.stringify(context.cluster)} has no server`);
    const user = doc?.users?.find((u) => u.name === context.user)?.user ?? {};
    if (user.exec || user['auth-provider'])
      throw new Error(
        `kubeconfig ${file}: exec and auth-provider credentials are not supported; use a token or client certificate`,
      );
    const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
    const bytes = (data: unknown, file: unknown): Buffer | undefined => {
      if (str(data)) return Buffer.from(str(data) ?? '', 'base64');
      const p = str(file);
      return p ? readFileSync(path.resolve(base, p)) : undefined;
    };
    this.conn = {
      server: cluster.server.replace(/\/+$/, ''),
      ca: bytes(cluster['certificate-authority-data'], cluster['certificate-authority']),
      cert: bytes(user['client-certificate-data'], user['client-certificate']),
      key: bytes(user['client-key-data'], user['client-key']),
      token: str(user.token),
      tokenFile: str(user.tokenFile) && path.resolve(base, str(user.tokenFile) ?? ''),
      insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
      tlsServerName: str(cluster['tls-server-name']),
      namespace: context.namespace ?? 'default',
    };
  }

  connection(): ClusterConnection {
    if (!this.conn)
      throw new Error('KubeConfig not loaded: call loadFromDefault(), loadFromFile() or loadFromCluster()');
    return this.conn;
  }
}

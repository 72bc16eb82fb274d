// gRPC mTLS credentials for the control plane. The ADS server requires a client certificate
// signed by the Tollgate CA (Node's TLS server: requestCert + rejectUnauthorized), and its
// certificate can be swapped at run time: grpc-js gives every bound port a watcher on its
// ServerCredentials and calls setSecureContext() on update, so new connections get the new
// certificate while open connections (and the xDS streams on them) keep the one they shook
// hands with until they reconnect. Clients (extproc, the data plane) read PEM files and re-read
// them periodically (grpc-js's FileWatcherCertificateProvider), so a rotated, re-mounted
// Secret is used from the next connection on, without a restart.
import fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { SecureContextOptions } from 'node:tls';

export interface TlsMaterial {
  /** PEM CA bundle that peer certificates must chain to. */
  ca: string | Buffer;
  cert: string | Buffer;
  key: string | Buffer;
}

const buf = (v: string | Buffer): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(v));

function contextOptions(material: TlsMaterial): SecureContextOptions {
  return { ca: buf(material.ca), cert: [buf(material.cert)], key: [buf(material.key)] };
}

/** Server credentials that demand a client certificate from `ca` and can be updated in place. */
export class ReloadableServerCredentials extends grpc.ServerCredentials {
  private current: TlsMaterial;

  constructor(material: TlsMaterial) {
    super({ requestCert: true, rejectUnauthorized: true }, contextOptions(material));
    this.current = material;
  }

  /** New connections use `material` from now on; a no-op when nothing changed. */
  update(material: TlsMaterial): boolean {
    const same = (['ca', 'cert', 'key'] as const).every((k) => buf(material[k]).equals(buf(this.current[k])));
    if (same) return false;
    this.current = material;
    this.updateSecureContextOptions(contextOptions(material));
    return true;
  }

  override _equals(other: grpc.ServerCredentials): boolean {
    return other === this;
  }
}

export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

function readFiles(files: TlsFiles): TlsMaterial {
  return {
    ca: fs.readFileSync(files.ca),
    cert: fs.readFileSync(files.cert),
    key: fs.readFileSync(files.key),
  };
}

/**
 * Server credentials from PEM files (`--tls-cert/--tls-key/--tls-client-ca`), re-read every
 * `refreshMs` so a rotated mounted Secret takes effect for new connections. A failed re-read
 * (files mid-update) keeps the previous material.
 */
export function serverCredentialsFromFiles(
  files: TlsFiles,
  refreshMs = 60_000,
): { credentials: ReloadableServerCredentials; close(): void } {
  const credentials = new ReloadableServerCredentials(readFiles(files));
  const timer = setInterval(() => {
    try {
      credentials.update(readFiles(files));
    } catch {
      // Kubernetes swaps the mounted files atomically; a torn read is retried next time.
    }
  }, refreshMs);
  timer.unref();
  return { credentials, close: () => clearInterval(timer) };
}

export interface ClientTlsOptions extends TlsFiles {
  /** Re-read interval for the files (default 60 s). */
  refreshMs?: number;
}

/**
 * mTLS channel credentials from PEM files (`--xds-ca/--xds-cert/--xds-key`). The server's
 * certificate must chain to `ca` and carry the target's host name (or the channel option
 * grpc.ssl_target_name_override) as a SAN.
 */
export function clientCredentialsFromFiles(options: ClientTlsOptions): grpc.ChannelCredentials {
  for (const file of [options.ca, options.cert, options.key])
    if (!fs.existsSync(file)) throw new Error(`TLS file ${file} does not exist`);
  const provider = new grpc.experimental.FileWatcherCertificateProvider({
    caCertificateFile: options.ca,
    certificateFile: options.cert,
    privateKeyFile: options.key,
    refreshIntervalMs: options.refreshMs ?? 60_000,
  });
  return grpc.experimental.createCertificateProviderChannelCredentials(provider, provider);
}

/**
 * Reads the `--xds-ca/--xds-cert/--xds-key` trio of a CLI command: all three or none (insecure).
 */
export function clientTlsFromFlags(values: {
  ca: string | undefined;
  cert: string | undefined;
  key: string | undefined;
}): grpc.ChannelCredentials | undefined {
  const given = [values.ca, values.cert, values.key].filter((v) => v !== undefined).length;
  if (given === 0) return undefined;
  if (given !== 3 || !values.ca || !values.cert || !values.key)
    throw new Error('give all of --xds-ca, --xds-cert and --xds-key, or none of them');
  return clientCredentialsFromFiles({ ca: values.ca, cert: values.cert, key: values.key });
}

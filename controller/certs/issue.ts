// Issues the control plane's certificates: a self-signed CA (10 years) and leaf certificates
// signed by it (90 days) for the ADS server (serverAuth, DNS/IP SANs) and for its clients
// (clientAuth). Keys are RSA 2048 from node:crypto (fast, native); node-forge only builds and
// signs the X.509 structure, because node:crypto can verify certificates but not create them.
// Everything is PEM so it drops straight into kubernetes.io/tls Secrets and grpc-js.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';

export interface KeyPairPem {
  /** PEM certificate. */
  cert: string;
  /** PEM private key (PKCS#8). */
  key: string;
}

export const CA_LIFETIME_DAYS = 3650;
export const LEAF_LIFETIME_DAYS = 90;
const DAY_MS = 86_400_000;
/** Backdating absorbs clock skew between the controller and the peers that verify. */
const BACKDATE_MS = 5 * 60_000;

export interface CaOptions {
  commonName?: string;
  now?: Date;
  lifetimeDays?: number;
}

export interface LeafOptions {
  commonName: string;
  /** serverAuth for the ADS server, clientAuth for Envoy/extproc. */
  usage: 'server' | 'client';
  /** DNS names and IP addresses; both go into subjectAltName. */
  sans?: string[];
  now?: Date;
  lifetimeDays?: number;
}

function newKey(): { forgeKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; pem: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  return { forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e), pem };
}

function validity(cert: forge.pki.Certificate, now: Date, lifetimeDays: number): void {
  cert.validity.notBefore = new Date(now.getTime() - BACKDATE_MS);
  cert.validity.notAfter = new Date(now.getTime() + lifetimeDays * DAY_MS);
}

/** A positive 128-bit serial (the high bit cleared so DER does not read it as negative). */
function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

export function createCa(options: CaOptions = {}): KeyPairPem {
  const key = newKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = key.publicKey;
  cert.serialNumber = serial();
  validity(cert, options.now ?? new Date(), options.lifetimeDays ?? CA_LIFETIME_DAYS);
  const subject = [{ name: 'commonName', value: options.commonName ?? 'tollgate-ca' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true, pathLenConstraint: 0 },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(key.forgeKey, forge.md.sha256.create());
  return { cert: pem(cert), key: key.pem };
}

export function issueLeaf(ca: KeyPairPem, options: LeafOptions): KeyPairPem {
  const caCert = forge.pki.certificateFromPem(ca.cert);
  const caKey = forge.pki.privateKeyFromPem(ca.key);
  const key = newKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = key.publicKey;
  cert.serialNumber = serial();
  validity(cert, options.now ?? new Date(), options.lifetimeDays ?? LEAF_LIFETIME_DAYS);
  cert.setSubject([{ name: 'commonName', value: options.commonName }]);
  cert.setIssuer(caCert.subject.attributes);
  const altNames = (options.sans ?? []).map((san) =>
    isIP(san) ? { type: 7, ip: san } : { type: 2, value: san },
  );
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    options.usage === 'server'
      ? { name: 'extKeyUsage', serverAuth: true }
      : { name: 'extKeyUsage', clientAuth: true },
    ...(altNames.length > 0 ? [{ name: 'subjectAltName', altNames }] : []),
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { cert: pem(cert), key: key.pem };
}

/** forge writes CRLF line ends; Kubernetes tooling and node:crypto use LF. */
function pem(cert: forge.pki.Certificate): string {
  return forge.pki.certificateToPem(cert).replace(/\r\n/g, '\n');
}

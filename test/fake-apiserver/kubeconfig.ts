// Writes a kubeconfig that points a client at the fake API server, so code under test loads
// its connection the same way it does against a real cluster (a file, a current context).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';

/** Returns the path of a fresh kubeconfig for `serverUrl`; the token is a placeholder the fake ignores. */
export function writeKubeconfig(serverUrl: string, dir = temporaryDir()): string {
  const file = path.join(dir, 'kubeconfig');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    // The fake speaks plain HTTP (loopback); @kubernetes/client-node refuses an http:// server
    // unless TLS verification is explicitly off ("HTTP protocol is not allowed when
    // skipTLSVerify is not set or false"), which is what this flag says.
    clusters: [
      {
        name: 'fake',
        cluster: { server: serverUrl, 'insecure-skip-tls-verify': serverUrl.startsWith('http:') },
      },
    ],
    users: [{ name: 'fake', user: { token: 'fake-token' } }],
    contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake', namespace: 'default' } }],
    'current-context': 'fake',
  };
  writeFileSync(file, stringify(config), { mode: 0o600 });
  return file;
}

const created: string[] = [];

/** A temp folder removed when the test process exits, so test runs leave nothing in /tmp. */
function temporaryDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-kube-'));
  if (created.length === 0)
    process.once('exit', () => created.forEach((d) => rmSync(d, { recursive: true, force: true })));
  created.push(dir);
  return dir;
}

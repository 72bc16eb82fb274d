// extproc's admin HTTP server: /metrics (Prometheus text), /healthz (the process is alive) and
// /readyz (ready only once a ProcessorConfig has been received, so Kubernetes sends no traffic
// to a replica that would refuse every request), and /usage (budget usage per subject, for
// `tollgate usage`; it names subjects, so the admin server stays on loopback by default).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleUsageRequest, type UsageSource } from './budgets/admin-handler';
import type { ConfigStore } from './config/store';
import type { ExtprocMetrics } from './metrics';

export interface AdminServer {
  port: number;
  close(): Promise<void>;
}

export function startAdminServer(options: {
  host?: string;
  port: number;
  store: ConfigStore;
  metrics: ExtprocMetrics;
  budgets?: UsageSource;
}): Promise<AdminServer> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://admin');
    const path = url.pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    switch (path) {
      case '/healthz':
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
        return;
      case '/readyz': {
        const config = options.store.current();
        if (config)
          res.writeHead(200, { 'content-type': 'text/plain' }).end(`ready (config ${config.version})\n`);
        else res.writeHead(503, { 'content-type': 'text/plain' }).end('no configuration yet\n');
        return;
      }
      case '/metrics':
        options.metrics.registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': options.metrics.registry.contentType }).end(text),
          () => res.writeHead(500).end(),
        );
        return;
      case '/usage':
        handleUsageRequest(options.budgets, options.store.current(), url.searchParams).then(
          ({ status, body }) => res.writeHead(status, { 'content-type': 'application/json' }).end(body),
          () => res.writeHead(500).end(),
        );
        return;
      default:
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

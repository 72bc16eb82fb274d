// One node:http(s) server per Envoy listener. A listener whose address, port and protocol did
// not change keeps its server (new routes apply to the next request, a new certificate via
// setSecureContext); otherwise the old server stops accepting and drains its in-flight requests
// while the new one binds, as Envoy's listener drain does.
// https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/operations/draining
// Client certificates (DownstreamTlsContext validation_context): the server asks for one and
// verifies it against the trusted CA of every certificate's context. Required: the handshake
// fails without a valid one (rejectUnauthorized). Optional: a connection without a certificate
// is served, but one presenting a certificate that does not verify is closed, as Envoy's
// handshake fails then too; only verified certificates become ext_proc attributes.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../../lib/log';
import type { ListenerConfig, SecretConfig } from '../config/types';
import {
  certificatesOf,
  clientMode,
  presentsUnverifiedCertificate,
  selectCertificate,
  type Certificate,
} from './listener-tls';

export type StreamHandler = (
  listener: ListenerConfig,
  scheme: 'http' | 'https',
  req: http.IncomingMessage,
  res: http.ServerResponse,
) => void;

interface Entry {
  config: ListenerConfig;
  bindKey: string;
  server: http.Server;
  port: number;
  certificates: Certificate[];
}

export interface ListenerManagerOptions {
  bindAddress?: string;
  portOverride?: (listenerName: string, port: number) => number;
  logger: Logger;
  handler: StreamHandler;
}

export class ListenerManager {
  private entries = new Map<string, Entry>();
  /** Servers that stopped accepting and finish their in-flight requests. */
  private readonly draining = new Set<http.Server>();

  constructor(private readonly options: ListenerManagerOptions) {}

  list(): { name: string; port: number }[] {
    return [...this.entries.values()].map((e) => ({ name: e.config.name, port: e.port }));
  }

  async update(listeners: Map<string, ListenerConfig>, secrets: Map<string, SecretConfig>): Promise<void> {
    const next = new Map<string, Entry>();
    for (const [name, config] of listeners) {
      let certificates: Certificate[];
      try {
        certificates = config.tls ? certificatesOf(config, secrets) : [];
      } catch (err) {
        this.options.logger.error(
          { listener: name, err: (err as Error).message },
          'bad certificate; not serving the listener',
        );
        continue;
      }
      if (config.tls && certificates.length === 0) {
        this.options.logger.error({ listener: name }, 'listener has no usable certificate; not serving it');
        continue;
      }
      const port = this.options.portOverride?.(name, config.port) ?? config.port;
      const address = this.options.bindAddress ?? config.address;
      // The configured address and port are part of the key: a changed listener rebinds even when
      // an override maps both ports to ephemeral ones.
      const bindKey = JSON.stringify({
        address,
        configured: [config.address, config.port],
        port,
        tls: Boolean(config.tls),
        // requestCert / rejectUnauthorized are server options: a change of mode rebinds. A new
        // CA alone is applied in place with the certificates' contexts.
        clients: clientMode(config.tls?.clientValidation),
      });
      const old = this.entries.get(name);
      if (old && old.bindKey === bindKey) {
        old.config = config;
        old.certificates = certificates;
        const first = certificates[0];
        if (first && old.server instanceof https.Server) old.server.setSecureContext(first.pem);
        next.set(name, old);
        continue;
      }
      // Rebinding the same fixed port: the old server must release it first.
      if (old && port !== 0 && old.port === port) this.drain(old);
      try {
        next.set(name, await this.start(config, bindKey, address, port, certificates));
      } catch (err) {
        // Like Envoy, a listener that cannot bind fails alone; the others keep serving.
        this.options.logger.error(
          { listener: name, address, port, err: (err as Error).message },
          'listener failed to bind',
        );
      }
    }
    for (const [name, old] of this.entries) if (next.get(name) !== old) this.drain(old);
    this.entries = next;
  }

  /**
   * Stops accepting, lets in-flight requests finish (closing connections as they go idle), and
   * cuts what is still open after graceMs. Envoy drains the same way (drain_listeners, then
   * --drain-time-s) when it is told to shut down gracefully.
   */
  async close(graceMs = 10_000): Promise<void> {
    const servers = [...this.entries.values()].map((e) => e.server).concat([...this.draining]);
    this.entries.clear();
    this.draining.clear();
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            const idle = setInterval(() => s.closeIdleConnections(), 100);
            const cut = setTimeout(() => s.closeAllConnections(), graceMs);
            s.close(() => {
              clearInterval(idle);
              clearTimeout(cut);
              resolve();
            });
            s.closeIdleConnections();
          }),
      ),
    );
  }

  private async start(
    config: ListenerConfig,
    bindKey: string,
    address: string,
    port: number,
    certificates: Certificate[],
  ): Promise<Entry> {
    const scheme = config.tls ? 'https' : 'http';
    // The handler reads the entry's current config, which later updates replace in place.
    const ref: { entry?: Entry } = {};
    const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      // A request can be parsed in the same turn as the handshake ends (and its socket was
      // destroyed for an unverified certificate): such a request is never handled.
      if (req.socket.destroyed || presentsUnverifiedCertificate(req.socket)) return void req.socket.destroy();
      if (ref.entry) this.options.handler(ref.entry.config, scheme, req, res);
    };
    const first = certificates[0];
    const clients = config.tls?.clientValidation;
    const server = first
      ? https.createServer(
          {
            ...first.pem,
            ...(clients ? { requestCert: true, rejectUnauthorized: clients.required } : {}),
            // Several certificates on one listener: pick by SNI against each certificate's names.
            SNICallback: (servername, cb) =>
              cb(null, selectCertificate(ref.entry?.certificates ?? certificates, servername)?.context),
          },
          onRequest,
        )
      : http.createServer(onRequest);
    if (clients && !clients.required)
      server.on('secureConnection', (socket: TLSSocket) => {
        if (presentsUnverifiedCertificate(socket)) socket.destroy();
      });
    const entry: Entry = { config, bindKey, server, port: await listen(server, address, port), certificates };
    ref.entry = entry;
    this.options.logger.info(
      { listener: config.name, address, port: entry.port, scheme },
      'listener started',
    );
    return entry;
  }

  private drain(entry: Entry): void {
    const server = entry.server;
    if (this.draining.has(server)) return;
    this.draining.add(server);
    server.close(() => this.draining.delete(server));
    server.closeIdleConnections();
  }
}

async function listen(server: http.Server, address: string, port: number): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, address, () => {
          server.off('error', reject);
          resolve();
        });
      });
      return (server.address() as AddressInfo).port;
    } catch (err) {
      // A port just released by a draining server can take a moment to become free.
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

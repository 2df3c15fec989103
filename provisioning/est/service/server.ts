/**
 * The reference enrolment service's HTTPS server. Client certificates are requested but not required at
 * the TLS level (simpleenroll has none yet); routes that need one check it themselves.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { EST_PREFIX, SITE_BUNDLE_PATH } from '../client.ts';
import { ServiceCa } from './ca.ts';
import { CodeBook } from './codes.ts';
import { HttpError, send, type ServiceContext } from './context.ts';
import { Registry } from './registry.ts';
import { cacerts, simpleenroll, simplereenroll, siteBundle } from './routes.ts';

export interface ServiceOptions {
  dir: string;
  host?: string;
  port?: number;
  /** Names and addresses in the server certificate (default: host, 127.0.0.1, localhost). */
  serverNames?: string[];
  certLifetimeMs?: number;
  now?: () => Date;
  /** Told of every request (method and path) before it is handled: tests check what reached the service. */
  onRequest?: (method: string, path: string) => void;
  log?: (line: string) => void;
}

export interface RunningService {
  server: Server;
  url: string;
  port: number;
  fingerprint: string;
  ca: ServiceCa;
  close(): Promise<void>;
}

type Route = (req: Parameters<typeof cacerts>[0], res: Parameters<typeof cacerts>[1], ctx: ServiceContext) => void | Promise<void>;
const ROUTES: Record<string, Route> = {
  [`GET ${EST_PREFIX}/cacerts`]: cacerts,
  [`POST ${EST_PREFIX}/simpleenroll`]: simpleenroll,
  [`POST ${EST_PREFIX}/simplereenroll`]: simplereenroll,
  [`GET ${SITE_BUNDLE_PATH}`]: siteBundle,
};

export const DEFAULT_CERT_DAYS = 90;

export async function startEnrolmentService(options: ServiceOptions): Promise<RunningService> {
  const now = options.now ?? (() => new Date());
  const host = options.host ?? '127.0.0.1';
  const ca = await ServiceCa.open(options.dir, now());
  const ctx: ServiceContext = { ca, codes: new CodeBook(options.dir), registry: new Registry(options.dir), now, certLifetimeMs: options.certLifetimeMs ?? DEFAULT_CERT_DAYS * 86_400_000, enrolling: new Set() };
  const names = [...new Set(options.serverNames ?? [host, '127.0.0.1', 'localhost'])];
  const tls = await ca.issueServer(names, now());
  const server = createServer({ cert: tls.certPem, key: tls.keyPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const path = new URL(req.url ?? '/', 'https://x').pathname;
    const method = req.method ?? 'GET';
    options.onRequest?.(method, path);
    const route = ROUTES[`${method} ${path}`];
    if (!route) return send(res, 404, `no route ${method} ${path}`);
    Promise.resolve(route(req, res, ctx)).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      const message = error instanceof Error ? error.message : String(error);
      options.log?.(`${method} ${path} → ${status}: ${message}`);
      if (!res.headersSent) send(res, status, message);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    server,
    url: `https://${urlHost}:${port}`,
    port,
    fingerprint: ca.fingerprint,
    ca,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

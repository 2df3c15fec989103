/**
 * The inspection page as one of the agent's parts, started after the register: its TLS identity (printed
 * fingerprint), the chain-state cache (checked off-thread) and the HTTPS server; stopped before the register.
 */
import type { KeyObject } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { AgentConfig } from '../config/schema.ts';
import type { DataDirPaths } from '../datadir.ts';
import { verifierPageHtml } from '../register/verifier-page/html.ts';
import { verifyRegisterOffThread } from '../register/verify-off-thread.ts';
import type { Register } from '../register/register.ts';
import type { UiLogger } from '../ui/server.ts';
import { ChainStateCache } from './chain-state.ts';
import { registerPort } from './port.ts';
import { startInspectionServer, type InspectionServer } from './server.ts';
import { loadInspectionTls } from './tls.ts';

export interface InspectionInfo {
  url: string;
  fingerprint: string;
  certificate: 'device-certificate' | 'self-signed';
}

export interface InspectionPartOptions {
  config: AgentConfig;
  paths: DataDirPaths;
  register: () => Register;
  signingKey: () => KeyObject;
  log: UiLogger;
  /** Called once the page listens: the agent keeps it for start's summary. */
  started: (info: InspectionInfo | null) => void;
}

export function inspectionPart(options: InspectionPartOptions) {
  let server: InspectionServer | undefined;
  let chain: ChainStateCache | undefined;
  return {
    name: 'inspection page',
    start: async () => {
      const { config, paths, log } = options;
      const register = options.register();
      const tls = await loadInspectionTls(paths);
      chain = new ChainStateCache({
        verify: (signal) => verifyRegisterOffThread(register.path, register.verificationKeys, { signal }),
        unsentAnchors: () => register.outbox.count(),
        now: Date.now,
        onError: (error) => log.warn({ err: error }, 'inspection: the register check failed'),
      });
      void chain.refresh();
      server = await startInspectionServer({
        register: registerPort(register, options.signingKey),
        dataDir: paths.root,
        tls,
        host: config.inspection.host,
        port: config.inspection.port,
        timeZone: config.timeZone,
        chain,
        exportDir: join(paths.root, 'inspection', 'exports'),
        lockoutFile: join(paths.root, 'inspection', 'lockout.json'),
        verifierPage: verifierPageHtml,
        log,
      });
      const url = config.inspection.host === '0.0.0.0' || config.inspection.host === '::' ? server.url.replace('127.0.0.1', lanHost()) : server.url;
      log.info({ url, fingerprint: tls.fingerprint, certificate: tls.source }, 'inspection: page listening');
      options.started({ url, fingerprint: tls.fingerprint, certificate: tls.source });
    },
    stop: async () => {
      chain?.stop();
      await server?.close();
    },
  };
}

/** The address an inspector's laptop on the LAN uses (the first non-internal IPv4), else loopback. */
function lanHost(): string {
  return Object.values(networkInterfaces()).flatMap((list) => list ?? []).find((a) => !a.internal && a.family === 'IPv4')?.address ?? '127.0.0.1';
}

/** A reference enrolment service in a temp folder with one registered site, for the EST tests. */
import type { XacminhError } from '../../drivers/errors.ts';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EC_P256, generateP256, x509 } from './pki.ts';
import { CodeBook } from './service/codes.ts';
import { Registry, type SiteEntry } from './service/registry.ts';
import { startEnrolmentService, type RunningService, type ServiceOptions } from './service/server.ts';

export interface TestService extends RunningService {
  dir: string;
  requests: string[];
  codes: CodeBook;
  registry: Registry;
  issueCode(siteId: string, ttlMinutes?: number): string;
  dispose(): Promise<void>;
}

/** A throw-away CA certificate standing in for a broker's (the Mosquitto tests pass the harness's real one). */
export async function someCaPem(): Promise<string> {
  const { pair } = await generateP256();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: '01', name: 'CN=broker CA', notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000), signingAlgorithm: EC_P256, keys: pair, extensions: [new x509.BasicConstraintsExtension(true, 0, true)] });
  return cert.toString('pem');
}

export function authorityPublicPem(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
}

export async function startTestService(options: Partial<ServiceOptions> & { sites?: Partial<SiteEntry>[] } = {}): Promise<TestService> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'xacminh-est-'));
  const registry = new Registry(dir);
  for (const site of options.sites ?? [{ siteId: 'site-1' }]) {
    registry.setSite({ siteId: site.siteId ?? 'site-1', broker: site.broker ?? { url: 'mqtts://127.0.0.1:8883', caPem: await someCaPem() }, authorityPublicKeyPem: site.authorityPublicKeyPem ?? authorityPublicPem(), ...(site.profile ? { profile: site.profile } : {}) });
  }
  const requests: string[] = [];
  const { sites: _sites, ...serviceOptions } = options;
  const service = await startEnrolmentService({ ...serviceOptions, dir, onRequest: (method, path) => requests.push(`${method} ${path}`) });
  const codes = new CodeBook(dir);
  return {
    ...service,
    dir,
    requests,
    codes,
    registry,
    issueCode: (siteId, ttl = 15) => codes.issue(siteId, ttl, (options.now ?? (() => new Date()))()).code,
    dispose: async () => {
      await service.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The error a promise is expected to reject with (the test fails when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<XacminhError> {
  try {
    await promise;
  } catch (error) {
    return error as XacminhError;
  }
  throw new Error('expected a rejection');
}

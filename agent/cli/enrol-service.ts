/**
 * `xacminh enrol-service`: the reference EST enrolment service for tests and small deployments. Its folder
 * holds the CA key (0600) and certificate, hashed one-time codes, the device registry and the sites' bundles.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { XacminhError } from '../../drivers/errors.ts';
import { siteProfileSchema } from '../config/site-profile.ts';
import { formatFingerprint } from '../../provisioning/est/pki.ts';
import { ServiceCa } from '../../provisioning/est/service/ca.ts';
import { CodeBook, MAX_CODE_TTL_MINUTES } from '../../provisioning/est/service/codes.ts';
import { Registry } from '../../provisioning/est/service/registry.ts';
import { DEFAULT_CERT_DAYS, startEnrolmentService } from '../../provisioning/est/service/server.ts';
import { processIo, type CliIo } from './cli-io.ts';

export interface ServeOptions {
  dir: string;
  port: string;
  host: string;
  name?: string[];
  certDays?: string;
  certSeconds?: string;
}

function positive(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new XacminhError('INVALID_INPUT', `${what} must be a positive number (got ${value})`, { [what]: value });
  return n;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new XacminhError('INVALID_INPUT', `Cannot read the ${what} ${path}: ${(error as Error).message}`, { path }, { cause: error });
  }
}

export async function serveCommand(o: ServeOptions, io: CliIo = processIo): Promise<{ close(): Promise<void> }> {
  const port = Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new XacminhError('INVALID_INPUT', `--port must be 0–65535 (got ${o.port})`, { port: o.port });
  const seconds = positive(o.certSeconds, '--cert-seconds');
  const days = positive(o.certDays, '--cert-days') ?? DEFAULT_CERT_DAYS;
  const service = await startEnrolmentService({
    dir: o.dir,
    host: o.host,
    port,
    ...(o.name?.length ? { serverNames: [o.host, ...o.name] } : {}),
    certLifetimeMs: seconds !== undefined ? seconds * 1000 : days * 86_400_000,
    log: (line) => io.stderr(`${line}\n`),
  });
  io.stdout(`Dịch vụ đăng ký thiết bị (EST) đang chạy / enrolment service listening: ${service.url}\n`);
  io.stdout(`Vân tay SHA-256 của CA / CA SHA-256 fingerprint: ${formatFingerprint(service.fingerprint)}\n`);
  return service;
}

export function registerEnrolServiceCommand(program: Command, io: CliIo = processIo): Command {
  const root = program.command('enrol-service').description('Reference EST enrolment service (RFC 7030) for tests and small deployments');
  const dir = (c: Command) => c.requiredOption('--dir <dir>', "the service's folder (CA key, codes, devices, sites)");

  dir(root.command('serve'))
    .description('Run the service over HTTPS; makes the CA on first run and prints its fingerprint')
    .requiredOption('--port <n>', 'TCP port (0: any free port)')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--name <host>', 'another host name or IP for the server certificate; repeatable', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--cert-days <n>', `device certificate lifetime in days (default ${DEFAULT_CERT_DAYS})`)
    .option('--cert-seconds <n>', 'device certificate lifetime in seconds (tests)')
    .action(async (o: ServeOptions) => {
      const service = await serveCommand(o, io);
      await new Promise<void>((resolve) => {
        const stop = () => void service.close().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });

  dir(root.command('issue-code'))
    .description(`Print a one-time enrolment code for a site (valid at most ${MAX_CODE_TTL_MINUTES} minutes)`)
    .requiredOption('--site <id>', 'site id')
    .option('--ttl-minutes <n>', `minutes the code stays valid (≤ ${MAX_CODE_TTL_MINUTES})`, String(MAX_CODE_TTL_MINUTES))
    .action((o: { dir: string; site: string; ttlMinutes: string }) => {
      const { code, expiresAt } = new CodeBook(o.dir).issue(o.site, Number(o.ttlMinutes), new Date());
      io.stdout(`${code}\n`);
      io.stderr(`Mã đăng ký dùng một lần cho cơ sở ${o.site}, hết hạn lúc ${expiresAt} / one-time code for site ${o.site}, expires ${expiresAt}\n`);
    });

  dir(root.command('site'))
    .description("Register (or update) what a site's signed bundle tells its terminals")
    .requiredOption('--site <id>', 'site id')
    .requiredOption('--broker-url <url>', 'the MQTT broker, mqtts://host:8883')
    .requiredOption('--broker-ca <file>', "the broker's CA certificate (PEM)")
    .requiredOption('--authority-key <file>', "the authority's public key for event encryption (PEM)")
    .option('--profile <file>', 'the site profile (JSON; fields may be left for the technician)')
    .action((o: { dir: string; site: string; brokerUrl: string; brokerCa: string; authorityKey: string; profile?: string }) => {
      const profile = o.profile ? siteProfileSchema.partial().safeParse(JSON.parse(readText(o.profile, 'site profile'))) : undefined;
      if (profile && !profile.success) throw new XacminhError('INVALID_INPUT', `The site profile ${o.profile} is not valid: ${profile.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`, { path: o.profile });
      try {
        new Registry(o.dir).setSite({ siteId: o.site, broker: { url: o.brokerUrl, caPem: readText(o.brokerCa, 'broker CA') }, authorityPublicKeyPem: readText(o.authorityKey, 'authority key'), ...(profile?.data ? { profile: profile.data } : {}) });
      } catch (error) {
        if (error instanceof XacminhError) throw error;
        throw new XacminhError('INVALID_INPUT', `The site registration is not valid: ${(error as Error).message}`, { site: o.site }, { cause: error });
      }
      io.stdout(`Đã ghi cơ sở ${o.site} / site ${o.site} registered\n`);
    });

  dir(root.command('revoke'))
    .description('Revoke a device (its certificates can no longer renew; its id can be enrolled again)')
    .requiredOption('--device <id>', 'device id')
    .action((o: { dir: string; device: string }) => {
      const entry = new Registry(o.dir).revoke(o.device, new Date());
      io.stdout(`Đã thu hồi thiết bị ${o.device} (cơ sở ${entry.siteId}) / device ${o.device} revoked\n`);
    });

  dir(root.command('fingerprint'))
    .description("Print the CA certificate's SHA-256 fingerprint (give it to the technician)")
    .action(async (o: { dir: string }) => {
      io.stdout(`${formatFingerprint((await ServiceCa.open(o.dir, new Date())).fingerprint)}\n`);
    });
  return root;
}

/**
 * A Mosquitto setup that trusts the enrolment CA, for a small deployment or a trial on one machine: the CA,
 * a server certificate from the CA, an ACL listing each active device of one site, mosquitto.conf, and
 * optionally an observer's client certificate that reads the whole site. Re-running rewrites only what
 * changed (a new device: the ACL), keeping the server key while its names stay the same.
 */
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { writeFileAtomicSync } from '../../../drivers/atomic-file.ts';
import { XacminhError } from '../../../drivers/errors.ts';
import { assertId, certMatchesKey, pemToCerts, x509 } from '../pki.ts';
import { ServiceCa } from './ca.ts';
import { Registry } from './registry.ts';

export interface BrokerConfigOptions {
  /** The enrolment service's folder (CA, devices registry, sites). */
  serviceDir: string;
  siteId: string;
  outDir: string;
  port?: number;
  host?: string;
  /** More names or addresses for the server certificate. */
  names?: string[];
  /** The observer's user name (its certificate's CN): reads xacminh/v1/<site>/#. */
  observer?: string;
  now?: Date;
}

export interface BrokerConfigResult {
  dir: string;
  devices: string[];
  /** Files written this run (unchanged ones are not rewritten). */
  written: string[];
  serverNames: string[];
  /** A running Mosquitto picks these up with SIGHUP (the ACL) or needs a restart (listener, certificates). */
  reload: 'none' | 'sighup' | 'restart';
  /** Where the site's registration disagrees with this broker: its terminals would not reach it. */
  warnings: string[];
}

export const DEFAULT_BROKER_PORT = 8883;
/** Certificates with less than this left are issued again. */
const RENEW_BEFORE_MS = 30 * 86_400_000;

export async function writeBrokerConfig(o: BrokerConfigOptions): Promise<BrokerConfigResult> {
  const now = o.now ?? new Date();
  const siteId = assertId(o.siteId, 'site');
  const host = o.host ?? '127.0.0.1';
  const port = o.port ?? DEFAULT_BROKER_PORT;
  const dir = resolve(o.outDir);
  const registry = new Registry(o.serviceDir);
  const site = registry.site(siteId);
  if (!site) throw new XacminhError('INVALID_INPUT', `Site ${siteId} is not registered in ${o.serviceDir}: run xacminh enrol-service site --dir ${o.serviceDir} --site ${siteId} … first`, { site: siteId });
  if (o.observer !== undefined) assertObserverName(o.observer);
  const ca = await ServiceCa.open(o.serviceDir, now);
  const devices = registry.activeDevices(siteId, now);
  const serverNames = namesFor(host, site.broker.url, o.names ?? []);
  const path = (name: string) => join(dir, name);
  const written: string[] = [];
  const put = (name: string, content: string, mode: number) => {
    if (existsSync(path(name)) && readFileSync(path(name), 'utf8') === content) return;
    writeFileAtomicSync(path(name), content, mode, { keepMode: false });
    written.push(name);
  };

  put('ca.pem', ca.certPem, 0o644);
  if (!(await keepLeaf(ca, path('server-cert.pem'), path('server-key.pem'), now, (cert) => sameNames(cert, serverNames)))) {
    const tls = await ca.issueServer(serverNames, now);
    put('server-key.pem', tls.keyPem, 0o600);
    put('server-cert.pem', tls.certPem, 0o644);
  }
  if (o.observer !== undefined) {
    const cn = o.observer;
    if (!(await keepLeaf(ca, path('observer-cert.pem'), path('observer-key.pem'), now, (cert) => cert.subjectName.getField('CN').join() === cn))) {
      const client = await ca.issueClient(cn, now);
      put('observer-key.pem', client.keyPem, 0o600);
      put('observer-cert.pem', client.certPem, 0o644);
    }
  }
  put('acl', aclText(siteId, devices, o.observer), 0o644);
  put('mosquitto.conf', confText(dir, host, port), 0o644);
  const restart = written.some((f) => f !== 'acl' && !f.startsWith('observer-'));
  return { dir, devices, written, serverNames, reload: restart ? 'restart' : written.includes('acl') ? 'sighup' : 'none', warnings: registrationWarnings(site.broker, ca, port, o.serviceDir, siteId) };
}

/**
 * The CN carries no site, so each device of this site is listed by name: a `%u` pattern would let a device
 * of another site (same CA) in under its own id. Mosquitto denies whatever the ACL does not grant.
 */
export function aclText(siteId: string, devices: readonly string[], observer?: string): string {
  const blocks = devices.map((id) => `user ${id}\ntopic readwrite xacminh/v1/${siteId}/${id}/#\n`);
  if (observer !== undefined) blocks.push(`user ${observer}\ntopic read xacminh/v1/${siteId}/#\n`);
  return `# Written by xacminh enrol-service broker-config for site ${siteId}: the active devices of the site.\n\n${blocks.join('\n')}`;
}

function confText(dir: string, host: string, port: number): string {
  return [
    '# Written by xacminh enrol-service broker-config. Run: mosquitto -c ' + join(dir, 'mosquitto.conf'),
    // The key files are 0600 and the persistence folder 0700: the broker runs as whoever wrote them.
    `user ${userInfo().username}`,
    `listener ${port} ${host}`,
    `cafile ${join(dir, 'ca.pem')}`,
    `certfile ${join(dir, 'server-cert.pem')}`,
    `keyfile ${join(dir, 'server-key.pem')}`,
    'require_certificate true',
    'use_identity_as_username true',
    `acl_file ${join(dir, 'acl')}`,
    'allow_anonymous false',
    'persistence true',
    `persistence_location ${dir}/`,
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    '',
  ].join('\n');
}

/** The site's bundle tells terminals which broker to dial and which CA to trust for it: it must be this one. */
function registrationWarnings(broker: { url: string; caPem: string }, ca: ServiceCa, port: number, serviceDir: string, siteId: string): string[] {
  const warnings: string[] = [];
  const fix = `xacminh enrol-service site --dir ${serviceDir} --site ${siteId} --broker-url mqtts://<host>:${port} --broker-ca ${join(serviceDir, 'ca-cert.pem')} …`;
  let trusted = false;
  try {
    trusted = pemToCerts(broker.caPem, 'broker CA').some((c) => c.equal(ca.cert));
  } catch {
    trusted = false;
  }
  if (!trusted) warnings.push(`the site's broker CA is not the enrolment CA that signed this broker's certificate: its terminals will refuse this broker (${fix})`);
  let urlPort: number | undefined;
  try {
    urlPort = Number(new URL(broker.url).port || DEFAULT_BROKER_PORT);
  } catch {
    urlPort = undefined;
  }
  if (urlPort !== port) warnings.push(`the site's broker URL ${broker.url} is not port ${port}: its terminals will dial another port (${fix})`);
  return warnings;
}

/** The listen address (unless a wildcard), loopback, and the host of the site's broker URL, which terminals dial. */
function namesFor(host: string, brokerUrl: string, extra: readonly string[]): string[] {
  let urlHost: string | undefined;
  try {
    urlHost = new URL(brokerUrl).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    urlHost = undefined;
  }
  const wildcard = host === '0.0.0.0' || host === '::';
  return [...new Set([...(wildcard ? [] : [host]), '127.0.0.1', 'localhost', ...(urlHost ? [urlHost] : []), ...extra])];
}

function sameNames(cert: x509.X509Certificate, names: readonly string[]): boolean {
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const have = (san?.names.items ?? []).map((n) => n.value).sort();
  return have.join(',') === [...names].sort().join(',');
}

/** Whether an existing certificate and key can stay: signed by this CA, the pair matches, names as wanted, not near expiry. */
async function keepLeaf(ca: ServiceCa, certPath: string, keyPath: string, now: Date, wanted: (cert: x509.X509Certificate) => boolean): Promise<boolean> {
  if (!existsSync(certPath) || !existsSync(keyPath)) return false;
  try {
    const cert = new x509.X509Certificate(readFileSync(certPath, 'utf8'));
    const fresh = cert.notAfter.getTime() - now.getTime() > RENEW_BEFORE_MS;
    return fresh && wanted(cert) && certMatchesKey(cert, readFileSync(keyPath, 'utf8')) && (await cert.verify({ publicKey: ca.cert.publicKey, signatureOnly: true }));
  } catch {
    // Unreadable or damaged: issue again.
    return false;
  }
}

/**
 * The observer's CN becomes a broker user that reads the whole site. A device CN is always a device id
 * (letters, digits, "-", "_"), so an observer name with a "." can never be taken by a device enrolled later.
 */
function assertObserverName(name: string): void {
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/.test(name) || name.length > 64) {
    throw new XacminhError(
      'INVALID_INPUT',
      `--observer ${name}: the observer's name must contain a "." (e.g. central.observer) and only letters, digits, "-", "_", at most 64: a name without one could also be a device id, and a device enrolled under it would read the whole site`,
      { observer: name },
    );
  }
}

/**
 * A real Mosquitto for tests and benches: a free loopback port, a password file, an ACL that confines each
 * device (username = device id) to xacminh/v1/<site>/<device>/#, persistence in a temp dir, and optionally
 * a TLS listener that requires a client certificate whose CN becomes the username. Certificates are made
 * at start with the openssl CLI; nothing is committed. restart() keeps the port and the persistence file.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export const MOSQUITTO = process.env.XACMINH_MOSQUITTO ?? '/usr/sbin/mosquitto';

/** Why Mosquitto tests cannot run here, or null when they can. */
export function mosquittoMissing(): string | null {
  if (!existsSync(MOSQUITTO)) return `mosquitto is not installed at ${MOSQUITTO} (apt-get install mosquitto): Mosquitto tests skipped`;
  if (!existsSync('/usr/bin/mosquitto_passwd')) return 'mosquitto_passwd is missing (package mosquitto): Mosquitto tests skipped';
  return null;
}

export interface MosquittoOptions {
  siteId: string;
  /** Device accounts: username = device id. */
  devices: { id: string; password: string }[];
  /** A reader account allowed on the whole site (the central subscriber, test observers). */
  observer?: { username: string; password: string };
  /** Also listen with TLS and require a client certificate; certificates are issued for these CNs. */
  tlsClients?: string[];
  /**
   * A CA whose client certificates the TLS listener also accepts (PEM; e.g. the enrolment CA). Its devices'
   * certificates carry only the device id as CN, so the ACL then lists this site's devices by name
   * (`listedDevices`) instead of the %u pattern, which would let a device of any site in under its own id.
   */
  clientCa?: string;
  /** With clientCa: the certificate-authenticated devices of this site (CN = device id). */
  listedDevices?: string[];
}

export interface TlsMaterial {
  ca: Buffer;
  clients: Record<string, { cert: Buffer; key: Buffer }>;
}

export class MosquittoHarness {
  /** Made by start(), so constructing a harness where Mosquitto is missing leaves nothing behind. */
  dir = '';
  port = 0;
  tlsPort = 0;
  tls: TlsMaterial | undefined;
  private process: ChildProcess | undefined;
  private log = '';

  constructor(private readonly options: MosquittoOptions) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  get tlsUrl(): string {
    return `mqtts://127.0.0.1:${this.tlsPort}`;
  }

  async start(): Promise<void> {
    this.dir = mkdtempSync(join(tmpdir(), 'xacminh-mosquitto-'));
    this.port = await freePort();
    if (this.options.tlsClients) {
      this.tlsPort = await freePort();
      this.tls = this.makeCertificates(this.options.tlsClients);
    }
    this.writeConfig();
    await this.launch();
  }

  /** SIGTERM: Mosquitto saves its persistence file on the way out. */
  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  async dispose(): Promise<void> {
    await this.stop();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  get output(): string {
    return this.log;
  }

  private writeConfig(): void {
    const { siteId, devices, observer } = this.options;
    const passwd = join(this.dir, 'passwd');
    writeFileSync(passwd, '');
    for (const account of [...devices.map((d) => ({ username: d.id, password: d.password })), ...(observer ? [observer] : [])]) {
      execFileSync('/usr/bin/mosquitto_passwd', ['-b', passwd, account.username, account.password], { stdio: 'pipe' });
    }
    const listed = this.options.clientCa ? [...devices.map((d) => d.id), ...(this.options.tlsClients ?? []), ...(this.options.listedDevices ?? [])] : [];
    const acl = [
      ...(observer ? [`user ${observer.username}`, `topic readwrite xacminh/v1/${siteId}/#`, ''] : []),
      ...(this.options.clientCa
        ? [...new Set(listed)].flatMap((id) => [`user ${id}`, `topic readwrite xacminh/v1/${siteId}/${id}/#`, ''])
        : // Patterns apply to every client: a device (username = its id) reaches only its own subtree.
          [`pattern readwrite xacminh/v1/${siteId}/%u/#`]),
    ];
    writeFileSync(join(this.dir, 'acl'), `${acl.join('\n')}\n`);
    const lines = [
      `user ${userInfo().username}`,
      'per_listener_settings false',
      'allow_anonymous false',
      `password_file ${passwd}`,
      `acl_file ${join(this.dir, 'acl')}`,
      'persistence true',
      `persistence_location ${this.dir}/`,
      'autosave_interval 1',
      'max_inflight_messages 0',
      'max_queued_messages 200000',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      `listener ${this.port} 127.0.0.1`,
    ];
    if (this.tls) {
      lines.push(
        `listener ${this.tlsPort} 127.0.0.1`,
        `cafile ${join(this.dir, this.options.clientCa ? 'client-cas.crt' : 'ca.crt')}`,
        `certfile ${join(this.dir, 'server.crt')}`,
        `keyfile ${join(this.dir, 'server.key')}`,
        'require_certificate true',
        'use_identity_as_username true',
      );
    }
    writeFileSync(join(this.dir, 'mosquitto.conf'), `${lines.join('\n')}\n`);
  }

  private async launch(): Promise<void> {
    const child = spawn(MOSQUITTO, ['-c', join(this.dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.process = child;
    child.stderr?.on('data', (chunk: Buffer) => {
      this.log = (this.log + chunk.toString('utf8')).slice(-8000);
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode}: ${this.log}`);
      if (await canConnect(this.port)) return;
      if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${this.port} within 10 s: ${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private makeCertificates(clients: string[]): TlsMaterial {
    const d = this.dir;
    const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe', cwd: d });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=xacminh test CA', '-days', '2');
    writeFileSync(join(d, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    ssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
    ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext');
    const material: TlsMaterial = { ca: readFileSync(join(d, 'ca.crt')), clients: {} };
    // Mosquitto's cafile is what client certificates are checked against: ours and the external CA.
    if (this.options.clientCa) writeFileSync(join(d, 'client-cas.crt'), `${material.ca.toString('utf8').trim()}\n${this.options.clientCa.trim()}\n`);
    for (const cn of clients) {
      ssl('req', ...ec, '-keyout', `${cn}.key`, '-out', `${cn}.csr`, '-subj', `/CN=${cn}`);
      ssl('x509', '-req', '-in', `${cn}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${cn}.crt`, '-days', '2');
      material.clients[cn] = { cert: readFileSync(join(d, `${cn}.crt`)), key: readFileSync(join(d, `${cn}.key`)) };
    }
    return material;
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

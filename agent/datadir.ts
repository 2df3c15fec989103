/**
 * The data dir: the device's identity key, the authority's public key, the site config, the trust store
 * and the register. Files the agent writes are written atomically (temp file, fsync, rename) with the
 * key readable by the agent only.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, createHash, randomBytes, type KeyObject } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { writeFileAtomicSync } from '../drivers/atomic-file.ts';
import { XacminhError } from '../drivers/errors.ts';

export interface DataDirPaths {
  root: string;
  deviceKey: string;
  authorityPublicKey: string;
  /** Only in the demo: the authority's private key, so the demo subscriber can show the personal data decrypts. */
  demoAuthorityKey: string;
  siteConfig: string;
  /** Left by the first start with a site's configuration: the demo never runs in this data dir again. */
  configuredMarker: string;
  trust: string;
  register: string;
  /** The certificate the enrolment service issued for deviceKey (PEM), and the EST CA's certificates (PEM, leaf's issuer first). */
  deviceCert: string;
  caChain: string;
  /** What provisioning recorded about the enrolment: service URL, pinned CA fingerprint, site and device ids. */
  enrolment: string;
  /** The broker's CA from the signed site bundle (PEM). */
  brokerCa: string;
  /** The signed site bundle as received (JWS), kept so an inspector can see what the terminal was told. */
  siteBundle: string;
  /** Technician and police inspector accounts (scrypt hashes). */
  accounts: string;
  /** The last self-test reports (signed JWS), newest last. */
  selfTests: string;
  /** Public halves of device keys replaced at certificate renewal: what they signed must still verify. */
  retiredKeys: string;
  /** The register's data key (FORMAT.md "Sealing"): 32 random bytes, base64, 0600. */
  registerDataKey: string;
  /** Which register this data dir holds (register/genesis.ts): {registerId, genesisHash, createdAt}. */
  registerMarker: string;
  /** The kiosk's spoken prompts (WAV files made by espeak-ng), remade whenever missing. */
  audioCache: string;
}

export function dataDirPaths(root: string): DataDirPaths {
  const abs = resolve(root);
  return {
    root: abs,
    deviceKey: join(abs, 'identity', 'device-key.pem'),
    authorityPublicKey: join(abs, 'authority', 'authority-public.pem'),
    demoAuthorityKey: join(abs, 'demo-authority', 'authority-private.pem'),
    siteConfig: join(abs, 'site.json'),
    configuredMarker: join(abs, 'configured-terminal'),
    trust: join(abs, 'trust'),
    register: join(abs, 'register.db'),
    deviceCert: join(abs, 'identity', 'device-cert.pem'),
    caChain: join(abs, 'identity', 'ca-chain.pem'),
    enrolment: join(abs, 'identity', 'enrolment.json'),
    brokerCa: join(abs, 'identity', 'broker-ca.pem'),
    siteBundle: join(abs, 'site-bundle.jws'),
    accounts: join(abs, 'accounts.json'),
    selfTests: join(abs, 'self-tests'),
    retiredKeys: join(abs, 'identity', 'retired-keys.json'),
    registerDataKey: join(abs, 'identity', 'register-data.key'),
    registerMarker: join(abs, 'register.id.json'),
    audioCache: join(abs, 'cache', 'audio'),
  };
}

export interface DeviceIdentity {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** RFC 7638-style short id of the public key, used as the JWS `kid`. */
  keyId: string;
}

/** Loads the device key; creates one on first start when `create` (the demo, or a technician's first boot). */
export function loadDeviceIdentity(paths: DataDirPaths, options: { create: boolean }): DeviceIdentity {
  if (!existsSync(paths.deviceKey)) {
    if (!options.create) throw new XacminhError('CONFIG_INVALID', `No device key at ${paths.deviceKey}: provision the terminal first (identity key and certificate)`, { path: paths.deviceKey });
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileAtomicSync(paths.deviceKey, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 0o600, { keepMode: false });
  }
  const privateKey = readKey(paths.deviceKey, (pem) => createPrivateKey(pem), 'device private key');
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new XacminhError('CONFIG_INVALID', `${paths.deviceKey} must be a P-256 EC key (events are signed with ES256)`, { path: paths.deviceKey });
  }
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

/**
 * The authority's public key (events' personal data is encrypted for it). The demo makes a demo authority
 * whose private key stays in the data dir, clearly named, so the demo can show the round trip.
 */
export function loadAuthorityKey(paths: DataDirPaths, options: { createDemo: boolean }): { publicKey: KeyObject; demoPrivateKey?: KeyObject } {
  if (!options.createDemo && existsSync(paths.demoAuthorityKey)) {
    // Whoever holds the device could decrypt every event's personal data: a terminal never keeps that key.
    throw new XacminhError(
      'CONFIG_INVALID',
      `The authority's private key is on this device (${paths.demoAuthorityKey}, left by the demo): remove it, and install the public key the authority issued for this site at ${paths.authorityPublicKey}`,
      { path: paths.demoAuthorityKey },
    );
  }
  if (!existsSync(paths.authorityPublicKey)) {
    if (!options.createDemo) throw new XacminhError('CONFIG_INVALID', `No authority public key at ${paths.authorityPublicKey}: install the key the authority issued for this site`, { path: paths.authorityPublicKey });
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileAtomicSync(paths.demoAuthorityKey, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 0o600, { keepMode: false });
    writeFileAtomicSync(paths.authorityPublicKey, publicKey.export({ type: 'spki', format: 'pem' }) as string, 0o644);
  }
  const publicKey = readKey(paths.authorityPublicKey, (pem) => createPublicKey(pem), 'authority public key');
  const demoPrivateKey = existsSync(paths.demoAuthorityKey) ? readKey(paths.demoAuthorityKey, (pem) => createPrivateKey(pem), 'demo authority key') : undefined;
  return demoPrivateKey ? { publicKey, demoPrivateKey } : { publicKey };
}

/** Marks the data dir as a configured terminal's (once; the first date is kept). */
export function markConfigured(paths: DataDirPaths): void {
  if (!wasConfigured(paths)) writeFileAtomicSync(paths.configuredMarker, `first started with a site config at ${new Date().toISOString()}\n`, 0o600);
}

export function wasConfigured(paths: DataDirPaths): boolean {
  return existsSync(paths.configuredMarker);
}

const retiredKeysSchema = z.array(z.strictObject({ keyId: z.string(), publicKeyPem: z.string(), retiredAt: z.iso.datetime() }));
export type RetiredKey = z.infer<typeof retiredKeysSchema>[number];

/** The keys renewal replaced, as recorded (empty when the key never rotated). A damaged file is an error, not "no keys". */
export function readRetiredKeyRecords(paths: DataDirPaths): RetiredKey[] {
  if (!existsSync(paths.retiredKeys)) return [];
  try {
    return retiredKeysSchema.parse(JSON.parse(readFileSync(paths.retiredKeys, 'utf8')));
  } catch (error) {
    throw new XacminhError('CONFIG_INVALID', `${paths.retiredKeys} is damaged (${(error as Error).message}): restore it from a backup, or register checkpoints signed before the last certificate renewal cannot be checked`, { path: paths.retiredKeys }, { cause: error });
  }
}

/** Retired device public keys by key id (the id is recomputed from the key, never taken from the file). */
export function readRetiredDeviceKeys(paths: DataDirPaths): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const record of readRetiredKeyRecords(paths)) {
    const publicKey = readKey(paths.retiredKeys, () => createPublicKey(record.publicKeyPem), `retired device key ${record.keyId}`);
    keys.set(keyIdOf(publicKey), publicKey);
  }
  return keys;
}

export function keyIdOf(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}

function readKey(path: string, parse: (pem: string) => KeyObject, what: string): KeyObject {
  try {
    return parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new XacminhError('CONFIG_INVALID', `Cannot load the ${what} from ${path}: ${(error as Error).message}`, { path }, { cause: error });
  }
}

/**
 * The register's data key (32 bytes, base64 text, 0600). `create`: made when missing (the agent, with the
 * register). Without `create`, a missing or unreadable key is undefined (the CLI then shows sealed parts as
 * locked); a key file that is there but damaged is an error, never silently replaced (the data would be lost).
 */
export function loadRegisterDataKey(paths: DataDirPaths, options: { create: boolean }): Uint8Array | undefined {
  if (!existsSync(paths.registerDataKey)) {
    if (!options.create) return undefined;
    writeFileAtomicSync(paths.registerDataKey, `${randomBytes(32).toString('base64')}\n`, 0o600, { keepMode: false });
  }
  let text: string;
  try {
    text = readFileSync(paths.registerDataKey, 'utf8');
  } catch (error) {
    if (!options.create && (error as NodeJS.ErrnoException).code === 'EACCES') return undefined;
    throw new XacminhError('CONFIG_INVALID', `Không đọc được khóa dữ liệu sổ đăng ký ${paths.registerDataKey}: ${(error as Error).message}. Cannot read the register data key`, { path: paths.registerDataKey }, { cause: error });
  }
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32 || key.toString('base64') !== text.trim()) {
    throw new XacminhError('CONFIG_INVALID', `Khóa dữ liệu sổ đăng ký ${paths.registerDataKey} bị hỏng (cần 32 byte base64): khôi phục từ bản sao lưu. The register data key is damaged: restore it from a backup, or the sealed personal data cannot be read`, { path: paths.registerDataKey });
  }
  return new Uint8Array(key);
}

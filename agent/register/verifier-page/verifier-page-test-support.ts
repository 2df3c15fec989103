/**
 * Fixtures for the verifier page's tests: a register filled with obviously fake people, exported by the
 * real exporter to a real file, and the tampered variants an inspector must catch. Keys and certificates
 * are generated at test time.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { generateKeyPairSync, randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { drawnPortrait } from '../../../drivers/sim/portrait.ts';
import { sampleRecord } from '../../events/events-test-support.ts';
import { keyIdOf } from '../../datadir.ts';
import { entryHash, GENESIS_HASH, sha256, signCheckpoint } from '../chain.ts';
import { headerDigest, signExport, writeRegisterExport, type ExportHeader, type ExportOptions } from '../export.ts';
import { Register } from '../register.ts';
import { MIGRATIONS } from '../schema.ts';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** Made-up people: the names say they are tests, the ID numbers are not of the real format's issued range. */
export const FAKE_PEOPLE = [
  { fullName: 'Trần Thị Mẫu Một', idNumber: '000000000101' },
  { fullName: 'Lê Văn Mẫu Hai', idNumber: '000000000102' },
  { fullName: 'Phạm Thị Mẫu Ba', idNumber: '000000000103' },
  { fullName: 'Đỗ Văn Mẫu Bốn', idNumber: '000000000104' },
  { fullName: 'Vũ Thị Mẫu Năm', idNumber: '000000000105' },
  { fullName: 'Hoàng Văn Mẫu Sáu', idNumber: '000000000106' },
] as const;

export interface DeviceKeys {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The register's data key (FORMAT.md "Sealing"). */
  dataKey: Uint8Array;
}

export const newDeviceKeys = (): DeviceKeys => ({ ...generateKeyPairSync('ec', { namedCurve: 'P-256' }), dataKey: new Uint8Array(randomBytes(32)) });

export const publicPem = (key: KeyObject): string => key.export({ type: 'spki', format: 'pem' }).toString();

export function openRegister(path: string, device: DeviceKeys, extra: { readOnly?: boolean; now?: () => Date } = {}): Register {
  return Register.open(path, { deviceKey: device.privateKey, dataKey: device.dataKey, outboxCapacity: 1000, checkpointEvery: 3, ...extra });
}

const DAY_MS = 86_400_000;

function recordOf(i: number) {
  const base = sampleRecord({ decision: i % 3 === 2 ? 'rejected' : 'verified' });
  return { ...base, identity: { ...base.identity!, ...FAKE_PEOPLE[i]! } };
}

/**
 * A register as one upgraded in the field holds it: the first person in a format-1 row (written before
 * sealing existed, identity and frame in clear), the others appended as format 2 (sealed). Every entry has a
 * real, decodable JPEG frame; decisions alternate. The first `oldEntries` are stamped 40 days ago (retention).
 */
export function fillRegister(path: string, device: DeviceKeys, options: { oldEntries?: number } = {}): void {
  const oldEntries = options.oldEntries ?? 0;
  const stamp = (i: number) => new Date(Date.now() - (i < oldEntries ? 40 * DAY_MS : 0));
  const legacy = new Database(path);
  try {
    legacy.exec(MIGRATIONS[0]!);
    legacy.pragma('user_version = 1');
    const old = recordOf(0);
    const recordJson = JSON.stringify(old);
    const frame = drawnPortrait(1);
    const recordedAt = stamp(0).toISOString();
    const hash = entryHash(GENESIS_HASH, { seq: 1, id: old.id, recordedAt, recordJson, frameSha256: sha256(frame) });
    legacy
      .prepare('INSERT INTO entries (seq, id, recorded_at, decision, record_json, frame_jpeg, frame_sha256, hash) VALUES (1, ?, ?, ?, ?, ?, ?, ?)')
      .run(old.id, recordedAt, old.decision, recordJson, frame, sha256(frame), hash);
  } finally {
    legacy.close();
  }
  let next = 1;
  const register = openRegister(path, device, { now: () => stamp(next) });
  try {
    for (; next < FAKE_PEOPLE.length; next++) {
      const record = recordOf(next);
      register.append(record, { frameJpeg: drawnPortrait(next + 1), events: [{ id: record.id, topic: 't', payload: 'p' }] });
    }
  } finally {
    register.close();
  }
}

/** Retention as the agent runs it: the register's purge of personal data older than 30 days (a purge entry is appended). */
export function purgeOlderThan30Days(registerPath: string, device: DeviceKeys): number {
  const register = openRegister(registerPath, device);
  try {
    return register.purge(new Date(Date.now() - 30 * DAY_MS).toISOString(), 30).purged;
  } finally {
    register.close();
  }
}

/** What `xacminh register export` writes, read back as text. */
export function exportText(registerPath: string, device: DeviceKeys, out: string, options: Partial<ExportOptions> = {}): string {
  const register = openRegister(registerPath, device, { readOnly: true });
  try {
    writeRegisterExport(out, register, { signingKey: device.privateKey, frames: true, ...options });
  } finally {
    register.close();
  }
  return readFileSync(out, 'utf8');
}

/** A certificate for the device's key, issued by a throw-away CA (as the site's enrolment CA would: P-256, or RSA as other EST CAs), and that CA's certificate. */
export async function deviceCertificate(device: DeviceKeys, options: { rsa?: boolean } = {}): Promise<{ certificate: string; ca: string }> {
  const ec = { name: 'ECDSA', hash: 'SHA-256', namedCurve: 'P-256' } as const;
  const rsa = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) } as const;
  const caAlgorithm = options.rsa ? rsa : ec;
  const caKeys = (await webcrypto.subtle.generateKey(caAlgorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const publicKey = await webcrypto.subtle.importKey('spki', device.publicKey.export({ type: 'spki', format: 'der' }), ec, true, ['verify']);
  const now = Date.now();
  const caName = `CN=TEST enrolment CA ${options.rsa ? 'RSA' : 'EC'}, O=xacminh test`;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: caName,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 3650 * DAY_MS),
    signingAlgorithm: caAlgorithm,
    keys: caKeys,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true)],
  });
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: '0a1b2c',
    subject: 'CN=TEST terminal dev-a, O=xacminh test',
    issuer: ca.subject,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 365 * DAY_MS),
    signingAlgorithm: caAlgorithm,
    publicKey,
    signingKey: caKeys.privateKey,
  });
  return { certificate: certificate.toString('pem'), ca: ca.toString('pem') };
}

/** The export's lines as objects, and back to text (a tamperer's tools). */
export const linesOf = (text: string): Record<string, unknown>[] => text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
export const textOf = (lines: Record<string, unknown>[]): string => lines.map((l) => `${JSON.stringify(l)}\n`).join('');

/** One changed byte inside the stored record text of entry `seq` (the site id's last character). */
export function changeOneByte(text: string, seq: number): string {
  const lines = text.split('\n');
  const index = lines.findIndex((l) => l.startsWith('{"type":"entry"') && (JSON.parse(l) as { seq: number }).seq === seq);
  const line = lines[index]!;
  const at = line.indexOf('site-1');
  if (index < 0 || at < 0) throw new Error(`no entry ${seq} with a site id to change`);
  lines[index] = `${line.slice(0, at + 5)}2${line.slice(at + 6)}`;
  return lines.join('\n');
}

/** Drops the first entry (and its checkpoint) and patches the header so the range and anchor look consistent. */
export function dropFirstEntry(text: string): string {
  const lines = linesOf(text);
  const header = lines[0] as { range: { fromSeq: number; entries: number }; previousHash: string };
  const first = lines.find((l) => l.type === 'entry') as { seq: number; hash: string };
  header.range.fromSeq = first.seq + 1;
  header.range.entries -= 1;
  header.previousHash = first.hash;
  return textOf(lines.filter((l) => !(l.seq === first.seq && (l.type === 'entry' || l.type === 'checkpoint'))));
}


function entryLine(lines: Record<string, unknown>[], seq: number): Record<string, unknown> {
  const line = lines.find((l) => l.type === 'entry' && l.seq === seq);
  if (!line) throw new Error(`no entry ${seq}`);
  return line;
}

/** One changed byte inside the encrypted personal data of entry `seq` (its digest left as recorded). */
export function changeSealedBlob(text: string, seq: number): string {
  const lines = linesOf(text);
  const line = entryLine(lines, seq);
  const blob = Buffer.from(String(line.sealed), 'base64');
  blob[20] = blob[20]! ^ 0x01;
  line.sealed = blob.toString('base64');
  return textOf(lines);
}

/** Entry `a` given entry `b`'s per-entry key for its personal data. */
export function swapSealedKey(text: string, a: number, b: number): string {
  const lines = linesOf(text);
  entryLine(lines, a).sealedKey = entryLine(lines, b).sealedKey;
  return textOf(lines);
}

/**
 * A forger's re-signature: every checkpoint and the export signature made again with `other`'s key, and the
 * header naming that key. Internally consistent; only the inspector's own copy of the device key tells.
 */
export function resign(text: string, other: DeviceKeys): string {
  const lines = linesOf(text);
  const keyId = keyIdOf(other.publicKey);
  const header = lines[0] as unknown as ExportHeader;
  header.device = { keyId };
  for (const line of lines) {
    if (line.type !== 'checkpoint' && line.type !== 'export-checkpoint') continue;
    const seq = Number(line.seq);
    const headHash = String(line.headHash);
    const signed = signCheckpoint(other.privateKey, keyId, seq, new Uint8Array(Buffer.from(headHash, 'hex')), String(line.signedAt));
    line.keyId = keyId;
    line.signature = Buffer.from(signed.signature).toString('base64url');
    if (line.type === 'export-checkpoint') {
      line.headerSha256 = headerDigest(header);
      line.exportSignature = signExport(other.privateKey, String(line.headerSha256), seq, headHash, String(line.signedAt));
    }
  }
  return textOf(lines);
}

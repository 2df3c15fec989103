/**
 * Fixtures for the verifier page's tests: a register filled with obviously fake people, exported by the
 * real exporter to a real file, and the tampered variants an inspector must catch. Keys and certificates
 * are generated at test time.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { generateKeyPairSync, webcrypto, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { drawnPortrait } from '../../../drivers/sim/portrait.ts';
import { sampleRecord } from '../../events/events-test-support.ts';
import { writeRegisterExport, type ExportOptions } from '../export.ts';
import { Register } from '../register.ts';

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
}

export const newDeviceKeys = (): DeviceKeys => generateKeyPairSync('ec', { namedCurve: 'P-256' });

export const publicPem = (key: KeyObject): string => key.export({ type: 'spki', format: 'pem' }).toString();

export function openRegister(path: string, device: DeviceKeys, extra: { readOnly?: boolean } = {}): Register {
  return Register.open(path, { deviceKey: device.privateKey, outboxCapacity: 1000, checkpointEvery: 3, ...extra });
}

/** Appends one verification per fake person (decisions alternate; every one has a real, decodable JPEG frame). */
export function fillRegister(path: string, device: DeviceKeys): void {
  const register = openRegister(path, device);
  try {
    FAKE_PEOPLE.forEach((person, i) => {
      const base = sampleRecord({ decision: i % 3 === 2 ? 'rejected' : 'verified' });
      const record = { ...base, identity: { ...base.identity!, ...person } };
      register.append(record, { frameJpeg: drawnPortrait(i + 1), events: [{ id: record.id, topic: 't', payload: 'p' }] });
    });
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

/** A certificate for the device's key, issued by a throw-away CA (as the site's enrolment CA would). */
export async function deviceCertificatePem(device: DeviceKeys): Promise<string> {
  const signing = { name: 'ECDSA', hash: 'SHA-256', namedCurve: 'P-256' } as const;
  const ca = await webcrypto.subtle.generateKey(signing, true, ['sign', 'verify']);
  const publicKey = await webcrypto.subtle.importKey('spki', device.publicKey.export({ type: 'spki', format: 'der' }), signing, true, ['verify']);
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: '0a1b2c',
    subject: 'CN=TEST terminal dev-a, O=xacminh test',
    issuer: 'CN=TEST enrolment CA, O=xacminh test',
    notBefore: new Date(now - 86_400_000),
    notAfter: new Date(now + 365 * 86_400_000),
    signingAlgorithm: signing,
    publicKey,
    signingKey: ca.privateKey,
  });
  return certificate.toString('pem');
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


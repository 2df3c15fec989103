/**
 * Enrolment of a terminal, as `xacminh provision` runs it: pin the CA by fingerprint, make (or keep) the
 * device key, send a CSR with the one-time code, store certificate and chain, fetch and verify the site
 * bundle over mTLS, and write the broker CA and authority key it names. Idempotent: a terminal already
 * enrolled for this site and device with a valid certificate is not enrolled again.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dataDirPaths, type DataDirPaths } from '../../agent/datadir.ts';
import { XacminhError } from '../../drivers/errors.ts';
import { verifySiteBundle, type SiteBundle } from './bundle.ts';
import { estBase, fetchCaCerts, fetchSiteBundle, simpleEnroll, type PinnedCa } from './client.ts';
import { readDeviceCert, readEnrolment, readPinnedCa, stateOf, writeOwned, type EnrolmentRecord, type Owner } from './identity-store.ts';
import { assertId, certMatchesKey, certsToPem, deviceNameOf, deviceUri, generateP256, normaliseFingerprint, webKeysFromPem, x509, type WebKeyPair } from './pki.ts';

export { certificateStatus, readSiteBundle, type CertificateStatus } from './identity-store.ts';
export type { SiteBundle } from './bundle.ts';

export interface EnrolOptions {
  dataDir: string;
  /** The enrolment service (https://host:port, with or without /.well-known/est). */
  url: string;
  /** SHA-256 of the enrolment CA's certificate (DER), hex, colons allowed. */
  caFingerprint: string;
  /** The one-time enrolment code issued for this site. */
  code: string;
  siteId: string;
  deviceId: string;
  /** The service user that will own the key and certificate. */
  owner?: { uid: number; gid: number };
  now?: () => Date;
  /** How the code is sent: 'bearer' (default; the reference service) or 'basic' (device id : code), for EST CAs that take HTTP Basic. */
  codeAuth?: 'bearer' | 'basic';
}

export interface EnrolmentResult {
  /** false: the terminal was already enrolled for this site and device and nothing was written. */
  changed: boolean;
  siteId: string;
  deviceId: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  caFingerprint: string;
  bundle: SiteBundle;
}

export async function makeCsr(keys: WebKeyPair, siteId: string, deviceId: string): Promise<ArrayBuffer> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [assertId(deviceId, 'device')] }],
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: deviceUri(siteId, deviceId) }])],
  });
  return csr.rawData;
}

export async function enrolDevice(opts: EnrolOptions): Promise<EnrolmentResult> {
  const now = opts.now ?? (() => new Date());
  const siteId = assertId(opts.siteId, 'site');
  const deviceId = assertId(opts.deviceId, 'device');
  const fingerprint = normaliseFingerprint(opts.caFingerprint);
  const baseUrl = estBase(opts.url).href;
  const paths = dataDirPaths(opts.dataDir);

  const existing = await alreadyEnrolled(paths, { siteId, deviceId, fingerprint }, now(), opts.owner);
  if (existing) return existing;

  // Nothing but this GET goes out before the fingerprint matched.
  const ca = await fetchCaCerts(baseUrl, fingerprint);
  const keyPem = existsSync(paths.deviceKey) ? readFileSync(paths.deviceKey, 'utf8') : (await generateP256()).pem;
  const keys = await webKeysFromPem(keyPem, 'device key');
  const csr = await makeCsr(keys, siteId, deviceId);
  const code = opts.code.trim();
  const cert = await simpleEnroll(baseUrl, ca, csr, opts.codeAuth === 'basic' ? { scheme: 'basic', user: deviceId, code } : { scheme: 'bearer', code });
  checkIssued(cert, keyPem, siteId, deviceId);
  const certPem = certsToPem([cert]);

  const bundleJws = await fetchSiteBundle(baseUrl, ca, { certPem, keyPem });
  const bundle = await verifySiteBundle(bundleJws, ca.anchor, siteId);

  const record: EnrolmentRecord = {
    url: baseUrl,
    caFingerprint: fingerprint,
    siteId,
    deviceId,
    enrolledAt: now().toISOString(),
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    serial: cert.serialNumber,
  };
  // Key first: a certificate is never on disk without the key it certifies.
  writeOwned(paths.deviceKey, keyPem, 0o600, opts.owner);
  writeOwned(paths.caChain, certsToPem(ca.chain), 0o644, opts.owner);
  writeOwned(paths.deviceCert, certPem, 0o644, opts.owner);
  writeBundleFiles(paths, bundleJws, bundle, opts.owner);
  writeOwned(paths.enrolment, `${JSON.stringify(record, null, 2)}\n`, 0o644, opts.owner);
  return { changed: true, siteId, deviceId, serial: record.serial, notBefore: record.notBefore, notAfter: record.notAfter, caFingerprint: fingerprint, bundle };
}

export function writeBundleFiles(paths: DataDirPaths, jws: string, bundle: SiteBundle, owner: Owner): void {
  writeOwned(paths.brokerCa, bundle.broker.caPem.endsWith('\n') ? bundle.broker.caPem : `${bundle.broker.caPem}\n`, 0o644, owner);
  writeOwned(paths.authorityPublicKey, bundle.authorityPublicKeyPem.endsWith('\n') ? bundle.authorityPublicKeyPem : `${bundle.authorityPublicKeyPem}\n`, 0o644, owner);
  writeOwned(paths.siteBundle, `${jws}\n`, 0o644, owner);
}

/** The issued certificate must certify our key and name this device: a service that says otherwise is refused. */
export function checkIssued(cert: x509.X509Certificate, keyPem: string, siteId: string, deviceId: string): void {
  const name = deviceNameOf(cert.subjectName, cert.extensions);
  if ('problem' in name || name.siteId !== siteId || name.deviceId !== deviceId) {
    throw new XacminhError('MALFORMED_DATA', `The enrolment service issued a certificate for another identity (${'problem' in name ? name.problem : `${name.siteId}/${name.deviceId}`}), not ${siteId}/${deviceId}`, { subject: cert.subject });
  }
  if (!certMatchesKey(cert, keyPem)) throw new XacminhError('MALFORMED_DATA', 'The issued certificate does not certify this device key: refused', { subject: cert.subject });
}

/**
 * The terminal already holds a valid certificate for this site, device and CA: nothing to enrol. A missing or
 * damaged site bundle is fetched again with that certificate (a second enrolment would be refused: the
 * device is active).
 */
async function alreadyEnrolled(paths: DataDirPaths, want: { siteId: string; deviceId: string; fingerprint: string }, now: Date, owner: Owner): Promise<EnrolmentResult | null> {
  const record = readEnrolment(paths);
  const cert = readDeviceCert(paths);
  if (!record || !cert || !existsSync(paths.deviceKey)) return null;
  if (record.siteId !== want.siteId || record.deviceId !== want.deviceId || record.caFingerprint !== want.fingerprint) return null;
  if (stateOf(cert.notBefore, cert.notAfter, now).state === 'expired') return null;
  const keyPem = readFileSync(paths.deviceKey, 'utf8');
  if (!certMatchesKey(cert, keyPem)) return null;
  let ca: PinnedCa;
  try {
    ca = readPinnedCa(paths, record);
    if (!(await cert.verify({ publicKey: ca.anchor.publicKey, signatureOnly: true }))) return null;
  } catch {
    return null;
  }
  const result = (bundle: SiteBundle, changed: boolean): EnrolmentResult => ({ changed, siteId: record.siteId, deviceId: record.deviceId, serial: cert.serialNumber, notBefore: cert.notBefore.toISOString(), notAfter: cert.notAfter.toISOString(), caFingerprint: record.caFingerprint, bundle });
  try {
    return result(await verifySiteBundle(readFileSync(paths.siteBundle, 'utf8').trim(), ca.anchor, want.siteId), false);
  } catch {
    const jws = await fetchSiteBundle(record.url, ca, { certPem: readFileSync(paths.deviceCert, 'utf8'), keyPem });
    const bundle = await verifySiteBundle(jws, ca.anchor, want.siteId);
    writeBundleFiles(paths, jws, bundle, owner);
    return result(bundle, true);
  }
}

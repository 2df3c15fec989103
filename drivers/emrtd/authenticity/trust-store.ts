/**
 * The country signing CA certificates a terminal trusts: a folder of certificates (DER or PEM), ICAO CSCA
 * master lists whose signer the site has pinned (master-list.ts), and CRLs signed by those CSCAs.
 */
import type { X509Certificate } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { XacminhError, isXacminhError } from '../../errors.ts';
import { isSignedBy, parseCertificate, type CertificateInfo } from './certificate.ts';
import { parseSignedData } from './cms.ts';
import { crlSigner, isCurrent, readCrlFile, type Crl } from './crl.ts';
import { normalisePin, verifyMasterList, type MasterListReport } from './master-list.ts';
import { pemBlocks } from './pem.ts';
import { describeKey, signatureAlgorithmName } from './signature.ts';

export type { MasterListReport } from './master-list.ts';

export interface TrustEntry {
  country: string;
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 of the certificate DER, lower-case hex. */
  sha256: string;
  signatureAlgorithm: string;
  keyType: string;
  curve?: string;
  keyBits?: number;
  /** Self-signed root (false: a link certificate, signed by the previous CSCA key). */
  selfSigned: boolean;
  source: string;
}

export interface TrustStoreOptions {
  /** SHA-256 fingerprints (DER) of master list signers, or of CSCAs they chain to, that the site trusts. */
  masterListSigners?: readonly string[];
  /** "Now" for the staleness of CRLs at load (tests). */
  now?: Date;
  /** CSCAs trusted besides the folder's (the demo's): in before its master lists and CRLs, which may rest on them. */
  anchors?: readonly { certificate: Uint8Array; source: string }[];
}

/** A CRL whose signature a trusted CSCA verified. */
export interface TrustedCrl {
  crl: Crl;
  csca: CertificateInfo;
  source: string;
}

export interface TrustProblem {
  file: string;
  message: string;
  error: XacminhError;
}

export class TrustStore {
  private readonly entries = new Map<string, { cert: CertificateInfo; source: string }>();
  /** Files that could not be loaded, each with a typed error naming it: reported, never fatal. */
  readonly problems: TrustProblem[] = [];
  /** Reports of the master lists imported from a folder. */
  readonly masterLists: MasterListReport[] = [];
  readonly crls: TrustedCrl[] = [];
  /** The problems above that only say a CRL was stale at load (problemsAt() says it as of its own time). */
  private readonly staleAtLoad = new Set<TrustProblem>();
  private readonly pins: ReadonlySet<string>;

  /** INVALID_INPUT if a pin is not a SHA-256 fingerprint. */
  constructor(options: TrustStoreOptions = {}) {
    this.pins = new Set((options.masterListSigners ?? []).map(normalisePin));
  }

  /** Adds one CSCA certificate; false when it is already present. MALFORMED_DATA if it does not parse. */
  add(cert: X509Certificate | Uint8Array, source = 'added'): boolean {
    const info = parseCertificate(cert instanceof Uint8Array ? cert : new Uint8Array(cert.raw), source);
    return this.addParsed(info, source);
  }

  private addParsed(cert: CertificateInfo, source: string): boolean {
    if (this.entries.has(cert.sha256)) return false;
    this.entries.set(cert.sha256, { cert, source });
    return true;
  }

  /**
   * Loads every file of `folder`, each by what it holds whatever its name: certificates (DER or PEM) first
   * (a pinned CSCA may be a file), then `anchors`, then master lists (any CMS), then CRLs (.crl, or a
   * PEM/DER CRL under another name) once every CSCA that may have signed one is in.
   */
  static async fromFolder(folder: string, options: TrustStoreOptions = {}): Promise<TrustStore> {
    const store = new TrustStore(options);
    const names = (await readdir(folder, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort();
    const files: TrustFile[] = [];
    for (const name of names) {
      try {
        files.push({ name, bytes: new Uint8Array(await readFile(join(folder, name))) });
      } catch (error) {
        store.report(name, error);
      }
    }
    const crls = files.filter((file) => /\.crl$/i.test(file.name));
    const others = files.filter((file) => !crls.includes(file) && !store.handled(file.name, () => store.loadCertificates(file)));
    for (const anchor of options.anchors ?? []) store.add(anchor.certificate, anchor.source);
    for (const file of others) store.handled(file.name, () => store.loadMasterListOrCrl(file, crls));
    for (const file of crls) store.handled(file.name, () => store.addCrls(file.bytes, file.name, options.now));
    return store;
  }

  /** Runs `load`; a failure is reported under `file` (and counts as handled). False only when `load` says so. */
  private handled(file: string, load: () => boolean | unknown): boolean {
    try {
      return load() !== false;
    } catch (error) {
      this.report(file, error);
      return true;
    }
  }

  private report(file: string, error: unknown): TrustProblem {
    const problem = problemOf(file, error);
    this.problems.push(problem);
    return problem;
  }

  /**
   * CRLs past their nextUpdate at `now`: what they list stays revoked, but "not revoked" is no longer current.
   * A CRL goes stale while the agent runs, so this is asked at the time (self-test), not only at load.
   */
  crlProblems(now = new Date()): TrustProblem[] {
    return this.crls.filter((trusted) => !isCurrent(trusted.crl, now)).map((trusted) => problemOf(trusted.source, staleCrl(trusted)));
  }

  /** The load's problems, with the CRLs' staleness as of `now` instead of as of the load. */
  problemsAt(now = new Date()): TrustProblem[] {
    return [...this.problems.filter((problem) => !this.staleAtLoad.has(problem)), ...this.crlProblems(now)];
  }

  /**
   * Takes in the CRLs of a .crl file, each once a trusted CSCA of its issuer's name verifies it; a CRL no
   * trusted CSCA signed is refused (CONFIG_INVALID), as it could otherwise revoke any card. A CRL past its
   * nextUpdate is kept (what it lists stays revoked) and reported, so the operator fetches a current one.
   */
  addCrls(bytes: Uint8Array, source: string, now = new Date()): TrustedCrl[] {
    return readCrlFile(bytes, source).map(({ crl }) => {
      const csca = crlSigner(crl, this.cscas());
      if (!csca) {
        throw new XacminhError('CONFIG_INVALID', `${source}: this CRL is not signed by any CSCA in the trust store, so it is not applied. Install the CSCA that issued it, or remove the file`, { source });
      }
      const trusted: TrustedCrl = { crl, csca, source };
      this.crls.push(trusted);
      if (!isCurrent(crl, now)) this.staleAtLoad.add(this.report(source, staleCrl(trusted)));
      return trusted;
    });
  }

  /** Verified CRLs from the issuer of `cert` (by name, whichever of its keys signed them). */
  crlsFor(cert: CertificateInfo): Crl[] {
    return this.crls.filter((t) => t.crl.issuerKey === cert.issuerKey).map((t) => t.crl);
  }

  private cscas(): CertificateInfo[] {
    return [...this.entries.values()].map((e) => e.cert);
  }

  /** Adds the certificates a file holds (PEM, or one DER); false, with why in `file.notCertificate`, when it holds none. */
  private loadCertificates(file: TrustFile): boolean {
    const pems = pemBlocks(file.bytes, 'CERTIFICATE');
    if (pems) {
      for (const der of pems) this.add(der, file.name);
      return true;
    }
    try {
      this.add(file.bytes, file.name);
      return true;
    } catch (error) {
      file.notCertificate = error as Error;
      return false;
    }
  }

  /** Any CMS is taken as a master list (its own errors reported as they are); a CRL is queued; else reported. */
  private loadMasterListOrCrl(file: TrustFile, crls: TrustFile[]): void {
    if (isCms(file.bytes, file.name)) {
      this.masterLists.push(this.importMasterList(file.bytes, file.name));
      return;
    }
    try {
      readCrlFile(file.bytes, file.name);
    } catch {
      throw new XacminhError('MALFORMED_DATA', `neither a certificate, a CSCA master list nor a CRL (${file.notCertificate?.message ?? 'unreadable'})`, { file: file.name });
    }
    crls.push(file);
  }

  /**
   * Imports an ICAO CSCA master list once its CMS signature verifies and its signer is pinned or chains to
   * a pin (master-list.ts). Otherwise nothing of it is trusted: MALFORMED_DATA (bad signature) or
   * CONFIG_INVALID (no pin), with the fingerprint to pin in the message.
   */
  importMasterList(bytes: Uint8Array, source = 'master list'): MasterListReport {
    const { listed, report } = verifyMasterList(bytes, source, this.pins, this.cscas());
    let added = 0;
    for (const cert of listed) if (this.addParsed(cert, source)) added++;
    return { ...report, added };
  }

  /**
   * CSCAs that may have issued `cert`: subject = its issuer name and, when both carry key identifiers,
   * SKI = its AKI (a CSCA renews its key under the same name). Whether the signature verifies is checked
   * by the caller (`isSignedBy`).
   */
  findIssuers(cert: CertificateInfo | Uint8Array): CertificateInfo[] {
    const target = cert instanceof Uint8Array ? parseCertificate(cert, 'document signer certificate') : cert;
    return this.byName(target).filter((ca) => !target.authorityKeyId || !ca.subjectKeyId || ca.subjectKeyId === target.authorityKeyId);
  }

  /** CSCAs whose subject is `cert`'s issuer name, whatever their key. */
  byName(cert: CertificateInfo): CertificateInfo[] {
    return this.cscas().filter((ca) => ca.subjectKey === cert.issuerKey);
  }

  describe(): TrustEntry[] {
    return [...this.entries.values()].map(({ cert, source }) => {
      const key = describeKey(cert.spki);
      const entry: TrustEntry = {
        country: /(?:^|, )C=([A-Za-z]{2})(?:,|$)/.exec(cert.subject)?.[1]?.toUpperCase() ?? '??',
        subject: cert.subject,
        issuer: cert.issuer,
        notBefore: cert.notBefore,
        notAfter: cert.notAfter,
        sha256: cert.sha256,
        signatureAlgorithm: signatureAlgorithmNameSafe(cert),
        keyType: key.keyType,
        selfSigned: cert.subjectKey === cert.issuerKey && isSignedBy(cert, cert),
        source,
      };
      if (key.curve) entry.curve = key.curve;
      if (key.bits) entry.keyBits = key.bits;
      return entry;
    });
  }

  get size(): number {
    return this.entries.size;
  }
}

function problemOf(file: string, error: unknown): TrustProblem {
  const cause = isXacminhError(error) ? error : new XacminhError('MALFORMED_DATA', String(error), {}, { cause: error });
  // A message that already names the file (master lists do) is not prefixed with it again.
  const detail = cause.message.startsWith(`${file}: `) ? cause.message.slice(file.length + 2) : cause.message;
  const typed = new XacminhError(cause.code, `Trust store file ${file}: ${detail}`, { ...cause.evidence, file }, { cause });
  return { file, message: typed.message, error: typed };
}

function staleCrl({ crl, csca, source }: TrustedCrl): XacminhError {
  return new XacminhError('CONFIG_INVALID', `CRL of "${csca.subject}" expired on ${crl.nextUpdate?.toISOString() ?? '?'}: revocation of its document signers is not current. Download that CSCA's current CRL and replace this file`, { source, nextUpdate: crl.nextUpdate?.toISOString() });
}

interface TrustFile {
  name: string;
  bytes: Uint8Array;
  notCertificate?: Error;
}

function isCms(bytes: Uint8Array, name: string): boolean {
  try {
    parseSignedData(bytes, name);
    return true;
  } catch {
    return false;
  }
}

function signatureAlgorithmNameSafe(cert: CertificateInfo): string {
  try {
    return signatureAlgorithmName(cert.signatureAlgorithm);
  } catch {
    return cert.signatureAlgorithm.oid;
  }
}

/**
 * The country signing CA certificates a terminal trusts: a folder of certificates (DER or PEM), ICAO CSCA
 * master lists whose signer the site has pinned (master-list.ts), and CRLs signed by those CSCAs.
 */
import type { X509Certificate } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { XacminhError, isXacminhError } from '../../errors.ts';
import { isSignedBy, parseCertificate, type CertificateInfo } from './certificate.ts';
import { crlSigner, isCurrent, readCrlFile, type Crl } from './crl.ts';
import { normalisePin, verifyMasterList, type MasterListReport } from './master-list.ts';
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
   * Loads every file of `folder`: certificates (.der/.cer/.crt/.pem), master lists (.ml, or any CMS) and,
   * once all CSCAs are in, CRLs (.crl, DER or PEM).
   */
  static async fromFolder(folder: string, options: TrustStoreOptions = {}): Promise<TrustStore> {
    const store = new TrustStore(options);
    const names = (await readdir(folder, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort();
    // Certificates first (a pinned CSCA may be a file), then master lists, then the CRLs of all their CSCAs.
    const rank = (name: string) => (/\.crl$/i.test(name) ? 2 : /\.ml$/i.test(name) ? 1 : 0);
    const isCrl = (name: string) => rank(name) === 2;
    for (const name of [0, 1, 2].flatMap((r) => names.filter((n) => rank(n) === r))) {
      try {
        const bytes = new Uint8Array(await readFile(join(folder, name)));
        if (isCrl(name)) store.addCrls(bytes, name, options.now);
        else store.loadFile(bytes, name);
      } catch (error) {
        store.report(name, error);
      }
    }
    return store;
  }

  private report(file: string, error: unknown): void {
    const cause = isXacminhError(error) ? error : new XacminhError('MALFORMED_DATA', String(error), {}, { cause: error });
    const typed = new XacminhError(cause.code, `Trust store file ${file}: ${cause.message}`, { ...cause.evidence, file }, { cause });
    this.problems.push({ file, message: typed.message, error: typed });
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
      if (!isCurrent(crl, now)) {
        const stale = new XacminhError('CONFIG_INVALID', `CRL of "${csca.subject}" expired on ${crl.nextUpdate?.toISOString() ?? '?'}: revocation of its document signers is not current. Download that CSCA's current CRL and replace this file`, { source, nextUpdate: crl.nextUpdate?.toISOString() });
        this.report(source, stale);
      }
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

  private loadFile(bytes: Uint8Array, name: string): void {
    if (/\.ml$/i.test(name)) {
      this.masterLists.push(this.importMasterList(bytes, name));
      return;
    }
    const pems = Buffer.from(bytes).toString('latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
    if (pems) {
      for (const pem of pems) this.add(new Uint8Array(Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64')), name);
      return;
    }
    try {
      this.add(bytes, name);
    } catch (asCertificate) {
      // A master list under another extension is still a master list; anything else is reported.
      try {
        this.masterLists.push(this.importMasterList(bytes, name));
      } catch (asMasterList) {
        // A real master list that is only unpinned says so, with the fingerprint to pin.
        if (isXacminhError(asMasterList, 'CONFIG_INVALID')) throw asMasterList;
        throw new XacminhError('MALFORMED_DATA', `neither a certificate nor a CSCA master list (${(asCertificate as Error).message})`, { file: name });
      }
    }
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

function signatureAlgorithmNameSafe(cert: CertificateInfo): string {
  try {
    return signatureAlgorithmName(cert.signatureAlgorithm);
  } catch {
    return cert.signatureAlgorithm.oid;
  }
}

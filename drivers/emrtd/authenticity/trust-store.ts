/**
 * The country signing CA certificates a terminal trusts: a folder of certificates (DER or PEM) and ICAO
 * CSCA master lists, whose own CMS signature is checked before their certificates are taken in.
 */
import type { X509Certificate } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { XacminhError, isXacminhError } from '../../errors.ts';
import { derInteger } from '../lds/der.ts';
import { readSingle, readTlvList } from '../tlv.ts';
import { isSignedBy, parseCertificate, type CertificateInfo } from './certificate.ts';
import { checkSignerInfo, findSigner, parseSignedData } from './cms.ts';
import { describeKey, signatureAlgorithmName } from './signature.ts';

const ID_CSCA_MASTER_LIST = '2.23.136.1.1.2';

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

export interface MasterListReport {
  source: string;
  /** Certificates in the list's certList. */
  certificates: number;
  /** Of those, new to this store. */
  added: number;
  /** Entries of certList that are not readable certificates: skipped, with why. */
  skipped: { index: number; message: string }[];
  signer: { subject: string; issuer: string; serial: string; notBefore: Date; notAfter: Date };
  signatureValid: true;
  /** The list signer's certificate is signed by a CSCA the list itself contains. */
  signerChainsToListedCsca: boolean;
  signerIssuer?: string;
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

  /** Loads every file of `folder`: certificates (.der/.cer/.crt/.pem) and master lists (.ml, or any CMS). */
  static async fromFolder(folder: string): Promise<TrustStore> {
    const store = new TrustStore();
    for (const name of (await readdir(folder, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort()) {
      try {
        store.loadFile(new Uint8Array(await readFile(join(folder, name))), name);
      } catch (error) {
        const cause = isXacminhError(error) ? error : new XacminhError('MALFORMED_DATA', String(error), {}, { cause: error });
        const typed = new XacminhError(cause.code, `Trust store file ${name}: ${cause.message}`, { ...cause.evidence, file: name }, { cause });
        store.problems.push({ file: name, message: typed.message, error: typed });
      }
    }
    return store;
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
      } catch {
        throw new XacminhError('MALFORMED_DATA', `neither a certificate nor a CSCA master list (${(asCertificate as Error).message})`, { file: name });
      }
    }
  }

  /**
   * Imports an ICAO CSCA master list (CMS SignedData, content CscaMasterList) after checking its CMS
   * signature with the Master List Signer certificate it embeds. A bad signature refuses the whole list;
   * a signer that does not chain to a CSCA of the list is imported but reported.
   */
  importMasterList(bytes: Uint8Array, source = 'master list'): MasterListReport {
    const parts = parseSignedData(bytes, source);
    if (parts.contentType !== ID_CSCA_MASTER_LIST) throw new XacminhError('MALFORMED_DATA', `${source} is not a CSCA master list (content ${parts.contentType})`, { source });
    const signer = findSigner(parts);
    if (!signer) throw new XacminhError('MALFORMED_DATA', `${source}: the master list signer certificate is not included`, { source });
    const check = checkSignerInfo(parts, signer);
    if (!check.valid) throw new XacminhError('MALFORMED_DATA', `${source}: master list signature invalid (${check.problem ?? ''})`, { source });
    // CscaMasterList ::= SEQUENCE { version INTEGER, certList SET OF Certificate }
    const [version, certSet] = readTlvList(readSingle(parts.content, 0x30, 'CscaMasterList').value);
    derInteger(version, 'CscaMasterList version');
    if (certSet?.tag !== 0x31) throw new XacminhError('MALFORMED_DATA', `${source}: no certificate list`, { source });
    const listed: CertificateInfo[] = [];
    const skipped: MasterListReport['skipped'] = [];
    readTlvList(certSet.value).forEach((tlv, index) => {
      try {
        listed.push(parseCertificate(tlv.raw, `${source} certificate #${index}`));
      } catch (error) {
        skipped.push({ index, message: (error as Error).message });
      }
    });
    let added = 0;
    for (const cert of listed) if (this.addParsed(cert, source)) added++;
    const issuer = listed.find((ca) => ca.subjectKey === signer.issuerKey && isSignedBy(signer, ca));
    const report: MasterListReport = {
      source,
      certificates: listed.length + skipped.length,
      added,
      skipped,
      signer: { subject: signer.subject, issuer: signer.issuer, serial: signer.serial, notBefore: signer.notBefore, notAfter: signer.notAfter },
      signatureValid: true,
      signerChainsToListedCsca: issuer !== undefined,
    };
    if (issuer) report.signerIssuer = issuer.subject;
    return report;
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
    return [...this.entries.values()].map((e) => e.cert).filter((ca) => ca.subjectKey === cert.issuerKey);
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

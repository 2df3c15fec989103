/**
 * The country signing CA certificates a terminal trusts: a folder of certificates (DER or PEM) and ICAO
 * CSCA master lists, whose own signature is checked before their certificates are taken in.
 */
import { X509Certificate } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { XacminhError, isXacminhError } from '../../errors.ts';
import { readSingle, readTlvList } from '../tlv.ts';
import { parseSignedData, verifySignedData } from './cms.ts';

const ID_CSCA_MASTER_LIST = '2.23.136.1.1.2';
const MASTER_LIST_MAX_NODES = 2_000_000;

export interface TrustEntry {
  country: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
  fingerprint256: string;
  keyType: string;
  source: string;
}

export interface MasterListReport {
  certificates: number;
  added: number;
  signer: string;
  signatureValid: boolean;
  signerChainsToListedCsca: boolean;
}

export class TrustStore {
  private readonly certificates = new Map<string, { cert: X509Certificate; source: string }>();
  /** Files that could not be loaded, with why: reported, never fatal. */
  readonly problems: { file: string; message: string }[] = [];

  add(cert: X509Certificate, source: string): boolean {
    if (this.certificates.has(cert.fingerprint256)) return false;
    this.certificates.set(cert.fingerprint256, { cert, source });
    return true;
  }

  static async fromFolder(folder: string): Promise<TrustStore> {
    const store = new TrustStore();
    for (const name of (await readdir(folder)).sort()) {
      const path = join(folder, name);
      try {
        const bytes = new Uint8Array(await readFile(path));
        if (name.endsWith('.ml')) store.importMasterList(bytes, name);
        else for (const cert of parseCertificates(bytes, name)) store.add(cert, name);
      } catch (error) {
        store.problems.push({ file: name, message: isXacminhError(error) ? error.message : String(error) });
      }
    }
    return store;
  }

  /** Imports an ICAO CSCA master list after checking its CMS signature. */
  importMasterList(bytes: Uint8Array, source = 'master list'): MasterListReport {
    const verified = verifySignedData(parseSignedData(bytes, source, MASTER_LIST_MAX_NODES), source);
    if (verified.contentType !== ID_CSCA_MASTER_LIST) throw new XacminhError('MALFORMED_DATA', `${source} is not a CSCA master list (${verified.contentType})`);
    if (!verified.signatureValid) throw new XacminhError('MALFORMED_DATA', `${source}: master list signature invalid (${verified.problem ?? ''})`);
    // CscaMasterList ::= SEQUENCE { version INTEGER, certList SET OF Certificate }
    const [, certSet] = readTlvList(readSingle(verified.content, 0x30, 'CscaMasterList').value);
    if (!certSet || certSet.tag !== 0x31) throw new XacminhError('MALFORMED_DATA', `${source}: no certificate list`);
    const listed = readTlvList(certSet.value).map((t) => new X509Certificate(Buffer.from(t.raw)));
    let added = 0;
    for (const cert of listed) if (this.add(cert, source)) added++;
    const signer = verified.signer;
    const issuer = listed.find((c) => c.subject === signer.issuer && signer.verify(c.publicKey));
    return { certificates: listed.length, added, signer: signer.subject, signatureValid: true, signerChainsToListedCsca: issuer !== undefined };
  }

  /** CSCAs whose subject is the certificate's issuer and whose key verifies its signature. */
  issuersOf(cert: X509Certificate): X509Certificate[] {
    return [...this.certificates.values()].map((e) => e.cert).filter((ca) => ca.subject === cert.issuer && safeVerify(cert, ca));
  }

  /** Same issuer name but no key that verifies: the DS certificate was not issued by what we trust. */
  hasIssuerName(cert: X509Certificate): boolean {
    return [...this.certificates.values()].some((e) => e.cert.subject === cert.issuer);
  }

  describe(): TrustEntry[] {
    return [...this.certificates.values()].map(({ cert, source }) => ({
      country: /(?:^|\n)C=([A-Z]{2})/.exec(cert.subject)?.[1] ?? '??',
      subject: cert.subject.replace(/\n/g, ', '),
      notBefore: new Date(cert.validFrom),
      notAfter: new Date(cert.validTo),
      fingerprint256: cert.fingerprint256,
      keyType: describeKey(cert),
      source,
    }));
  }

  get size(): number {
    return this.certificates.size;
  }
}

function safeVerify(cert: X509Certificate, ca: X509Certificate): boolean {
  try {
    return cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}

function describeKey(cert: X509Certificate): string {
  try {
    const key = cert.publicKey;
    const details = key.asymmetricKeyDetails;
    return key.asymmetricKeyType === 'ec' ? `EC ${details?.namedCurve ?? '?'}` : `${key.asymmetricKeyType?.toUpperCase() ?? '?'} ${details?.modulusLength ?? ''}`.trim();
  } catch {
    return 'unknown';
  }
}

function parseCertificates(bytes: Uint8Array, name: string): X509Certificate[] {
  const text = Buffer.from(bytes).toString('latin1');
  const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  try {
    return pems ? pems.map((pem) => new X509Certificate(pem)) : [new X509Certificate(Buffer.from(bytes))];
  } catch (error) {
    throw new XacminhError('MALFORMED_DATA', `${name} is not a certificate (${(error as Error).message})`, { file: name }, { cause: error });
  }
}

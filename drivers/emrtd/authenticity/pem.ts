/** PEM files (trust store, device certificate and CA chain, --public-key/--ca): several blocks to a file. */

/** The DER bodies of a file's PEM blocks labelled `label` ("CERTIFICATE", "X509 CRL"); null when it has none (DER). */
export function pemBlocks(bytes: Uint8Array, label: string): Uint8Array[] | null {
  const blocks = Buffer.from(bytes).toString('latin1').match(new RegExp(`-----BEGIN ${label}-----[\\s\\S]+?-----END ${label}-----`, 'g'));
  return blocks ? blocks.map((pem) => new Uint8Array(Buffer.from(pem.replace(/-----[A-Z0-9 ]+-----|\s/g, ''), 'base64'))) : null;
}

/** The DER of each certificate in a PEM text, in order (none: an empty list). */
export function pemCertificates(text: string): Uint8Array[] {
  return pemBlocks(Buffer.from(text, 'utf8'), 'CERTIFICATE') ?? [];
}

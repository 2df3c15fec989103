/** Hash algorithm OIDs as they appear in EF.SOD and CMS, and node:crypto's names for them. */
export const DIGEST_BY_OID: Readonly<Record<string, string>> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

export const OID_BY_DIGEST: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(DIGEST_BY_OID).map(([oid, name]) => [name, oid]));

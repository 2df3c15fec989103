/**
 * The signed site bundle: what the enrolment service tells a terminal about its site (broker, broker CA,
 * the authority's public key, the site profile). A compact JWS (ES256) whose x5c is the signer's chain;
 * the signer must be the pinned enrolment CA or a certificate that CA issued.
 */
import { CompactSign, compactVerify, decodeProtectedHeader, importX509 } from 'jose';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { XacminhError } from '../../drivers/errors.ts';
import { siteProfileSchema } from '../../agent/config/site-profile.ts';
import { ID_PATTERN, x509 } from './pki.ts';

export const SITE_BUNDLE_TYP = 'xacminh-site-bundle+jws';

export const siteBundleSchema = z.strictObject({
  siteId: z.string().regex(ID_PATTERN),
  broker: z.strictObject({
    url: z.string().regex(/^(mqtts|tls|wss):\/\//, 'a TLS MQTT URL (mqtts://, tls:// or wss://)'),
    caPem: z.string().includes('-----BEGIN CERTIFICATE-----'),
  }),
  authorityPublicKeyPem: z.string().includes('-----BEGIN PUBLIC KEY-----'),
  // A service may know only some of the profile; the technician completes it during provisioning.
  profile: siteProfileSchema.partial().optional(),
  issuedAt: z.iso.datetime(),
});

export type SiteBundle = z.infer<typeof siteBundleSchema>;

export async function signSiteBundle(bundle: SiteBundle, signer: { key: KeyObject; chain: readonly x509.X509Certificate[] }): Promise<string> {
  const checked = siteBundleSchema.parse(bundle);
  return new CompactSign(new TextEncoder().encode(JSON.stringify(checked)))
    .setProtectedHeader({ alg: 'ES256', typ: SITE_BUNDLE_TYP, x5c: signer.chain.map((c) => Buffer.from(c.rawData).toString('base64')) })
    .sign(signer.key);
}

/** Checks the signature against the pinned CA and that the bundle is for `siteId`; returns the payload. */
export async function verifySiteBundle(jws: string, anchor: x509.X509Certificate, siteId: string): Promise<SiteBundle> {
  let payload: Uint8Array;
  try {
    const header = decodeProtectedHeader(jws);
    if (header.typ !== SITE_BUNDLE_TYP) throw new Error(`typ is ${String(header.typ)}, expected ${SITE_BUNDLE_TYP}`);
    const signerB64 = header.x5c?.[0];
    if (!signerB64) throw new Error('no x5c header naming the signer');
    const signer = new x509.X509Certificate(Buffer.from(signerB64, 'base64'));
    const isAnchor = Buffer.compare(Buffer.from(signer.rawData), Buffer.from(anchor.rawData)) === 0;
    if (!isAnchor && !(await signer.verify({ publicKey: anchor.publicKey, signatureOnly: true }))) throw new Error(`its signer ${signer.subject} is not certified by the pinned enrolment CA`);
    const key = await importX509(signer.toString('pem'), 'ES256');
    ({ payload } = await compactVerify(jws, key, { algorithms: ['ES256'] }));
  } catch (error) {
    throw new XacminhError('ACCESS_DENIED', `The site bundle's signature does not verify: ${(error as Error).message}. Do not use it; ask the enrolment service's operator`, { reason: (error as Error).message }, { cause: error });
  }
  let bundle: SiteBundle;
  try {
    bundle = siteBundleSchema.parse(JSON.parse(new TextDecoder().decode(payload)));
  } catch (error) {
    throw new XacminhError('MALFORMED_DATA', `The site bundle is signed but its content is not a site bundle: ${(error as Error).message}`, {}, { cause: error });
  }
  if (bundle.siteId !== siteId) throw new XacminhError('ACCESS_DENIED', `The site bundle is for site ${bundle.siteId}, not ${siteId}: refused`, { bundleSite: bundle.siteId, siteId });
  try {
    createPublicKey(bundle.authorityPublicKeyPem);
  } catch (error) {
    throw new XacminhError('MALFORMED_DATA', `The site bundle's authority public key does not parse: ${(error as Error).message}`, {}, { cause: error });
  }
  return bundle;
}

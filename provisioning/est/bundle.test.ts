// The signed site bundle: accepted only when signed by the pinned CA (or a key it certified) and for this site.
import { createPrivateKey } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { XacminhError } from '../../drivers/errors.ts';
import { signSiteBundle, verifySiteBundle, type SiteBundle } from './bundle.ts';
import { authorityPublicPem, someCaPem } from './est-test-support.ts';
import { EC_P256, generateP256, x509 } from './pki.ts';

const test = suite('site bundle');

async function makeCa(name: string): Promise<{ cert: x509.X509Certificate; pair: Awaited<ReturnType<typeof generateP256>> }> {
  const pair = await generateP256();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: '01', name: `CN=${name}`, notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000), signingAlgorithm: EC_P256, keys: pair.pair, extensions: [new x509.BasicConstraintsExtension(true, 0, true)] });
  return { cert, pair };
}

async function bundle(siteId = 'site-1'): Promise<SiteBundle> {
  return { siteId, broker: { url: 'mqtts://broker.example:8883', caPem: await someCaPem() }, authorityPublicKeyPem: authorityPublicPem(), profile: { businessName: 'Hiệu vàng Kim Thành' }, issuedAt: new Date().toISOString() };
}

async function refusal(promise: Promise<unknown>): Promise<XacminhError> {
  try {
    await promise;
  } catch (error) {
    return error as XacminhError;
  }
  throw new Error('expected a refusal');
}

test('signed by the pinned CA: accepted; for another site, by another CA, or altered: refused', async () => {
  const ca = await makeCa('enrolment CA');
  const other = await makeCa('someone else');
  const jws = await signSiteBundle(await bundle(), { key: createPrivateKey(ca.pair.pem), chain: [ca.cert] });
  assert.is((await verifySiteBundle(jws, ca.cert, 'site-1')).profile?.businessName, 'Hiệu vàng Kim Thành');

  const wrongSite = await refusal(verifySiteBundle(jws, ca.cert, 'site-2'));
  assert.match(wrongSite.message, /for site site-1, not site-2/);

  const foreign = await signSiteBundle(await bundle(), { key: createPrivateKey(other.pair.pem), chain: [other.cert] });
  assert.match((await refusal(verifySiteBundle(foreign, ca.cert, 'site-1'))).message, /not certified by the pinned enrolment CA/);

  // The pinned CA's certificate in x5c, but another key signed: the signature check catches it.
  const masquerade = await signSiteBundle(await bundle(), { key: createPrivateKey(other.pair.pem), chain: [ca.cert] });
  assert.is((await refusal(verifySiteBundle(masquerade, ca.cert, 'site-1'))).code, 'ACCESS_DENIED');

  const [h, p, s] = jws.split('.');
  const payload = JSON.parse(Buffer.from(p!, 'base64url').toString('utf8')) as SiteBundle;
  const altered = `${h}.${Buffer.from(JSON.stringify({ ...payload, broker: { ...payload.broker, url: 'mqtts://evil.example:8883' } })).toString('base64url')}.${s}`;
  assert.is((await refusal(verifySiteBundle(altered, ca.cert, 'site-1'))).code, 'ACCESS_DENIED');
});

test.run();

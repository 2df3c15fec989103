/**
 * The service's routes: EST cacerts / simpleenroll / simplereenroll (RFC 7030 §4.1, §4.2) and the signed
 * site bundle. Each returns its answer or throws HttpError with the reason the client will show.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { signSiteBundle } from '../bundle.ts';
import { certsToPkcs7Base64 } from '../pki.ts';
import { authenticatedDevice, enrolmentCode, HttpError, readCsr, send, sendCerts, type ServiceContext } from './context.ts';

export function cacerts(_req: IncomingMessage, res: ServerResponse, ctx: ServiceContext): void {
  sendCerts(res, certsToPkcs7Base64([ctx.ca.cert]));
}

export async function simpleenroll(req: IncomingMessage, res: ServerResponse, ctx: ServiceContext): Promise<void> {
  const code = enrolmentCode(req);
  const { csr, name, san } = await readCsr(req);
  const now = ctx.now();
  // From the checks to the spending of the code nothing awaits: two requests with one code cannot both pass.
  const problem = ctx.codes.problem(code, name.siteId, now);
  if (problem) throw new HttpError(403, problem);
  if (ctx.registry.isActive(name.deviceId, now) || ctx.enrolling.has(name.deviceId)) throw new HttpError(409, `device ${name.deviceId} is already enrolled and active: revoke it first to replace it (xacminh enrol-service revoke --device ${name.deviceId})`);
  ctx.codes.consume(code, name.deviceId, now);
  ctx.enrolling.add(name.deviceId);
  try {
    const cert = await ctx.ca.issueDevice(csr, san, now, ctx.certLifetimeMs);
    ctx.registry.recordEnrolment(name.deviceId, name.siteId, cert.serialNumber, cert.notAfter, now);
    sendCerts(res, certsToPkcs7Base64([cert]));
  } finally {
    ctx.enrolling.delete(name.deviceId);
  }
}

export async function simplereenroll(req: IncomingMessage, res: ServerResponse, ctx: ServiceContext): Promise<void> {
  const current = await authenticatedDevice(req, ctx);
  const { csr, name, san } = await readCsr(req);
  if (name.siteId !== current.name.siteId || name.deviceId !== current.name.deviceId) {
    throw new HttpError(403, `the CSR names ${name.siteId}/${name.deviceId} but the client certificate is ${current.name.siteId}/${current.name.deviceId}`);
  }
  if (Buffer.compare(Buffer.from(csr.publicKey.rawData), Buffer.from(current.cert.publicKey.rawData)) === 0) throw new HttpError(400, 'renewal must bring a new key');
  const now = ctx.now();
  const cert = await ctx.ca.issueDevice(csr, san, now, ctx.certLifetimeMs);
  ctx.registry.recordRenewal(name.deviceId, cert.serialNumber, cert.notAfter);
  sendCerts(res, certsToPkcs7Base64([cert]));
}

export async function siteBundle(req: IncomingMessage, res: ServerResponse, ctx: ServiceContext): Promise<void> {
  const { name } = await authenticatedDevice(req, ctx);
  const site = ctx.registry.site(name.siteId);
  if (!site) throw new HttpError(404, `site ${name.siteId} is not registered here: run xacminh enrol-service site --site ${name.siteId} …`);
  const jws = await signSiteBundle({ ...site, issuedAt: ctx.now().toISOString() }, { key: ctx.ca.keyObject, chain: [ctx.ca.cert] });
  send(res, 200, jws, 'application/jose');
}

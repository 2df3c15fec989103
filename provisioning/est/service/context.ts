/** What every route of the reference service shares: its folder's CA, codes and registry, clock and settings. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { XacminhError } from '../../../drivers/errors.ts';
import { deviceNameOf, x509, type DeviceName } from '../pki.ts';
import type { ServiceCa } from './ca.ts';
import type { CodeBook } from './codes.ts';
import type { Registry } from './registry.ts';

export interface ServiceContext {
  ca: ServiceCa;
  codes: CodeBook;
  registry: Registry;
  now: () => Date;
  certLifetimeMs: number;
  /** Device ids with a simpleenroll between its checks and its record. */
  enrolling: Set<string>;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendCerts(res: ServerResponse, base64: string): void {
  res.writeHead(200, { 'content-type': 'application/pkcs7-mime; smime-type=certs-only', 'content-transfer-encoding': 'base64', 'content-length': Buffer.byteLength(base64) });
  res.end(base64);
}

export async function readBody(req: IncomingMessage, limit = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, 'request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A PKCS#10 request in an EST body (base64 DER), its signature checked, and the device it names. */
export async function readCsr(req: IncomingMessage): Promise<{ csr: x509.Pkcs10CertificateRequest; name: DeviceName; san: string }> {
  const body = await readBody(req);
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(Buffer.from(body.replace(/\s+/g, ''), 'base64'));
  } catch (error) {
    throw new HttpError(400, `the body is not a base64 PKCS#10 request: ${(error as Error).message}`);
  }
  if (!(await csr.verify())) throw new HttpError(400, 'the CSR signature does not verify');
  const alg = csr.publicKey.algorithm as { name?: string; namedCurve?: string };
  if (alg.name !== 'ECDSA' || alg.namedCurve !== 'P-256') throw new HttpError(400, 'the CSR key must be ECDSA P-256');
  const name = deviceNameOf(csr.subjectName, csr.extensions);
  if ('problem' in name) throw new HttpError(400, `the CSR does not name a device: ${name.problem}`);
  return { csr, name, san: `urn:xacminh:device:${name.siteId}:${name.deviceId}` };
}

/**
 * The client certificate of an mTLS request: issued by this CA, unexpired, its serial the device's and not
 * revoked. Throws 401/403 with the reason otherwise.
 */
export async function authenticatedDevice(req: IncomingMessage, ctx: ServiceContext): Promise<{ cert: x509.X509Certificate; name: DeviceName }> {
  const peer = (req.socket as TLSSocket).getPeerX509Certificate?.();
  if (!peer) throw new HttpError(401, 'this request needs the device certificate (mTLS)');
  const cert = new x509.X509Certificate(peer.raw);
  if (!(await cert.verify({ publicKey: ctx.ca.cert.publicKey, signatureOnly: true }))) throw new HttpError(403, 'the client certificate was not issued by this enrolment CA');
  const now = ctx.now().getTime();
  if (cert.notAfter.getTime() <= now) throw new HttpError(403, `the client certificate expired on ${cert.notAfter.toISOString()}: re-enrol with a new enrolment code`);
  if (cert.notBefore.getTime() > now) throw new HttpError(403, 'the client certificate is not valid yet (check the clocks)');
  const name = deviceNameOf(cert.subjectName, cert.extensions);
  if ('problem' in name) throw new HttpError(403, `the client certificate does not name a device: ${name.problem}`);
  if (!ctx.registry.serialInGoodStanding(name.deviceId, cert.serialNumber)) throw new HttpError(403, `the certificate of device ${name.deviceId} is revoked or unknown here`);
  return { cert, name };
}

/** The enrolment code from "Authorization: Bearer <code>" or Basic (the password, or the user name when there is none). */
export function enrolmentCode(req: IncomingMessage): string {
  const header = req.headers.authorization ?? '';
  const bearer = /^Bearer\s+(.+)$/i.exec(header);
  if (bearer?.[1]) return bearer[1].trim();
  const basic = /^Basic\s+(.+)$/i.exec(header);
  if (basic?.[1]) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon < 0 ? decoded : decoded.slice(0, colon);
    const password = colon < 0 ? '' : decoded.slice(colon + 1);
    return (password || user).trim();
  }
  throw new HttpError(401, 'an enrolment code is required (Authorization: Bearer <code>)');
}

export function asServiceError(error: unknown): XacminhError {
  return error instanceof XacminhError ? error : new XacminhError('INVALID_INPUT', (error as Error).message);
}

/**
 * An EST client (RFC 7030): cacerts, simpleenroll, simplereenroll, plus the site bundle this project adds.
 * The first cacerts request cannot verify the server yet (that is what it fetches): it runs without
 * verification, and its answer is trusted only once the technician's SHA-256 fingerprint matches. Every
 * later request pins that CA as the only trust root.
 */
import { request } from 'node:https';
import { XacminhError } from '../../drivers/errors.ts';
import { certsToPem, normaliseFingerprint, pkcs7Base64ToCerts, sha256Hex, x509 } from './pki.ts';

export const EST_PREFIX = '/.well-known/est';
export const SITE_BUNDLE_PATH = '/xacminh/site-bundle';

/** The technician may paste the base URL or the /.well-known/est one; both name the same service. */
export function estBase(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new XacminhError('INVALID_INPUT', `The enrolment URL "${url}" is not a URL; expected e.g. https://enrol.example.vn:8443`, { url });
  }
  if (parsed.protocol !== 'https:') throw new XacminhError('INVALID_INPUT', `The enrolment URL must use https:// (got ${parsed.protocol}//)`, { url });
  const path = parsed.pathname.replace(/\/+$/, '').replace(/\/\.well-known\/est$/, '');
  return new URL(`${parsed.origin}${path}`);
}

export interface PinnedCa {
  /** The certificate whose fingerprint the technician gave: the only trust root from now on. */
  anchor: x509.X509Certificate;
  /** Everything cacerts returned, anchor included. */
  chain: x509.X509Certificate[];
  fingerprint: string;
}

export interface ClientIdentity {
  certPem: string;
  keyPem: string;
}

interface Reply {
  status: number;
  body: string;
}

async function send(url: URL, options: { method: 'GET' | 'POST'; body?: string; headers?: Record<string, string>; ca?: string; identity?: ClientIdentity; verify: boolean }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method,
        headers: { ...(options.body !== undefined ? { 'content-length': String(Buffer.byteLength(options.body)) } : {}), ...options.headers },
        // A fresh connection per request: a pooled one could carry another key's session.
        agent: false,
        rejectUnauthorized: options.verify,
        ...(options.ca ? { ca: options.ca } : {}),
        ...(options.identity ? { cert: options.identity.certPem, key: options.identity.keyPem } : {}),
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > 1_000_000) req.destroy(new Error('answer larger than 1 MB'));
          else chunks.push(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', (error) => reject(new XacminhError('BROKER_UNAVAILABLE', `The enrolment service at ${url.origin} cannot be reached: ${error.message}`, { url: url.href }, { cause: error })));
    req.end(options.body);
  });
}

function refused(what: string, reply: Reply, url: URL): XacminhError {
  const reason = reply.body.trim().slice(0, 300) || `HTTP ${reply.status}`;
  return new XacminhError('ACCESS_DENIED', `The enrolment service refused ${what} (HTTP ${reply.status}): ${reason}`, { status: reply.status, url: url.href, reason });
}

/**
 * GET cacerts and pin the CA whose SHA-256 (of its DER) is `expectedFingerprint`. A mismatch throws before
 * anything else is sent: the caller must not go on to enrol.
 */
export async function fetchCaCerts(baseUrl: string, expectedFingerprint: string): Promise<PinnedCa> {
  const fingerprint = normaliseFingerprint(expectedFingerprint);
  const url = new URL(`${estBase(baseUrl).href.replace(/\/$/, '')}${EST_PREFIX}/cacerts`);
  const reply = await send(url, { method: 'GET', verify: false });
  if (reply.status !== 200) throw refused('the CA certificates request', reply, url);
  const chain = pkcs7Base64ToCerts(reply.body, 'cacerts');
  const anchor = chain.find((c) => sha256Hex(c.rawData) === fingerprint);
  if (!anchor) {
    throw new XacminhError(
      'ACCESS_DENIED',
      `The enrolment service's CA does not match the fingerprint you gave (${fingerprint}); it sent ${chain.map((c) => sha256Hex(c.rawData)).join(', ')}. Nothing was sent: check the fingerprint and the URL (someone may be in between)`,
      { expected: fingerprint, got: chain.map((c) => sha256Hex(c.rawData)), url: url.href },
    );
  }
  const basic = anchor.getExtension(x509.BasicConstraintsExtension);
  if (!basic?.ca) throw new XacminhError('ACCESS_DENIED', 'The pinned certificate is not a CA certificate (no basicConstraints cA): give the fingerprint of the enrolment CA', { fingerprint });
  return { anchor, chain: [anchor, ...chain.filter((c) => c !== anchor)], fingerprint };
}

/**
 * How the enrolment code is presented: Bearer (the reference service), or HTTP Basic as RFC 7030 §3.2.3
 * describes it for other EST CAs (user name = device id, password = code).
 */
export type CodeAuth = { scheme: 'bearer'; code: string } | { scheme: 'basic'; user: string; code: string };

function authorization(auth: CodeAuth): string {
  return auth.scheme === 'bearer' ? `Bearer ${auth.code}` : `Basic ${Buffer.from(`${auth.user}:${auth.code}`).toString('base64')}`;
}

async function enrolRequest(path: 'simpleenroll' | 'simplereenroll', baseUrl: string, ca: PinnedCa, csrDer: ArrayBuffer, auth: { code?: CodeAuth; identity?: ClientIdentity }): Promise<x509.X509Certificate> {
  const url = new URL(`${estBase(baseUrl).href.replace(/\/$/, '')}${EST_PREFIX}/${path}`);
  const body = Buffer.from(csrDer).toString('base64');
  const reply = await send(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/pkcs10', 'content-transfer-encoding': 'base64', ...(auth.code ? { authorization: authorization(auth.code) } : {}) },
    ca: certsToPem([ca.anchor]),
    verify: true,
    ...(auth.identity ? { identity: auth.identity } : {}),
  });
  if (reply.status !== 200) throw refused(path, reply, url);
  const certs = pkcs7Base64ToCerts(reply.body, path);
  const leaf = certs.find((c) => !c.getExtension(x509.BasicConstraintsExtension)?.ca);
  if (!leaf) throw new XacminhError('MALFORMED_DATA', `The ${path} answer holds no end-entity certificate`, { path });
  if (!(await leaf.verify({ publicKey: ca.anchor.publicKey, signatureOnly: true }))) {
    throw new XacminhError('ACCESS_DENIED', `The certificate from ${path} is not signed by the pinned CA`, { path, issuer: leaf.issuer });
  }
  return leaf;
}

export function simpleEnroll(baseUrl: string, ca: PinnedCa, csrDer: ArrayBuffer, code: string | CodeAuth): Promise<x509.X509Certificate> {
  return enrolRequest('simpleenroll', baseUrl, ca, csrDer, { code: typeof code === 'string' ? { scheme: 'bearer', code } : code });
}

/** Over mTLS with the current certificate and key; the CSR carries the new key. */
export function simpleReenroll(baseUrl: string, ca: PinnedCa, csrDer: ArrayBuffer, identity: ClientIdentity): Promise<x509.X509Certificate> {
  return enrolRequest('simplereenroll', baseUrl, ca, csrDer, { identity });
}

export async function fetchSiteBundle(baseUrl: string, ca: PinnedCa, identity: ClientIdentity): Promise<string> {
  const url = new URL(`${estBase(baseUrl).href.replace(/\/$/, '')}${SITE_BUNDLE_PATH}`);
  const reply = await send(url, { method: 'GET', ca: certsToPem([ca.anchor]), verify: true, identity });
  if (reply.status !== 200) throw refused('the site bundle request', reply, url);
  return reply.body.trim();
}
